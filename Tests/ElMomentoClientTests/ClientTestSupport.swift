import ElMomentoClient
import ElMomentoTestSupport
import Foundation
import Synchronization

/// A merchant `slug` created (with `options`) in a fresh database, and the real gateway
/// serving that database; `body` gets the gateway and the merchant's secret.
func withMerchant<Result>(
    _ slug: String = "shop", options: [String] = [], _ body: (GatewayProcess, String) async throws -> Result
) async throws -> Result {
    let database = GatewayProcess.temporaryDatabasePath()
    let created = try await runElmomento(
        ["admin", "merchant", "create", slug, "--json", "--database", database] + options)
    guard created.status == 0,
        let secret = (try? ElMomentoJSON(parsing: Array(created.standardOutput.utf8)))?["secret"]?.stringValue
    else { throw TestSupportError("admin merchant create failed: \(created.standardError)") }
    return try await withGateway(databasePath: database) { try await body($0, secret) }
}

/// Records `amount` DOP as money `slug` sent the gateway, so that it can pay withdrawals.
func credit(_ slug: String, _ amount: String, on gateway: GatewayProcess) async throws {
    let result = try await runElmomento([
        "admin", "balance", "credit", slug, "--currency", "DOP", "--amount", amount, "--reason", "payout float",
        "--database", gateway.databasePath,
    ])
    guard result.status == 0 else { throw TestSupportError("admin balance credit failed: \(result.standardError)") }
}

extension GatewayProcess {
    /// Where the gateway listens.
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// An SDK client of this gateway as `slug`.
    func sdkClient(
        _ slug: String, secret: String, signatureVersion: ElMomentoSignatureVersion = .v2
    ) -> ElMomentoClient {
        ElMomentoClient(
            baseURL: baseURL, merchant: slug, secret: secret, signatureVersion: signatureVersion, retryPolicy: .never)
    }
}

/// A clock that moves one second at every reading, so that retries made at once still carry
/// different timestamps.
final class SteppingClock: Sendable {
    private let seconds: Mutex<Int64>

    init(startingAt start: Int64 = Int64(Date().timeIntervalSince1970)) {
        seconds = Mutex(start)
    }

    /// The current second, then moves on.
    func next() -> Int64 {
        seconds.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// The waits a retry policy asked for, recorded instead of slept.
final class RecordedSleeps: Sendable {
    private let waits = Mutex<[Double]>([])

    var seconds: [Double] { waits.withLock { $0 } }

    /// A policy that records its waits and returns at once.
    func policy(attemptsMax: Int, initialDelaySeconds: Double = 0.5, totalDelaySecondsMax: Double = 10)
        -> ElMomentoRetryPolicy
    {
        ElMomentoRetryPolicy(
            attemptsMax: attemptsMax, initialDelaySeconds: initialDelaySeconds,
            totalDelaySecondsMax: totalDelaySecondsMax
        ) { [self] delay in waits.withLock { $0.append(delay) } }
    }
}

/// Bodies the stub answers with, shaped as the gateway's.
enum StubBodies {
    /// An order object (SPEC 3.3); `extra` members (an event's) are appended.
    static func order(
        orderID: String, id: String = "dep_01JF0000000000000000000000", amount: String = "500.5",
        extra: String = ""
    ) -> String {
        """
        {"id":"\(id)","orderID":"\(orderID)","type":"deposit","status":"completed","amount":\(amount),\
        "currency":"DOP","fee":0,"callback_url":null,"payment_url":"http://127.0.0.1:9/pay/\(id)",\
        "request":{"email":"ana@example.com"},"environment":"sandbox","failure_reason":null,\
        "created_at":"2026-12-04T19:40:33Z","updated_at":"2026-12-04T19:41:00Z"\(extra)}
        """
    }

    /// An event: the order plus `event`, `sequence` and `webhook_id`.
    static func event(orderID: String, sequence: Int, webhookID: String) -> String {
        order(
            orderID: orderID,
            extra: #","event":"deposit.completed","sequence":\#(sequence),"webhook_id":"\#(webhookID)""#)
    }

    /// The error envelope (SPEC 3.6).
    static func error(_ code: String, field: String? = nil) -> String {
        let fieldMember = field.map { #","field":"\#($0)""# } ?? ""
        return #"{"error":{"code":"\#(code)","message":"stub says \#(code)"\#(fieldMember),"request_id":"req_stub"}}"#
    }
}

/// A loopback server standing in for the gateway where a test needs answers the real one
/// would not give on demand (a `503`, a page of events): request `index` (from 0) gets
/// `reply(index)` as JSON, and every request is recorded.
func stub(_ reply: (Int) -> CallbackReceiver.Answer) throws -> CallbackReceiver {
    let receiver = try CallbackReceiver()
    receiver.answers = (0..<16).map { index in
        var answer = reply(index)
        answer.headers.append(("Content-Type", "application/json"))
        return answer
    }
    return receiver
}
