import ElMomentoCore
import ElMomentoHTTP
import ElMomentoSigning
import ElMomentoStore
import Foundation
import Synchronization
import Testing

@testable import ElMomentoServer

/// The lifecycle's services and pages in process, with a clock the test drives: the deposit
/// sweeper, the callback dispatcher over a stand-in transport, the hosted payment page and
/// the events list.
@Suite struct LifecycleServiceTests {
    let gateway: TestGateway

    init() async throws {
        var settings = MerchantSettings()
        settings.depositTimeToLiveMinutes = 30
        gateway = try await TestGateway(settings: settings)
    }

    private func createDeposit(_ orderID: String, callbackURL: String = "http://127.0.0.1:9/cb") async throws -> Order {
        let response = await gateway.send(
            gateway.request(
                "POST", "/api/shop/orders/", body: TestGateway.body(orderID: orderID, callbackURL: callbackURL)))
        try #require(response.status == 201, "\(response.text)")
        let merchant = try #require(try await gateway.store.merchants().first)
        return try #require(try await gateway.store.order(merchantID: merchant.id, kind: .deposit, orderID: orderID))
    }

    private func status(_ order: Order) async throws -> OrderStatus? {
        try await gateway.store.orderHistory(id: order.id)?.order.order.status
    }

    @Test func pendingDepositsExpireAfterTheirTimeToLiveAndOverlappingSweepsExpireEachOnce() async throws {
        let sweeper = DepositSweeper(store: gateway.store, clock: gateway.clock, autoSettleSeconds: nil)
        let order = try await createDeposit("d-1")
        gateway.clock.advance(seconds: 30 * 60 - 1)
        #expect(try await sweeper.sweep() == 0)
        gateway.clock.advance(seconds: 1)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await sweeper.sweep() } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.reduce(0, +) == 1, "four overlapping sweeps expire the deposit once: \(counts)")
        #expect(try await status(order) == .expired)
        let history = try #require(try await gateway.store.orderHistory(id: order.id))
        #expect(history.changes.map(\.actor) == [.expirySweeper])
    }

    @Test func sandboxAutoSettlementCompletesDepositsThatOld() async throws {
        let sweeper = DepositSweeper(store: gateway.store, clock: gateway.clock, autoSettleSeconds: 10)
        let order = try await createDeposit("d-1")
        gateway.clock.advance(seconds: 9)
        #expect(try await sweeper.sweep() == 0)
        gateway.clock.advance(seconds: 1)
        #expect(try await sweeper.sweep() == 1)
        #expect(try await status(order) == .completed)
    }

    @Test func theDispatcherRecordsEachAttemptAndFollowsTheSchedule() async throws {
        let transport = ScriptedTransport([
            CallbackResponse(statusCode: 500, retryAfterSeconds: nil, latencyMilliseconds: 3, error: nil),
            CallbackResponse(statusCode: 200, retryAfterSeconds: nil, latencyMilliseconds: 2, error: nil),
        ])
        let dispatcher = makeDispatcher(transport)
        let order = try await createDeposit("d-1", callbackURL: "http://127.0.0.1:9/cb")
        let event = try await gateway.store.changeOrder(id: order.id, atMilliseconds: now()) {
            try $0.applying(.complete, by: .operator, reason: nil, atMilliseconds: now())
        }
        try await attemptDue(dispatcher)
        var record = try #require(try await gateway.store.callbacks(failedOnly: false, limit: 1).first)
        #expect(record.state == .pending && record.attemptCount == 1 && record.lastStatusCode == 500)
        // Jittered ±20% around 10 s: not due before 8 s, due by 12 s.
        #expect(record.nextAttemptAtMilliseconds >= now() + 8_000 && record.nextAttemptAtMilliseconds <= now() + 12_000)
        gateway.clock.advance(seconds: 12)
        try await attemptDue(dispatcher)
        record = try #require(try await gateway.store.callbacks(failedOnly: false, limit: 1).first)
        #expect(record.state == .delivered && record.attemptCount == 2)

        let sent = transport.sent
        #expect(sent.count == 2 && sent.allSatisfy { $0.body == event.jsonObject().encoded() })
        let headers = Dictionary(sent[1].headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
        #expect(
            headers["webhook-id"] == event.webhookID
                && headers["x-timestamp"] == String(gateway.clock.secondsSince1970()))
        #expect(
            RequestSignature(secret: TestGateway.secret).isValid(
                signature: headers["signature"] ?? "", timestamp: headers["x-timestamp"] ?? "", body: sent[1].body))
    }

    @Test func a410GivesUpAtOnceAndAnOperatorCanResend() async throws {
        let transport = ScriptedTransport([
            CallbackResponse(statusCode: 410, retryAfterSeconds: nil, latencyMilliseconds: 1, error: nil)
        ])
        let dispatcher = makeDispatcher(transport)
        let order = try await createDeposit("d-1")
        let event = try await gateway.store.changeOrder(id: order.id, atMilliseconds: now()) {
            try $0.applying(.cancel, by: .operator, reason: nil, atMilliseconds: now())
        }
        try await attemptDue(dispatcher)
        #expect(try await gateway.store.callbacks(failedOnly: true, limit: 5).map(\.webhookID) == [event.webhookID])
        try await gateway.store.retryCallback(webhookID: event.webhookID, atMilliseconds: now())
        try await attemptDue(dispatcher)
        #expect(transport.sent.count == 2)
    }

    @Test func theSandboxPageSettlesItsDepositAndAnUnknownTokenFindsNothing() async throws {
        let order = try await createDeposit("d-1")
        let token = try #require(order.paymentToken)
        let page = await gateway.send(HTTPRequest(id: "req_page", method: "GET", target: "/pay/\(token)"))
        #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(
            page.text.contains("500.00 DOP") && page.text.contains(order.id) && page.text.contains("Simulate payment"))
        #expect(page.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
        let click = await gateway.send(
            HTTPRequest(id: "req_click", method: "POST", target: "/pay/\(token)/simulate-payment"))
        #expect(click.status == 303 && click.headers["Location"] == "/pay/\(token)")
        #expect(try await status(order) == .completed)
        let again = await gateway.send(
            HTTPRequest(id: "req_again", method: "POST", target: "/pay/\(token)/simulate-failure"))
        let statusAfter = try await status(order)
        #expect(again.status == 303 && statusAfter == .completed, "a settled deposit stays settled")
        let unknown = await gateway.send(
            HTTPRequest(id: "req_unknown", method: "GET", target: "/pay/\(String(repeating: "0", count: 48))"))
        #expect(unknown.status == 404 && unknown.text.contains("Payment not found"))
        let byOrderID = await gateway.send(HTTPRequest(id: "req_id", method: "GET", target: "/pay/\(order.id)"))
        #expect(byOrderID.status == 404, "the order id opens nothing")
    }

    @Test func theProductionPageShowsInstructionsAndHasNoButtons() async throws {
        let production = try await TestGateway(
            environment: .production, paymentInstructions: "Banco Popular <DOP>\nAccount 123-456\nElMomento SRL")
        let response = await production.send(
            production.request(
                "POST", "/api/shop/orders/",
                body: TestGateway.body(orderID: "d-1", callbackURL: "https://merchant.example/cb")))
        try #require(response.status == 201, "\(response.text)")
        let paymentURL = try #require(response.json?["payment_url"] as? String)
        let path = String(paymentURL.dropFirst("https://pay.example".count))
        let page = await production.send(HTTPRequest(id: "req_page", method: "GET", target: path))
        #expect(page.status == 200 && page.text.contains("write the reference") && !page.text.contains("<form"))
        #expect(
            page.text.contains("Banco Popular &lt;DOP&gt;\nAccount 123-456"), "the operator's instructions, escaped")
        let click = await production.send(
            HTTPRequest(id: "req_click", method: "POST", target: path + "/simulate-payment"))
        #expect(click.status == 404)
    }

    @Test func eventsListEveryChangeOldestFirstAndRefuseAStrangeCursor() async throws {
        for index in 0..<3 {
            let order = try await createDeposit("d-\(index)")
            _ = try await gateway.store.changeOrder(id: order.id, atMilliseconds: now()) {
                try $0.applying(.complete, by: .operator, reason: nil, atMilliseconds: now())
            }
        }
        let first = await gateway.send(gateway.request("GET", "/api/shop/events/?limit=2"))
        let data = try #require(first.json?["data"] as? [[String: Any]])
        #expect(data.map { $0["orderID"] as? String } == ["d-0", "d-1"] && first.json?["has_more"] as? Bool == true)
        let cursor = try #require(first.json?["next_cursor"] as? String)
        let rest = await gateway.send(gateway.request("GET", "/api/shop/events/?after=\(cursor)"))
        #expect((rest.json?["data"] as? [[String: Any]])?.map { $0["orderID"] as? String } == ["d-2"])
        #expect(rest.json?["next_cursor"] is NSNull)
        let bad = await gateway.send(gateway.request("GET", "/api/shop/events/?after=evt_00000000000000000000000000"))
        #expect(bad.status == 400 && bad.errorCode == "validation_failed")
    }

    private func now() -> Int64 { Int64(gateway.clock.millisecondsSince1970()) }

    private func makeDispatcher(_ transport: ScriptedTransport) -> CallbackDispatcher {
        CallbackDispatcher(
            store: gateway.store, vault: gateway.vault, transport: transport, clock: gateway.clock,
            configuration: CallbackDispatcher.Configuration(), logger: gateway.log.logger)
    }

    /// One attempt of every callback due now.
    private func attemptDue(_ dispatcher: CallbackDispatcher) async throws {
        let due = try await gateway.store.claimDueCallbacks(
            atMilliseconds: now(), leaseMilliseconds: 40_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        for callback in due { await dispatcher.attempt(callback) }
    }
}

