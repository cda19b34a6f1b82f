/// A secret keyed once for HMAC-SHA256, from which any number of codes are computed.
///
/// The Standard Webhooks signature on callbacks is HMAC-SHA256; everything else the
/// gateway signs uses `HMACSHA512Key`.
public final class HMACSHA256Key: Sendable {
    private let context: KeyedHMACContext

    /// The length of a code in bytes.
    public static let codeByteCount = 32

    /// Keys HMAC-SHA256 with `secret`'s bytes.
    public init(secret: some Collection<UInt8>) {
        context = KeyedHMACContext(digest: "SHA256", codeByteCount: Self.codeByteCount, secret: Array(secret))
    }

    /// The HMAC-SHA256 code of the concatenation of `parts`, fed in order without being
    /// copied together.
    public func authenticationCode(of parts: [UInt8]...) -> [UInt8] {
        context.authenticationCode(of: parts)
    }
}
