import COpenSSL
import ElMomentoSigning

/// SHA-256, for what is kept as a short digest of something longer: an order's
/// fingerprint is compared, never read, so 64 hex characters stand for up to a few KiB.
enum SHA256 {
    static let digestByteCount = 32

    /// The lowercase hex digest of `text`'s UTF-8 bytes.
    static func hexDigest(of text: String) -> String {
        var digest = [UInt8](repeating: 0, count: digestByteCount)
        var length: UInt32 = 0
        let bytes = Array(text.utf8)
        let result = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha256(), nil)
        precondition(result == 1 && length == digestByteCount, "EVP_Digest(SHA-256) failed")
        return Hex.encode(digest)
    }
}
