import ElMomentoTestSupport
import Foundation
import Testing

/// SPEC 3.7 on the real binary: a merchant's hourly limit set from the command line, and
/// the limit on failed authentication per client address, behind a proxy too.
@Suite struct RateLimitTests {
    let database = GatewayProcess.temporaryDatabasePath()
    static let wrongSecret = "sk_test_not-the-secret-at-all-000000000"

    /// Creates the merchant `slug` with `options`; its secret.
    private func createMerchant(_ slug: String, _ options: [String] = []) async throws -> String {
        let result = try await runElmomento(
            ["admin", "merchant", "create", slug, "--json", "--database", database] + options)
        #expect(result.status == 0, "\(result.standardError.redactingSecrets)")
        let created = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return try #require(created?["secret"] as? String)
    }

    @Test func aMerchantsLimitCountsDownToA429WhileAnotherMerchantIsServed() async throws {
        let tinySecret = try await createMerchant("tiny", ["--rate-limit", "5"])
        let otherSecret = try await createMerchant("other")
        try await withGateway(databasePath: database) { gateway in
            let tiny = MerchantClient(port: gateway.port, merchant: "tiny", secret: tinySecret)
            for remaining in (0..<5).reversed() {
                let response = try await tiny.send("GET", tiny.ordersPath())
                #expect(response.status == 200)
                #expect(response.header("X-RateLimit-Limit") == "5")
                #expect(response.header("X-RateLimit-Remaining") == "\(remaining)")
                #expect(response.header("RateLimit-Policy") == "\"hour\";q=5;w=3600")
                #expect(response.header("RateLimit")?.hasPrefix("\"hour\";r=\(remaining);t=") == true)
            }
            let refused = try await tiny.send("GET", tiny.ordersPath())
            #expect(refused.status == 429)
            #expect(refused.error?["code"] as? String == "rate_limited")
            let retryAfter = try #require(refused.header("Retry-After").flatMap { Int($0) })
            #expect((3590...3601).contains(retryAfter))
            #expect(refused.header("X-RateLimit-Remaining") == "0")
            #expect(refused.header("X-RateLimit-Reset") == "\(retryAfter)")

            let other = MerchantClient(port: gateway.port, merchant: "other", secret: otherSecret)
            let served = try await other.send("GET", other.ordersPath())
            #expect(served.status == 200)
            #expect(served.header("X-RateLimit-Remaining") == "999")
        }
    }

    @Test func theSixtyFirstBadSignatureFromAnAddressIsA429AndOtherAddressesAreServed() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let secret = try #require(gateway.demoSecret)
            let guesser = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: Self.wrongSecret, sourceAddress: "127.0.0.1")
            for attempt in 1...60 {
                let response = try await guesser.send("GET", guesser.ordersPath())
                #expect(response.status == 401, "attempt \(attempt)")
            }
            let sixtyFirst = try await guesser.send("GET", guesser.ordersPath())
            #expect(sixtyFirst.status == 429)
            #expect(sixtyFirst.error?["code"] as? String == "rate_limited")
            #expect(sixtyFirst.header("Retry-After").flatMap { Int($0) }.map { (1...61).contains($0) } == true)

            let rightGuess = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: secret, sourceAddress: "127.0.0.1")
            #expect(try await rightGuess.send("GET", rightGuess.ordersPath()).status == 429)
            let elsewhere = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: secret, sourceAddress: "127.0.0.2")
            let served = try await elsewhere.send("GET", elsewhere.ordersPath())
            #expect(served.status == 200)
            #expect(served.header("X-RateLimit-Remaining") == "999", "the 401s named 1xbet and cost it nothing")
        }
    }

    @Test func behindATrustedProxyEachForwardedClientHasItsOwnBudget() async throws {
        let arguments = ["--demo", "--trusted-proxy", "127.0.0.1/32", "--auth-failures-per-minute", "2"]
        try await withGateway(arguments: arguments) { gateway in
            let secret = try #require(gateway.demoSecret)
            let viaProxy = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: Self.wrongSecret, sourceAddress: "127.0.0.1")
            for status in [401, 401, 429] {
                let response = try await viaProxy.send(
                    "GET", viaProxy.ordersPath(), headers: [("X-Forwarded-For", "192.0.2.1, 203.0.113.7")])
                #expect(response.status == status)
            }
            let anotherClient = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: secret, sourceAddress: "127.0.0.1")
            let served = try await anotherClient.send(
                "GET", anotherClient.ordersPath(), headers: [("X-Forwarded-For", "203.0.113.8")])
            #expect(served.status == 200)

            // 127.0.0.2 is no proxy: what it forwards is not believed, and it is one client.
            let direct = MerchantClient(
                port: gateway.port, merchant: "1xbet", secret: Self.wrongSecret, sourceAddress: "127.0.0.2")
            for (forwardedFor, status) in [("203.0.113.9", 401), ("203.0.113.10", 401), ("203.0.113.11", 429)] {
                let response = try await direct.send(
                    "GET", direct.ordersPath(), headers: [("X-Forwarded-For", forwardedFor)])
                #expect(response.status == status)
            }
        }
    }

    @Test(arguments: [
        (["--trusted-proxy", "10.0.0.0/33"], "--trusted-proxy must be"),
        (["--trusted-proxy", "10.0.0.0/8,proxy.example"], "\"proxy.example\" is not one"),
        (["--auth-failures-per-minute", "0"], "--auth-failures-per-minute must be"),
    ])
    func badRateLimitOptionsExitWithStatus2(_ options: [String], _ expected: String) async throws {
        let result = try await runElmomento(["serve", "--port", "0", "--database", database] + options)
        #expect(result.status == 2)
        #expect(result.standardError.contains(expected), "stderr: \(result.standardError)")
    }
}
