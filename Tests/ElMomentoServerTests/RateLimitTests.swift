import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore
import Testing

@testable import ElMomentoServer

/// A counter whose `peek` always finds room, as a request does that looked just before
/// others, answered at the same time, used up the budget.
private struct LateLookingCounter: RateLimitCounter {
    let counter = InMemoryRateLimitCounter()

    func take(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) -> RateLimitDecision {
        counter.take(key: key, limit: limit, windowSeconds: windowSeconds, atMilliseconds: atMilliseconds)
    }

    func peek(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) -> RateLimitDecision {
        RateLimitDecision(
            isAllowed: true, limit: limit, remaining: limit, resetSeconds: 0, windowSeconds: windowSeconds)
    }
}

/// A database that stopped answering after the request was authenticated.
private struct DatabaseGone: DatabaseFailure {
    var meansDatabaseUnavailable: Bool { true }
}

/// SPEC 3.7 in process: each merchant's hourly limit and its headers on every
/// authenticated answer, and each client address's limit on failed authentication.
@Suite struct RateLimitTests {
    static let wrongSecret = "sk_test_not-the-secret-at-all-000000000"

    /// The gateway with a second merchant, `tiny`, allowed `limit` requests an hour.
    private func gateway(
        tinyLimit: Int = 3, rateLimits: RateLimitConfiguration = RateLimitConfiguration()
    ) async throws -> TestGateway {
        let gateway = try await TestGateway(rateLimits: rateLimits)
        var settings = MerchantSettings()
        settings.rateLimitPerHour = tinyLimit
        _ = try await gateway.store.createMerchant(
            slug: "tiny", settings: settings, sealedSecret: gateway.vault.seal(TestGateway.secret, context: "tiny"),
            atMilliseconds: 1)
        return gateway
    }

    /// A signed `GET` of `path` from the socket peer `address`.
    private func get(
        _ gateway: TestGateway, _ path: String, from address: String = "127.0.0.1",
        secret: String = TestGateway.secret, headers: [(String, String)] = []
    ) async -> HTTPResponse {
        var request = gateway.request("GET", path, secret: secret, headers: headers)
        request.clientAddress = address
        return await gateway.send(request)
    }

    @Test func headersCountDownThenA429UntilTheHourHasPassed() async throws {
        let gateway = try await gateway()
        for remaining in [2, 1, 0] {
            let response = await get(gateway, "/api/tiny/orders/")
            #expect(response.status == 200)
            #expect(response.headers["X-RateLimit-Limit"] == "3")
            #expect(response.headers["X-RateLimit-Remaining"] == "\(remaining)")
            #expect(response.headers["X-RateLimit-Reset"] == "3601")
            #expect(response.headers["RateLimit-Policy"] == "\"hour\";q=3;w=3600")
            #expect(response.headers["RateLimit"] == "\"hour\";r=\(remaining);t=3601")
        }
        gateway.clock.advance(seconds: 600)
        let refused = await get(gateway, "/api/tiny/orders/")
        #expect(refused.status == 429)
        #expect(refused.errorCode == "rate_limited")
        #expect(refused.headers["Retry-After"] == "3001")
        #expect(refused.headers["X-RateLimit-Remaining"] == "0")
        #expect(refused.headers["X-RateLimit-Reset"] == "3001")
        #expect(refused.headers["RateLimit"] == "\"hour\";r=0;t=3001")

        gateway.clock.advance(seconds: 3000)
        #expect(await get(gateway, "/api/tiny/orders/").headers["Retry-After"] == "1")
        gateway.clock.advance(seconds: 1)
        let admitted = await get(gateway, "/api/tiny/orders/")
        #expect(admitted.status == 200)
        #expect(admitted.headers["X-RateLimit-Remaining"] == "2", "refused requests are not counted")
    }

    @Test func anotherMerchantIsUnaffected() async throws {
        let gateway = try await gateway(tinyLimit: 1)
        #expect(await get(gateway, "/api/tiny/orders/").status == 200)
        #expect(await get(gateway, "/api/tiny/orders/").status == 429)
        let other = await get(gateway, "/api/shop/orders/")
        #expect(other.status == 200)
        #expect(other.headers["X-RateLimit-Limit"] == "1000")
        #expect(other.headers["X-RateLimit-Remaining"] == "999")
    }

