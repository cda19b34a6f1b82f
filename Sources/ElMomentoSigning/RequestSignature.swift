/// The signature merchants put on requests and the gateway puts on callbacks.
///
/// Version 1 (the integration document's): lowercase hex HMAC-SHA512, keyed with the
/// merchant's secret, over the `X-Timestamp` value followed by the raw body bytes
/// (empty for GET, HEAD and DELETE). This is the one implementation in the project:
/// the server, the SDK and the callback sender all sign and verify through it.
public struct RequestSignature: Sendable {
    private let key: HMACSHA512Key

    /// A signer for one merchant secret.
    public init(secret: String) {
        key = HMACSHA512Key(secret: Array(secret.utf8))
    }

    /// The version 1 signature, as lowercase hex, of `timestamp` and `body`.
    public func sign(timestamp: String, body: [UInt8] = []) -> String {
        Hex.encode(key.authenticationCode(of: Array(timestamp.utf8), body))
    }

    /// Whether `signature` (hex, either case) is the version 1 signature of `timestamp`
    /// and `body`.
    ///
    /// The comparison is of the decoded bytes, in constant time, so neither the
    /// position of a wrong byte nor the case of the hex shows in the time taken.
    public func isValid(signature: some StringProtocol, timestamp: String, body: [UInt8] = []) -> Bool {
        guard signature.utf8.count == HMACSHA512Key.codeByteCount * 2, let presented = Hex.decode(signature) else {
            return false
        }
        let expected = key.authenticationCode(of: Array(timestamp.utf8), body)
        return constantTimeEquals(presented, expected)
    }
}
