import ElMomentoCore
import ElMomentoHTTP
import ElMomentoSigning

/// Checks a merchant request's identity in SPEC 3.1's order, so that the error names
/// the first thing wrong: merchant known, enabled, timestamp present, well formed and
/// in the window, signature present and valid.
///
/// In two steps, the merchant and then the signature, because the client address's limit
/// on failed attempts (SPEC 3.7) is checked between them.
struct RequestAuthenticator: Sendable {
    /// How far `X-Timestamp` may be from the server's clock, either side, inclusive.
    static let windowSeconds: Int64 = 30

    let directory: MerchantDirectory
    let clock: any GatewayClock

    /// The enabled merchant named `slug`, or the `404` or `403` that refuses the request.
    func merchant(slug: String) async throws -> AuthenticatingMerchant {
        guard let merchant = try await directory.merchant(slug: slug) else {
            throw APIError(
                status: 404, code: "merchant_not_found", message: "No merchant has the slug in this path.")
        }
        guard merchant.merchant.isEnabled else {
            throw APIError(status: 403, code: "merchant_disabled", message: "This merchant is disabled.")
        }
        return merchant
    }

    /// `merchant`, when it signed `request`; otherwise the `401` that names the first fault.
    func verify(_ request: HTTPRequest, signedBy merchant: AuthenticatingMerchant) throws -> Merchant {
        let timestamp = try timestampInWindow(request.headers)
        let signature = try presentedSignature(request.headers)
        let version = try signatureVersion(request.headers, merchant: merchant.merchant)
        let signsBody = ["POST", "PUT", "PATCH"].contains(request.method)
        let body = signsBody ? request.body : []
        let target = request.query.map { request.path + "?" + $0 } ?? request.path
        // Every secret is tried, so the time taken does not tell which one matched.
        var isValid = false
        for signer in merchant.signers {
            let matches =
                version == 2
                ? signer.isValidVersion2(
                    signature: signature, timestamp: timestamp, method: request.method, target: target, body: body)
                : signer.isValid(signature: signature, timestamp: timestamp, body: body)
            isValid = isValid || matches
        }
        guard isValid else {
            throw Self.unauthorized(
                "invalid_signature",
                "The signature does not match: sign X-Timestamp followed by the exact body bytes with your secret.")
        }
        return merchant.merchant
    }

    private func timestampInWindow(_ headers: HTTPHeaders) throws -> String {
        let values = headers.values(named: "X-Timestamp")
        guard let timestamp = values.first else {
            throw Self.unauthorized("missing_timestamp", "X-Timestamp is required: Unix time in whole seconds.")
        }
        guard values.allSatisfy({ $0 == timestamp }), (1...12).contains(timestamp.utf8.count),
            timestamp.utf8.allSatisfy(\.isASCIIDigit),
            let seconds = Int64(timestamp)
        else {
            throw Self.unauthorized("invalid_timestamp", "X-Timestamp must be Unix time in whole seconds.")
        }
        guard abs(clock.secondsSince1970() - seconds) <= Self.windowSeconds else {
            throw Self.unauthorized(
                "timestamp_out_of_window",
                "X-Timestamp is more than \(Self.windowSeconds) seconds from the gateway's clock; check yours.")
        }
        return timestamp
    }

    private func presentedSignature(_ headers: HTTPHeaders) throws -> String {
        let values = (headers.values(named: "Signature") + headers.values(named: "M-Signature")).filter { !$0.isEmpty }
        guard let signature = values.first else {
            throw Self.unauthorized("missing_signature", "A Signature (or M-Signature) header is required.")
        }
        guard values.allSatisfy({ $0.lowercased() == signature.lowercased() }) else {
            throw Self.unauthorized("invalid_signature", "Signature and M-Signature differ; send one signature.")
        }
        return signature
    }

    private func signatureVersion(_ headers: HTTPHeaders, merchant: Merchant) throws -> Int {
        let version: Int
        switch headers.values(named: "Signature-Version") {
        case [], ["1"]: version = 1
        case ["2"]: version = 2
        default: throw Self.unauthorized("invalid_signature", "Signature-Version must be 1 or 2.")
        }
        guard version == 2 || !merchant.settings.requiresSignatureVersion2 else {
            throw Self.unauthorized("invalid_signature", "This merchant must sign with Signature-Version: 2.")
        }
        return version
    }

    private static func unauthorized(_ code: String, _ message: String) -> APIError {
        APIError(status: 401, code: code, message: message)
    }
}
