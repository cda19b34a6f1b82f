import COpenSSL

/// The Standard Webhooks signature a callback carries beside the request-style one
/// (SPEC 6), so a merchant can verify callbacks with any Standard Webhooks library.
///
/// `webhook-signature: v1,<base64 HMAC-SHA256 over id + "." + timestamp + "." + body>`,
/// keyed with the merchant secret's bytes: a library's `whsec_` secret is `whsec_` +
/// base64 of those bytes. During a secret rotation the header lists one signature per
/// secret, separated by single spaces, and a receiver accepts any of them.
public struct StandardWebhookSignature: Sendable {
    private static let versionPrefix = "v1,"
    private static let dot: [UInt8] = [UInt8(ascii: ".")]

    private let key: HMACSHA256Key

    /// A signer keyed with the UTF-8 bytes of a merchant secret.
    public init(secret: String) {
        self.init(key: Array(secret.utf8))
    }

    /// A signer keyed with `key`, the bytes a `whsec_` secret's base64 decodes to.
    public init(key: [UInt8]) {
        self.key = HMACSHA256Key(secret: key)
    }

    /// The `v1,<base64>` signature of a callback: `webhookID` and `timestamp` exactly as
    /// sent in `webhook-id` and `webhook-timestamp`, and the raw body bytes.
    public func sign(webhookID: String, timestamp: String, body: [UInt8]) -> String {
        Self.versionPrefix + Self.base64(code(webhookID: webhookID, timestamp: timestamp, body: body))
    }

    /// Whether any `v1` entry of `signatureHeader` (space-separated, as during a
    /// rotation) is this key's signature of the callback; entries of other versions are
    /// skipped. Each comparison takes time that depends only on the lengths.
    public func isValid(signatureHeader: String, webhookID: String, timestamp: String, body: [UInt8]) -> Bool {
        let expected = Array(sign(webhookID: webhookID, timestamp: timestamp, body: body).utf8)
        var matched = false
        for entry in signatureHeader.split(separator: " ") where entry.hasPrefix(Self.versionPrefix) {
            // Every entry is compared, even after a match, so the time does not tell which one matched.
            if constantTimeEquals(Array(entry.utf8), expected) { matched = true }
        }
        return matched
    }

    private func code(webhookID: String, timestamp: String, body: [UInt8]) -> [UInt8] {
        key.authenticationCode(of: Array(webhookID.utf8), Self.dot, Array(timestamp.utf8), Self.dot, body)
    }

    /// Standard base64 with padding, as Standard Webhooks writes it.
    private static func base64(_ bytes: [UInt8]) -> String {
        // EVP_EncodeBlock writes 4 characters per 3 bytes, rounded up, and a final NUL.
        var text = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let length = EVP_EncodeBlock(&text, bytes, Int32(bytes.count))
        precondition(length >= 0, "EVP_EncodeBlock failed")
        return String(decoding: text[..<Int(length)], as: UTF8.self)
    }
}
