import ElMomentoSigning
import Foundation

/// A merchant's side of the API, as an integration following the seed document would
/// write it: every request signed over `X-Timestamp` (and the body for POST).
public struct MerchantClient: Sendable {
    /// How a request is signed; the variants are for tests of refusals.
    public enum Signing: Sendable {
        /// Version 1 in `Signature`, as the seed says.
        case version1
        /// Version 1 in the seed's other header name, `M-Signature`.
        case version1InMSignature
        /// Version 2: method, path and query signed too.
        case version2
        /// No signature at all.
        case unsigned
        /// Exactly these authentication headers, made by the test.
        case headers([(String, String)])
    }

    public let port: UInt16
    public let merchant: String
    public let secret: String
    /// The loopback address requests come from (`127.0.0.2`), to look like another
    /// client; the system's choice when `nil`.
    public let sourceAddress: String?

    /// A client of the gateway on `port`, as `merchant` with `secret`, from `sourceAddress`.
    public init(port: UInt16, merchant: String, secret: String, sourceAddress: String? = nil) {
        self.port = port
        self.merchant = merchant
        self.secret = secret
        self.sourceAddress = sourceAddress
    }

    /// The merchant's `…/orders/` path (`/api/1xbet/orders/`), with `suffix` after it.
    public func ordersPath(_ suffix: String = "") -> String {
        "/api/\(merchant)/orders/\(suffix)"
    }

    /// The merchant's `…/withdrawalorders/` path (`/api/1xbet/withdrawalorders/`), with `suffix` after it.
    public func withdrawalOrdersPath(_ suffix: String = "") -> String {
        "/api/\(merchant)/withdrawalorders/\(suffix)"
    }

    /// The merchant's `…/balance/` path.
    public var balancePath: String { "/api/\(merchant)/balance/" }

    /// Sends one signed request on a new connection and reads the answer.
    ///
    /// `timestampOffsetSeconds` moves `X-Timestamp` away from now; `headers` are added
    /// after the signing ones (`Content-Type: application/json` is sent with a body
    /// unless `contentType` says otherwise).
    public func send(
        _ method: String,
        _ target: String,
        body: String? = nil,
        signing: Signing = .version1,
        timestampOffsetSeconds: Int = 0,
        contentType: String? = "application/json",
        headers extraHeaders: [(String, String)] = []
    ) async throws -> RawResponse {
        let bodyBytes = Array((body ?? "").utf8)
        let timestamp = String(Int(Date().timeIntervalSince1970) + timestampOffsetSeconds)
        let signer = RequestSignature(secret: secret)
        var headers: [(String, String)] = [("X-Timestamp", timestamp)]
        if case .headers(let given) = signing { headers = given }
        switch signing {
        case .version1:
            headers.append(("Signature", signer.sign(timestamp: timestamp, body: method == "GET" ? [] : bodyBytes)))
        case .version1InMSignature:
            headers.append(("M-Signature", signer.sign(timestamp: timestamp, body: method == "GET" ? [] : bodyBytes)))
        case .version2:
            headers.append(("Signature-Version", "2"))
            headers.append(
                (
                    "Signature",
                    signer.signVersion2(timestamp: timestamp, method: method, target: target, body: bodyBytes)
                ))
        case .unsigned, .headers:
            break
        }
        if body != nil, let contentType { headers.append(("Content-Type", contentType)) }
        let connection = try RawConnection(port: port, sourceAddress: sourceAddress)
        return try await connection.request(method, target, headers: headers + extraHeaders, body: bodyBytes)
    }

    /// Creates a deposit with the seed's body shape, for `orderID` and `amount`.
    public func createDeposit(
        orderID: String, amount: String = "500", callbackURL: String = "http://127.0.0.1:9/callback"
    ) async throws -> RawResponse {
        try await send(
            "POST", ordersPath(), body: Self.depositBody(orderID: orderID, amount: amount, callbackURL: callbackURL))
    }

    /// The seed document's create body, with `orderID`, `amount` and a loopback callback.
    public static func depositBody(
        orderID: String, amount: String = "500", callbackURL: String = "http://127.0.0.1:9/callback"
    )
        -> String
    {
        """
        {"amount": \(amount), "orderID": "\(orderID)", "currency": "DOP", "callback_url": "\(callbackURL)", \
        "request": {"email": "ceterasddsare@hotmail.com", "id_number": "00100000001"}}
        """
    }

    /// Creates a withdrawal with the seed's body shape and payout details, for `orderID` and `amount`.
    public func createWithdrawal(
        orderID: String, amount: String = "500", currency: String = "DOP",
        callbackURL: String = "http://127.0.0.1:9/callback"
    ) async throws -> RawResponse {
        try await send(
            "POST", withdrawalOrdersPath(),
            body: Self.withdrawalBody(orderID: orderID, amount: amount, currency: currency, callbackURL: callbackURL))
    }

    /// The seed document's create body with the payout destination a withdrawal may carry in `request`.
    public static func withdrawalBody(
        orderID: String, amount: String = "500", currency: String = "DOP",
        callbackURL: String = "http://127.0.0.1:9/callback"
    ) -> String {
        """
        {"amount": \(amount), "orderID": "\(orderID)", "currency": "\(currency)", "callback_url": "\(callbackURL)", \
        "request": {"email": "ceterasddsare@hotmail.com", "id_number": "00100000001", "bank": "Banco Popular", \
        "account_number": "0123456789", "account_type": "savings", "holder_name": "Ana Pérez"}}
        """
    }
}
