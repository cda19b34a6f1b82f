import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore
import Foundation
import Synchronization
import Testing

@testable import ElMomentoServer

/// A store whose database never answers.
struct UnreachableStore: GatewayStore {
    struct Unreachable: DatabaseFailure {
        var meansDatabaseUnavailable: Bool { true }
    }
    var environment = GatewayEnvironment.sandbox

    func ping() async throws { throw Unreachable() }
    func setting(_ name: String) async throws -> String? { throw Unreachable() }
    func recordSetting(_ name: String, value: String) async throws -> String { throw Unreachable() }
    func createMerchant(slug: String, settings: MerchantSettings, sealedSecret: [UInt8], atMilliseconds now: Int64)
        async throws -> Merchant
    { throw Unreachable() }
    func updateMerchant(slug: String, atMilliseconds now: Int64, _ change: @escaping @Sendable (inout Merchant) -> Void)
        async throws -> Merchant
    { throw Unreachable() }
    func rotateSecret(
        slug: String, sealedSecret: [UInt8], previousValidUntilMilliseconds: Int64, atMilliseconds now: Int64
    ) async throws -> Merchant { throw Unreachable() }
    func merchants() async throws -> [Merchant] { throw Unreachable() }
    func merchantCredentials(slug: String, atMilliseconds now: Int64) async throws -> MerchantCredentials? {
        throw Unreachable()
    }
    func createOrder(
        _ order: Order, merchantID: Int64, fingerprint: String, admit: @escaping @Sendable () throws -> Void
    ) async throws -> OrderCreation {
        throw Unreachable()
    }
    func order(merchantID: Int64, kind: OrderKind, orderID: String) async throws -> Order? { throw Unreachable() }
    func orders(merchantID: Int64, kind: OrderKind, matching query: OrderListQuery) async throws -> OrderPage {
        throw Unreachable()
    }
    func balances(merchantID: Int64) async throws -> [MerchantBalance] { throw Unreachable() }
    func balanceSheet(slug: String) async throws -> BalanceSheet? { throw Unreachable() }
    func recordMovement(
        slug: String, reference: String?, atMilliseconds now: Int64,
        _ movement: @escaping @Sendable (Merchant) throws -> LedgerMovement
    ) async throws -> BalanceSheet { throw Unreachable() }
    func verifyLedger() async throws -> LedgerReport { throw Unreachable() }
    func changeOrder(
        id: String, atMilliseconds now: Int64, _ transition: @escaping @Sendable (Order) throws -> OrderChange
    ) async throws -> OrderEvent { throw Unreachable() }
    func pendingDepositIDs(dueBy due: DepositDue, limit: Int) async throws -> [String] { throw Unreachable() }
    func orderForPayment(token: String) async throws -> MerchantOrder? { throw Unreachable() }
    func orderHistory(id: String) async throws -> OrderHistory? { throw Unreachable() }
    func operatorOrders(merchantSlug: String?, status: OrderStatus?, limit: Int) async throws -> [MerchantOrder] {
        throw Unreachable()
    }
    func events(merchantID: Int64, after webhookID: String?, limit: Int) async throws -> EventPage {
        throw Unreachable()
    }
    func claimDueCallbacks(
        atMilliseconds now: Int64, leaseMilliseconds: Int64, limit: Int, perMerchantMax: Int,
        inFlight: [String: Int]
    ) async throws -> [DueCallback] { throw Unreachable() }
    func recordCallbackAttempt(_ callback: DueCallback, _ attempt: CallbackAttempt, outcome: CallbackOutcome)
        async throws
    { throw Unreachable() }
    func callbacks(failedOnly: Bool, limit: Int) async throws -> [CallbackRecord] { throw Unreachable() }
    func callbackHistory(webhookID: String) async throws -> CallbackHistory? { throw Unreachable() }
    func retryCallback(webhookID: String, atMilliseconds now: Int64) async throws { throw Unreachable() }
}

/// Log lines kept for the test to read.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var logger: Logger { Logger { [self] line in lines.withLock { $0.append(line) } } }
}

@Suite struct GatewayApplicationTests {
    let log = LogLines()

    private func application(store: (any GatewayStore)? = nil) throws -> GatewayApplication {
        let store = try store ?? SQLiteStore(path: TestGateway.temporaryDatabasePath(), requested: .sandbox)
        return GatewayApplication(
            store: store, vault: try SecretVault(key: Array(repeating: 7, count: 32)),
            publicURL: PublicURL("http://127.0.0.1:8080"), logger: log.logger)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    private func error(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try json(response)["error"] as? [String: Any])
    }

    @Test(arguments: ["/healthz", "/healthz/"])
    func healthAnswersWhenTheDatabaseDoes(_ path: String) async throws {
        let response = try await application().respond(to: HTTPRequest(id: "req_test", method: "GET", target: path))
        #expect(response.status == 200)
        #expect(try json(response)["status"] as? String == "ok")
        #expect(response.headers["X-Request-Id"] == "req_test")
    }

