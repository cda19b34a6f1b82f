/// The signature merchants put on requests and the gateway puts on callbacks.
///
/// Version 1 (the integration document's): lowercase hex HMAC-SHA512, keyed with the
/// merchant's secret, over the `X-Timestamp` value followed by the raw body bytes
/// (empty for GET, HEAD and DELETE). Version 2 (`Signature-Version: 2`) signs the
/// method and the path and query too: `timestamp \n METHOD \n path?query \n body`.
/// This is the one implementation in the project: the server, the SDK and the
/// callback sender all sign and verify through it.
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

    /// The version 2 signature, as lowercase hex, of `timestamp`, `method`, `target`
    /// (the path and query as on the request line) and `body`.
    public func signVersion2(timestamp: String, method: String, target: String, body: [UInt8] = []) -> String {
        Hex.encode(version2Code(timestamp: timestamp, method: method, target: target, body: body))
    }

    /// Whether `signature` (hex, either case) is the version 1 signature of `timestamp`
    /// and `body`.
    ///
    /// The comparison is of the decoded bytes, in constant time, so neither the
    /// position of a wrong byte nor the case of the hex shows in the time taken.
    public func isValid(signature: some StringProtocol, timestamp: String, body: [UInt8] = []) -> Bool {
        matches(signature, key.authenticationCode(of: Array(timestamp.utf8), body))
    }

    /// Whether `signature` (hex, either case) is the version 2 signature of the request.
    public func isValidVersion2(
        signature: some StringProtocol, timestamp: String, method: String, target: String, body: [UInt8] = []
    ) -> Bool {
        matches(signature, version2Code(timestamp: timestamp, method: method, target: target, body: body))
    }

    private func version2Code(timestamp: String, method: String, target: String, body: [UInt8]) -> [UInt8] {
        let newline: [UInt8] = [0x0A]
        return key.authenticationCode(
            of: Array(timestamp.utf8), newline, Array(method.utf8), newline, Array(target.utf8), newline, body)
    }

    private func matches(_ signature: some StringProtocol, _ expected: [UInt8]) -> Bool {
        guard signature.utf8.count == HMACSHA512Key.codeByteCount * 2, let presented = Hex.decode(signature) else {
            return false
        }
        return constantTimeEquals(presented, expected)
    }
}