    @Test func errorsAfterAuthenticationCarryTheHeadersToo() async throws {
        let gateway = try await gateway()
        let notFound = await get(gateway, "/api/tiny/orders/no-such-order/")
        #expect(notFound.errorCode == "order_not_found")
        #expect(notFound.headers["X-RateLimit-Remaining"] == "2")
        let badJSON = await gateway.send(gateway.request("POST", "/api/tiny/orders/", body: "{"))
        #expect(badJSON.errorCode == "invalid_json")
        #expect(badJSON.headers["X-RateLimit-Remaining"] == "1")
        #expect(badJSON.headers["RateLimit"] == "\"hour\";r=1;t=3601")
        let created = await gateway.send(
            gateway.request("POST", "/api/tiny/orders/", body: TestGateway.body(orderID: "o-1")))
        #expect(created.status == 201)
        #expect(created.headers["X-RateLimit-Remaining"] == "0")
        // Over the limit, the 429 comes before the body is looked at.
        let overLimit = await gateway.send(gateway.request("POST", "/api/tiny/orders/", body: "{"))
        #expect(overLimit.errorCode == "rate_limited")
        #expect(overLimit.headers["X-RateLimit-Limit"] == "3")
    }

    @Test func aDatabaseFailingAfterAuthenticationIsA503WithTheHeaders() async throws {
        let gateway = try await gateway()
        let gate = MerchantGate(
            authenticator: RequestAuthenticator(
                directory: MerchantDirectory(store: gateway.store, vault: gateway.vault, clock: gateway.clock),
                clock: gateway.clock),
            rateLimiter: RateLimiter(configuration: RateLimitConfiguration(), clock: gateway.clock))
        var application = gateway.application
        application.router.add("GET", "/api/{merchant}/broken") { context in
            try await gate.serve(context) { _ in throw DatabaseGone() }
        }
        let response = await application.respond(to: gateway.request("GET", "/api/tiny/broken"))
        #expect(response.errorCode == "unavailable")
        #expect(response.headers["X-RateLimit-Remaining"] == "2")
        #expect(response.headers["X-Request-Id"] == "req_test")
    }

    @Test func failedAuthenticationNeverSpendsTheMerchantsQuota() async throws {
        let gateway = try await gateway()
        for _ in 0..<5 {
            let refused = await get(gateway, "/api/tiny/orders/", secret: Self.wrongSecret)
            #expect(refused.errorCode == "invalid_signature")
            #expect(refused.headers["X-RateLimit-Remaining"] == nil, "a 401 is no authenticated answer")
        }
        #expect(await get(gateway, "/api/tiny/orders/").headers["X-RateLimit-Remaining"] == "2")
    }

    @Test func theSixtyFirstFailureFromOneAddressIsRefusedEvenWithTheRightSignature() async throws {
        let gateway = try await gateway()
        let attacker = "198.51.100.7"
        for _ in 0..<60 {
            #expect(await get(gateway, "/api/shop/orders/", from: attacker, secret: Self.wrongSecret).status == 401)
        }
        let sixtyFirst = await get(gateway, "/api/shop/orders/", from: attacker, secret: Self.wrongSecret)
        #expect(sixtyFirst.errorCode == "rate_limited")
        #expect(sixtyFirst.headers["Retry-After"] == "61")
        #expect(sixtyFirst.headers["X-RateLimit-Remaining"] == nil)
        // A right guess would stand out as the one answer that is not a 401: it gets the 429 too.
        #expect(await get(gateway, "/api/shop/orders/", from: attacker).errorCode == "rate_limited")
        #expect(await get(gateway, "/api/ghost/orders/", from: attacker).errorCode == "merchant_not_found")

        let neighbour = await get(gateway, "/api/shop/orders/", from: "198.51.100.8")
        #expect(neighbour.status == 200)
        #expect(neighbour.headers["X-RateLimit-Remaining"] == "999", "the failures named shop, and cost it nothing")

        gateway.clock.advance(seconds: 61)
        #expect(await get(gateway, "/api/shop/orders/", from: attacker).status == 200)
    }

