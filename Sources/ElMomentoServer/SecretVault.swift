import COpenSSL

/// Seals merchant secrets at rest with AES-256-GCM under the gateway's key.
///
/// The key lives outside the database (SPEC 9), so a copy of the database alone reveals
/// no secret. A sealed secret is 1 version byte (1), a 12-byte random nonce, the
/// ciphertext and a 16-byte tag. The merchant's slug is bound as additional data, so a
/// sealed secret copied into another merchant's row does not open.
///
/// The key is kept only in this object: it is never printed, reflected or described.
public final class SecretVault: Sendable {
    /// The length of a vault key in bytes (AES-256).
    public static let keyByteCount = AES256GCM.keyByteCount
    /// The first byte of every sealed secret this vault writes; `open` refuses others.
    static let formatVersion: UInt8 = 1
    /// Version byte, nonce and tag: the size of a sealed empty secret.
    static let overheadByteCount = 1 + AES256GCM.nonceByteCount + AES256GCM.tagByteCount

    private let key: [UInt8]

    /// A vault over a 32-byte key.
    ///
    /// Throws when `key` is not 32 bytes long: a shorter key would silently mean another cipher.
    public init(key: [UInt8]) throws(SecretVaultError) {
        guard key.count == Self.keyByteCount else {
            throw SecretVaultError("a secret vault key is \(Self.keyByteCount) bytes long, not \(key.count)")
        }
        self.key = key
    }

    /// Seals `secret` for the merchant named by `context` (its slug), under a fresh random nonce.
    ///
    /// Two seals of one secret differ, so equal secrets are not visible as equal rows.
    public func seal(_ secret: String, context: String) -> [UInt8] {
        seal(Array(secret.utf8), context: context, nonce: SecureRandom.bytes(count: AES256GCM.nonceByteCount))
    }

    /// Seals `plaintext` under a given nonce; for known-answer tests only, since a nonce
    /// used twice under one key gives away both plaintexts' XOR and the authentication key.
    func seal(_ plaintext: [UInt8], context: String, nonce: [UInt8]) -> [UInt8] {
        let (ciphertext, tag) = AES256GCM.seal(plaintext, key: key, nonce: nonce, additionalData: Array(context.utf8))
        return [Self.formatVersion] + nonce + ciphertext + tag
    }

    /// Opens what `seal` sealed for the same `context`.
    ///
    /// Throws when the box is too short, of an unknown version, altered in any bit,
    /// sealed for another context or under another key; the message never holds key or
    /// secret bytes.
    public func open(_ sealed: [UInt8], context: String) throws(SecretVaultError) -> String {
        guard sealed.count >= Self.overheadByteCount else {
            throw SecretVaultError(
                "a sealed secret is at least \(Self.overheadByteCount) bytes long; this one has \(sealed.count)")
        }
        guard sealed[0] == Self.formatVersion else {
            throw SecretVaultError(
                "a sealed secret of version \(sealed[0]) cannot be read; this gateway reads version \(Self.formatVersion)"
            )
        }
        let nonceEnd = 1 + AES256GCM.nonceByteCount
        let tagStart = sealed.count - AES256GCM.tagByteCount
        let plaintext = try AES256GCM.open(
            Array(sealed[nonceEnd..<tagStart]), tag: Array(sealed[tagStart...]), key: key,
            nonce: Array(sealed[1..<nonceEnd]), additionalData: Array(context.utf8))
        // Authenticated bytes came from a String's UTF-8, so this fails only for a box
        // sealed by something else under this very key.
        guard let secret = String(validating: plaintext, as: UTF8.self) else {
            throw SecretVaultError("a sealed secret opened but does not hold UTF-8 text")
        }
        return secret
    }
}

extension SecretVault: CustomStringConvertible, CustomReflectable {
    /// Names the type only: the key must never reach a log line.
    public var description: String { "SecretVault(key: redacted)" }
    /// An empty mirror, so `dump` and debuggers' summaries do not print the key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Why a secret vault could not be made or a sealed secret could not be opened.
///
/// The message is for an operator; it never contains key or secret bytes.
public struct SecretVaultError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the key file where one is involved.
    public let message: String

    /// The message.
    public var description: String { message }

    init(_ message: String) {
        self.message = message
    }

    /// The failure of a tag check: one message for every cause, since GCM cannot tell them apart.
    static let authenticationFailed = SecretVaultError(
        "a sealed secret does not open: it was altered, sealed for another merchant, or sealed under another key")
}

