import COpenSSL

/// Bytes from OpenSSL's cryptographically secure generator, for keys, nonces and secrets.
public enum SecureRandom {
    /// `count` random bytes from `RAND_bytes`.
    ///
    /// A failure stops the program: without randomness no key, nonce or secret is safe,
    /// and there is nothing sensible to answer a caller instead.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "SecureRandom.bytes: count out of range")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let result = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(result == 1, "OpenSSL RAND_bytes failed: no safe randomness is available")
        return bytes
    }
}