    @Test func aFailureArrivingJustAfterTheBudgetIsUsedUpIsA429() async throws {
        var rateLimits = RateLimitConfiguration()
        rateLimits.authFailuresPerMinute = 2
        rateLimits.counter = LateLookingCounter()
        let gateway = try await gateway(rateLimits: rateLimits)
        for status in [401, 401, 429] {
            #expect(await get(gateway, "/api/shop/orders/", secret: Self.wrongSecret).status == status)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromATrustedProxy() async throws {
        var rateLimits = RateLimitConfiguration()
        rateLimits.authFailuresPerMinute = 2
        rateLimits.trustedProxies = TrustedProxies([try #require(IPNetwork("10.0.0.0/8"))])
        let gateway = try await gateway(rateLimits: rateLimits)
        let proxy = "10.0.0.1"
        for status in [401, 401, 429] {
            let response = await get(
                gateway, "/api/shop/orders/", from: proxy, secret: Self.wrongSecret,
                headers: [("X-Forwarded-For", "192.0.2.1, 203.0.113.7")])
            #expect(response.status == status)
        }
        let otherClient = await get(
            gateway, "/api/shop/orders/", from: proxy, headers: [("X-Forwarded-For", "203.0.113.8")])
        #expect(otherClient.status == 200, "another client behind the same proxy")

        for (forwardedFor, status) in [("203.0.113.9", 401), ("203.0.113.10", 401), ("203.0.113.11", 429)] {
            let response = await get(
                gateway, "/api/shop/orders/", from: "198.51.100.1", secret: Self.wrongSecret,
                headers: [("X-Forwarded-For", forwardedFor)])
            #expect(response.status == status, "an untrusted peer is the client whatever it forwards")
        }
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() async throws {
        var rateLimits = RateLimitConfiguration()
        rateLimits.authFailuresPerMinute = 2
        let gateway = try await gateway(rateLimits: rateLimits)
        for (address, status) in [("2001:db8:1:2::1", 401), ("2001:db8:1:2::2", 401), ("2001:db8:1:2:ffff::9", 429)] {
            let response = await get(gateway, "/api/shop/orders/", from: address, secret: Self.wrongSecret)
            #expect(response.status == status, "\(address)")
        }
        #expect(await get(gateway, "/api/shop/orders/", from: "2001:db8:1:3::1").status == 200)
    }

    @Test func aLoweredLimitAppliesWithinASecond() async throws {
        let gateway = try await gateway(tinyLimit: 10)
        for _ in 0..<3 { #expect(await get(gateway, "/api/tiny/orders/").status == 200) }
        _ = try await gateway.store.updateMerchant(slug: "tiny", atMilliseconds: 2) { $0.settings.rateLimitPerHour = 2 }
        gateway.clock.advance(seconds: 1)
        let refused = await get(gateway, "/api/tiny/orders/")
        #expect(refused.errorCode == "rate_limited")
        #expect(refused.headers["X-RateLimit-Limit"] == "2")
        #expect(refused.headers["Retry-After"] == "3600")
    }
}

/// The in-memory counter keeps one window per key and forgets the ones that emptied.
@Suite struct InMemoryRateLimitCounterTests {
    let start: Int64 = 1_796_413_233_000

    @Test func keysAreCountedApart() {
        let counter = InMemoryRateLimitCounter()
        #expect(counter.take(key: "a", limit: 1, windowSeconds: 60, atMilliseconds: start).isAllowed)
        #expect(!counter.take(key: "a", limit: 1, windowSeconds: 60, atMilliseconds: start).isAllowed)
        #expect(counter.take(key: "b", limit: 1, windowSeconds: 60, atMilliseconds: start).isAllowed)
    }

    @Test func peekingAtAnUnknownKeyAddsNothing() {
        let counter = InMemoryRateLimitCounter()
        #expect(counter.peek(key: "a", limit: 1, windowSeconds: 60, atMilliseconds: start).remaining == 1)
        #expect(counter.keyCount == 0)
    }

    @Test func emptiedWindowsAreDropped() {
        let counter = InMemoryRateLimitCounter()
        for address in 0..<1_000 {
            _ = counter.take(key: "auth-failures:\(address)", limit: 60, windowSeconds: 60, atMilliseconds: start)
        }
        _ = counter.take(key: "merchant:1", limit: 1000, windowSeconds: 3600, atMilliseconds: start)
        #expect(counter.keyCount == 1_001)
        let later = start + (61 + InMemoryRateLimitCounter.sweepIntervalSeconds) * 1000
        _ = counter.take(key: "auth-failures:new", limit: 60, windowSeconds: 60, atMilliseconds: later)
        #expect(counter.keyCount == 2, "the merchant's hour is not over; the addresses' minutes are")
    }
}