/// A transport that answers from a script and remembers what it was asked to send.
final class ScriptedTransport: CallbackSending {
    private let state: Mutex<(answers: [CallbackResponse], sent: [CallbackRequest])>

    init(_ answers: [CallbackResponse]) {
        state = Mutex((answers, []))
    }

    var sent: [CallbackRequest] { state.withLock { $0.sent } }

    func send(_ request: CallbackRequest) async -> CallbackResponse {
        state.withLock { state in
            state.sent.append(request)
            return state.answers.isEmpty
                ? CallbackResponse(statusCode: 200, retryAfterSeconds: nil, latencyMilliseconds: 1, error: nil)
                : state.answers.removeFirst()
        }
    }
}

extension LifecycleServiceTests {
    @Test func afterDowntimeADepositPastItsTimeExpiresRatherThanSettlesAndItsPageIsDead() async throws {
        let sweeper = DepositSweeper(store: gateway.store, clock: gateway.clock, autoSettleSeconds: 10)
        let order = try await createDeposit("d-1")
        gateway.clock.advance(seconds: 31 * 60)
        let token = try #require(order.paymentToken)
        let click = await gateway.send(
            HTTPRequest(id: "req_click", method: "POST", target: "/pay/\(token)/simulate-payment"))
        let statusAfterClick = try await status(order)
        #expect(click.status == 303 && statusAfterClick == .pending, "a dead link settles nothing")
        let page = await gateway.send(HTTPRequest(id: "req_page", method: "GET", target: "/pay/\(token)"))
        #expect(page.text.contains("expired") && !page.text.contains("<form"))
        #expect(try await sweeper.sweep() == 1)
        #expect(try await status(order) == .expired)
    }
}