    @Test func requestIDsAreTimeOrderedAndDistinct() throws {
        let application = try application()
        let ids = (0..<100).map { _ in application.makeRequestID() }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.hasPrefix("req_") && $0.count == 30 })
    }

    @Test func healthIs503WhenTheDatabaseDoesNotAnswer() async throws {
        let response = try await application(store: UnreachableStore()).respond(
            to: HTTPRequest(id: "req_test", method: "GET", target: "/healthz"))
        #expect(response.status == 503)
        #expect(try error(response)["code"] as? String == "unavailable")
    }

    @Test func aMerchantRequestIs503WhenTheDatabaseDoesNotAnswer() async throws {
        let response = try await application(store: UnreachableStore()).respond(
            to: HTTPRequest(id: "req_test", method: "GET", target: "/api/shop/orders/"))
        #expect(response.status == 503)
        #expect(try error(response)["code"] as? String == "unavailable")
        #expect(log.all.contains { $0.contains("database unavailable") })
    }

    @Test func anUnknownRouteGetsTheEnvelopeWithTheRequestID() async throws {
        let response = try await application().respond(
            to: HTTPRequest(id: "req_test", method: "GET", target: "/nowhere"))
        #expect(response.status == 404)
        let body = try error(response)
        #expect(body["code"] as? String == "not_found")
        #expect(body["request_id"] as? String == "req_test")
        #expect(response.headers["X-Request-Id"] == "req_test")
        #expect(body["field"] == nil)
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func aWrongMethodIs405WithAllow() async throws {
        let response = try await application().respond(
            to: HTTPRequest(id: "req_test", method: "DELETE", target: "/healthz"))
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, HEAD")
        #expect(try error(response)["code"] as? String == "method_not_allowed")
    }

    @Test func anUnexpectedErrorIsALogged500ThatRevealsNothing() async throws {
        struct Leaky: Error, CustomStringConvertible { var description: String { "table orders is locked at /var/db" } }
        var application = try application()
        application.router.add("GET", "/boom") { _ in throw Leaky() }
        let response = await application.respond(to: HTTPRequest(id: "req_test", method: "GET", target: "/boom"))
        #expect(response.status == 500)
        #expect(try error(response)["code"] as? String == "internal_error")
        #expect(!response.body.isEmpty && !String(decoding: response.body, as: UTF8.self).contains("locked"))
        #expect(log.all.contains { $0.contains("table orders is locked") })
    }

    @Test func anAnswerSentIsLoggedAsOneJSONLineWithoutSecrets() async throws {
        var headers = HTTPHeaders()
        headers.add("Signature", String(repeating: "ab", count: 64))
        let application = try application()
        let request = HTTPRequest(id: "req_test", method: "GET", target: "/healthz/", headers: headers)
        let response = await application.respond(to: request)
        #expect(log.all.isEmpty, "nothing is logged until the engine reports the answer sent")
        application.didAnswer(request, with: response)
        let lines = log.all
        #expect(lines.count == 1)
        let line = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(line["request_id"] as? String == response.headers["X-Request-Id"])
        #expect(line["route"] as? String == "/healthz")
        #expect(line["status"] as? Int == 200)
        #expect(line["latency_ms"] != nil)
        #expect(!lines[0].contains("abab"))
    }

    @Test func refusalsUseTheEnvelopeToo() throws {
        let response = try application().refuse(
            .bodyTooLarge(limitBytes: 65536), request: HTTPRequest(id: "req_test", method: "POST", target: "/x"))
        #expect(response.status == 413)
        #expect(try error(response)["code"] as? String == "body_too_large")
        #expect(response.headers["X-Request-Id"] != nil)
        let framing = try application().refuse(
            .ambiguousFraming(header: "Transfer-Encoding", reason: "r"),
            request: HTTPRequest(id: "req_test", method: "POST", target: "/x")
        )
        #expect(framing.status == 400)
        #expect(try error(framing)["field"] as? String == "Transfer-Encoding")
    }
}

@Suite struct LoggerTests {
    @Test func timestampsAreRFC3339UTCWithMilliseconds() {
        #expect(Logger.timestamp(millisecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Logger.timestamp(millisecondsSince1970: 1_796_413_233_007) == "2026-12-04T19:40:33.007Z")
    }

    @Test func latenciesAreMillisecondsWithThreePlaces() {
        #expect(Logger.milliseconds(fromNanoseconds: 0) == "0.000")
        #expect(Logger.milliseconds(fromNanoseconds: 1_250_000) == "1.250")
        #expect(Logger.milliseconds(fromNanoseconds: 12_345_678_999) == "12345.678")
    }
}
