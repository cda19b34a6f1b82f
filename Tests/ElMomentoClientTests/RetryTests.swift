import ElMomentoClient
import ElMomentoSigning
import ElMomentoTestSupport
import Foundation
import Testing

/// Retries, against a loopback stub that answers what a gateway in trouble would: the same
/// body bytes every attempt, a fresh timestamp and signature each time, within the budget.
@Suite struct RetryTests {
    private let secret = "sk_test_retry_secret_0123456789"
    private let request = ElMomentoOrderRequest(
        orderID: "retry-1", amount: "500.50", currency: "DOP", payer: ["email": "ana@example.com"])

    private func client(
        _ stub: CallbackReceiver, _ policy: ElMomentoRetryPolicy, version: ElMomentoSignatureVersion = .v2
    )
        -> ElMomentoClient
    {
        let clock = SteppingClock()
        return ElMomentoClient(
            baseURL: URL(string: "http://127.0.0.1:\(stub.port)")!, merchant: "shop", secret: secret,
            signatureVersion: version, retryPolicy: policy, requestTimeoutSeconds: 5, timestampSeconds: clock.next)
    }

    @Test func twoUnavailableAnswersAreRetriedWithTheSameBodyAndFreshSignatures() async throws {
        let stub = try stub { index in
            index < 2
                ? .init(status: 503, body: StubBodies.error("unavailable"))
                : .init(status: 201, body: StubBodies.order(orderID: "retry-1"))
        }
        defer { stub.stop() }
        let sleeps = RecordedSleeps()
        let created = try await client(stub, sleeps.policy(attemptsMax: 3)).createDeposit(request)
        #expect(created.order.orderID == "retry-1" && !created.wasReplayed)

        let attempts = stub.requests
        #expect(attempts.count == 3)
        #expect(attempts.allSatisfy { $0.body == request.body() }, "byte-identical bodies")
        let timestamps = attempts.compactMap { $0.header("x-timestamp") }
        #expect(Set(timestamps).count == 3, "a fresh timestamp each attempt: \(timestamps)")
        let signer = RequestSignature(secret: secret)
        for attempt in attempts {
            #expect(attempt.method == "POST" && attempt.target == "/api/shop/orders/")
            #expect(attempt.header("content-type") == "application/json")
            #expect(attempt.header("signature-version") == "2")
            #expect(
                signer.isValidVersion2(
                    signature: attempt.header("signature") ?? "", timestamp: attempt.header("x-timestamp") ?? "",
                    method: "POST", target: "/api/shop/orders/", body: attempt.body))
        }
        #expect(sleeps.seconds == [0.5, 1.0], "backoff doubles")
    }

    @Test func theAttemptBudgetEndsRetries() async throws {
        let stub = try stub { _ in .init(status: 500, body: StubBodies.error("internal_error")) }
        defer { stub.stop() }
        let sleeps = RecordedSleeps()
        let failure = await #expect(throws: ElMomentoError.self) {
            try await client(stub, sleeps.policy(attemptsMax: 4)).createDeposit(request)
        }
        #expect((failure?.status, failure?.code, failure?.requestID) == (500, "internal_error", "req_stub"))
        #expect(stub.requests.count == 4)
        #expect(sleeps.seconds == [0.5, 1.0, 2.0])
    }

    @Test func theTotalDelayCapEndsRetriesBeforeTheAttemptBudget() async throws {
        let stub = try stub { _ in .init(status: 503, body: StubBodies.error("unavailable")) }
        defer { stub.stop() }
        let sleeps = RecordedSleeps()
        let policy = sleeps.policy(attemptsMax: 10, initialDelaySeconds: 1, totalDelaySecondsMax: 3)
        await #expect(throws: ElMomentoError.self) { try await client(stub, policy).balance() }
        #expect(sleeps.seconds == [1, 2], "a third wait of 4 s would pass the 3 s cap")
        #expect(stub.requests.count == 3)
    }

    @Test func aRetryAfterOnUnavailableIsHonoured() async throws {
        let stub = try stub { index in
            index == 0
                ? .init(status: 503, headers: [("Retry-After", "2")], body: StubBodies.error("unavailable"))
                : .init(status: 200, body: #"{"balances":[{"currency":"DOP","available":1.5,"reserved":0}]}"#)
        }
        defer { stub.stop() }
        let sleeps = RecordedSleeps()
        let balances = try await client(stub, sleeps.policy(attemptsMax: 2)).balance()
        #expect(balances == [ElMomentoBalance(currency: "DOP", available: "1.5", reserved: "0")])
        #expect(sleeps.seconds == [2])
    }

    @Test(arguments: [(409, "order_id_conflict"), (400, "validation_failed"), (429, "rate_limited")])
    func aRefusalIsNeverRetried(_ status: Int, _ code: String) async throws {
        let stub = try stub { _ in
            .init(status: status, headers: [("Retry-After", "7")], body: StubBodies.error(code, field: "orderID"))
        }
        defer { stub.stop() }
        let sleeps = RecordedSleeps()
        let failure = await #expect(throws: ElMomentoError.self) {
            try await client(stub, sleeps.policy(attemptsMax: 5)).createDeposit(request)
        }
        #expect((failure?.kind, failure?.status, failure?.code) == (.api, status, code))
        #expect(failure?.field == "orderID")
        #expect(failure?.retryAfterSeconds == 7)
        #expect(failure?.isRetryable == false)
        #expect(stub.requests.count == 1)
        #expect(sleeps.seconds.isEmpty)
    }

    @Test func aGatewayThatCannotBeReachedIsATransportErrorAfterTheRetries() async throws {
        let closed = try stub { _ in .init(status: 200) }
        closed.stop()
        let sleeps = RecordedSleeps()
        let failure = await #expect(throws: ElMomentoError.self) {
            try await client(closed, sleeps.policy(attemptsMax: 2)).balance()
        }
        #expect((failure?.kind, failure?.status, failure?.code) == (.transport, nil, ElMomentoError.transportCode))
        #expect(failure?.message.contains("127.0.0.1:\(closed.port)") == true)
        #expect(sleeps.seconds == [0.5])
    }

    @Test func anUnreadableAnswerIsAnInvalidResponse() async throws {
        let stub = try stub { index in
            index == 0 ? .init(status: 201, body: "<html>proxy</html>") : .init(status: 502, body: "Bad Gateway")
        }
        defer { stub.stop() }
        let client = client(stub, .never)
        let unreadable = await #expect(throws: ElMomentoError.self) { try await client.createDeposit(request) }
        #expect((unreadable?.kind, unreadable?.status) == (.invalidResponse, 201))
        let notTheEnvelope = await #expect(throws: ElMomentoError.self) { try await client.createDeposit(request) }
        #expect((notTheEnvelope?.kind, notTheEnvelope?.status) == (.invalidResponse, 502))
        #expect(notTheEnvelope?.isRetryable == true)
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let stub = try stub { _ in .init(status: 307, headers: [("Location", "/elsewhere/")]) }
        defer { stub.stop() }
        let redirected = await #expect(throws: ElMomentoError.self) {
            try await client(stub, .never).createDeposit(request)
        }
        #expect((redirected?.kind, redirected?.status) == (.invalidResponse, 307))
        #expect(redirected?.message.contains("/elsewhere/") == true)
        #expect(stub.requests.map(\.target) == ["/api/shop/orders/"], "the signed request went nowhere else")
    }

    @Test func version1SignsTheTimestampAloneOnAGetAndTheBodyOnAPost() async throws {
        let stub = try stub { index in
            index == 0
                ? .init(status: 200, body: StubBodies.order(orderID: "order 1/2"))
                : .init(status: 200, headers: [("Idempotent-Replayed", "true")], body: StubBodies.order(orderID: "x"))
        }
        defer { stub.stop() }
        let client = client(stub, .never, version: .v1)
        _ = try await client.deposit(orderID: "order 1/2")
        #expect(try await client.createDeposit(request).wasReplayed)
        let (get, post) = (stub.requests[0], stub.requests[1])
        #expect(get.target == "/api/shop/orders/order%201%2F2/", "the orderID is one path segment")
        let signer = RequestSignature(secret: secret)
        #expect(get.header("signature-version") == nil)
        #expect(signer.sign(timestamp: get.header("x-timestamp") ?? "") == get.header("signature"))
        #expect(signer.sign(timestamp: post.header("x-timestamp") ?? "", body: post.body) == post.header("signature"))
    }
}
