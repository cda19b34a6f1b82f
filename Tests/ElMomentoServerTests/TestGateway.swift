import ElMomentoCore
import ElMomentoHTTP
import ElMomentoSigning
import ElMomentoStore
import Foundation
import Synchronization

@testable import ElMomentoServer

/// A clock the test sets.
final class TestClock: GatewayClock {
    private let now = Mutex<UInt64>(1_796_413_233_000)

    func millisecondsSince1970() -> UInt64 { now.withLock { $0 } }

    func advance(seconds: Int) {
        now.withLock { $0 = UInt64(Int64($0) + Int64(seconds) * 1000) }
    }
}

/// The gateway in process, over a fresh SQLite file, with the merchant `shop` and a
/// clock the test drives; requests are signed as a merchant would sign them.
struct TestGateway {
    static let secret = "sk_test_0123456789abcdefghijklmnopqrstuv"

    let store: SQLiteStore
    let vault: SecretVault
    let clock = TestClock()
    let application: GatewayApplication
    let log = LogLines()

    static func temporaryDatabasePath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("elmomento-handlers-\(UUID().uuidString)/gateway.sqlite").path
    }

    init(
        settings: MerchantSettings = MerchantSettings(), environment: GatewayEnvironment = .sandbox,
        rateLimits: RateLimitConfiguration = RateLimitConfiguration(), paymentInstructions: String? = nil
    ) async throws {
        store = try SQLiteStore(path: Self.temporaryDatabasePath(), requested: environment)
        vault = try SecretVault(key: SecureRandom.bytes(count: 32))
        _ = try await store.createMerchant(
            slug: "shop", settings: settings, sealedSecret: vault.seal(Self.secret, context: "shop"),
            atMilliseconds: 1)
        application = GatewayApplication(
            store: store, vault: vault, publicURL: PublicURL("https://pay.example/"), logger: log.logger,
            clock: clock, rateLimits: rateLimits, paymentInstructions: paymentInstructions)
    }

    /// A request to `target` signed with version 1 at the clock's time (moved by
    /// `timestampOffsetSeconds`), with `headers` added.
    func request(
        _ method: String, _ target: String, body: String = "", secret: String = TestGateway.secret,
        timestampOffsetSeconds: Int64 = 0, headers extra: [(String, String)] = []
    ) -> HTTPRequest {
        let timestamp = String(clock.secondsSince1970() + timestampOffsetSeconds)
        let bytes = Array(body.utf8)
        var headers = HTTPHeaders()
        headers.add("X-Timestamp", timestamp)
        headers.add(
            "Signature", RequestSignature(secret: secret).sign(timestamp: timestamp, body: method == "GET" ? [] : bytes)
        )
        if !body.isEmpty { headers.add("Content-Type", "application/json") }
        for (name, value) in extra { headers.add(name, value) }
        return HTTPRequest(id: "req_test", method: method, target: target, headers: headers, body: bytes)
    }

    func send(_ request: HTTPRequest) async -> HTTPResponse {
        await application.respond(to: request)
    }

    static func body(orderID: String, amount: String = "500", callbackURL: String = "https://google.com") -> String {
        """
        {"amount": \(amount), "orderID": "\(orderID)", "currency": "DOP", "callback_url": "\(callbackURL)",
         "request": {"email": "ceterasddsare@hotmail.com", "id_number": "00100000001"}}
        """
    }
}

extension HTTPResponse {
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var text: String { String(decoding: body, as: UTF8.self) }
}