/// AES-256-GCM over OpenSSL's EVP interface, with a 12-byte nonce and a 16-byte tag.
enum AES256GCM {
    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Encrypts `plaintext` and authenticates it together with `additionalData`.
    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> (
        ciphertext: [UInt8], tag: [UInt8]
    ) {
        let context = CipherContext(encrypting: true, key: key, nonce: nonce)
        context.addAdditionalData(additionalData)
        let ciphertext = context.update(plaintext)
        checkOpenSSL(context.finish(), "EVP_CipherFinal_ex")
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        checkOpenSSL(
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag),
            "EVP_CIPHER_CTX_ctrl(GET_TAG)")
        return (ciphertext, tag)
    }

    /// Decrypts `ciphertext` if `tag` authenticates it with `additionalData`, and throws otherwise.
    static func open(
        _ ciphertext: [UInt8], tag: [UInt8], key: [UInt8], nonce: [UInt8], additionalData: [UInt8]
    ) throws(SecretVaultError) -> [UInt8] {
        precondition(tag.count == tagByteCount, "AES256GCM.open: a tag is \(tagByteCount) bytes")
        let context = CipherContext(encrypting: false, key: key, nonce: nonce)
        context.addAdditionalData(additionalData)
        let plaintext = context.update(ciphertext)
        var expectedTag = tag
        checkOpenSSL(
            EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &expectedTag),
            "EVP_CIPHER_CTX_ctrl(SET_TAG)")
        try checkOpenSSL(context.finish(), "EVP_CipherFinal_ex", failure: SecretVaultError.authenticationFailed)
        return plaintext
    }
}

/// Owns one `EVP_CIPHER_CTX`, keyed for AES-256-GCM, and frees it when it goes.
///
/// One context per operation: a context holds per-message state, so sharing one between
/// threads would need a lock, and creating one costs little next to a database write.
private final class CipherContext {
    let pointer: OpaquePointer

    init(encrypting: Bool, key: [UInt8], nonce: [UInt8]) {
        precondition(key.count == AES256GCM.keyByteCount, "AES-256-GCM: the key is \(AES256GCM.keyByteCount) bytes")
        precondition(nonce.count == AES256GCM.nonceByteCount, "AES-256-GCM: the nonce is 12 bytes")
        guard let pointer = EVP_CIPHER_CTX_new() else {
            preconditionFailure("OpenSSL could not allocate a cipher context")
        }
        self.pointer = pointer
        let initialize = encrypting ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        // Cipher first, then nonce length, then key and nonce: OpenSSL needs the length
        // set before the nonce is given.
        checkOpenSSL(initialize(pointer, EVP_aes_256_gcm(), nil, nil, nil), "EVP_CipherInit_ex(cipher)")
        checkOpenSSL(
            EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(AES256GCM.nonceByteCount), nil),
            "EVP_CIPHER_CTX_ctrl(SET_IVLEN)")
        checkOpenSSL(initialize(pointer, nil, nil, key, nonce), "EVP_CipherInit_ex(key, nonce)")
    }

    deinit {
        // Frees the context and clears the key schedule it holds.
        EVP_CIPHER_CTX_free(pointer)
    }

    /// Encrypts or decrypts `input`, as the context was made to. GCM is a stream mode: the
    /// output is as long as the input (the spare block only gives OpenSSL room).
    func update(_ input: [UInt8]) -> [UInt8] {
        guard !input.isEmpty else { return [] }
        precondition(input.count <= Int(Int32.max) - 16, "AES-256-GCM: message too long")
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        checkOpenSSL(EVP_CipherUpdate(pointer, &output, &written, input, Int32(input.count)), "EVP_CipherUpdate")
        return Array(output.prefix(Int(written)))
    }

    /// Ends the message and returns OpenSSL's code: when decrypting, anything but 1 means the
    /// tag did not verify. GCM writes no output here.
    func finish() -> Int32 {
        var spare = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0
        let code = EVP_CipherFinal_ex(pointer, &spare, &written)
        precondition(written == 0, "AES-256-GCM wrote output at the end of a message")
        return code
    }

    /// Authenticates `additionalData` without encrypting it; call before any plaintext.
    func addAdditionalData(_ additionalData: [UInt8]) {
        guard !additionalData.isEmpty else { return }
        precondition(additionalData.count <= Int(Int32.max), "AES-256-GCM: additional data too long")
        var ignored: Int32 = 0
        // An update with no output buffer is how EVP takes additional data; the same call
        // serves encryption and decryption.
        checkOpenSSL(
            EVP_CipherUpdate(pointer, nil, &ignored, additionalData, Int32(additionalData.count)),
            "EVP_CipherUpdate(additional data)")
    }
}

/// Turns an OpenSSL return code into Swift: the one place this is decided.
///
/// 1 is success. Another code becomes `failure` when the caller names one, because that
/// call can fail on bad input (a tag that does not verify). Every other call cannot fail
/// with a key and nonce of the right sizes, so a failure there is misuse or a broken
/// library, and the program stops.
private func checkOpenSSL<Failure: Error>(_ code: Int32, _ call: StaticString, failure: Failure?) throws(Failure) {
    if code == 1 { return }
    if let failure { throw failure }
    preconditionFailure("OpenSSL \(call) failed with code \(code)")
}

/// `checkOpenSSL(_:_:failure:)` for a call that can only fail by misuse.
private func checkOpenSSL(_ code: Int32, _ call: StaticString) {
    checkOpenSSL(code, call, failure: Never?.none)
}
