import ElMomentoCore

/// Merchant secrets: `sk_test_…` in sandbox, `sk_live_…` in production (SPEC 7).
///
/// The prefix makes a secret's environment visible at a glance, so a live secret pasted
/// into a sandbox gateway (or the reverse) is refused with a message that says why.
public enum MerchantSecret {
    /// The fewest characters after the prefix of a secret an operator gives: 24 base62
    /// characters carry about 143 bits.
    public static let bodyCharacterCountMin = 24
    /// The most characters of a whole secret, prefix included.
    public static let characterCountMax = 200
    /// The characters after the prefix of a generated secret: 32 random bytes in base62.
    public static let generatedBodyCharacterCount = 43

    private static let base62Digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The prefix every secret of `environment` starts with.
    public static func prefix(for environment: GatewayEnvironment) -> String {
        switch environment {
        case .sandbox: "sk_test_"
        case .production: "sk_live_"
        }
    }

    /// A new secret: the prefix, then 32 random bytes as 43 base62 characters.
    ///
    /// Base62 rather than base64url so that a double click selects the whole secret.
    public static func generate(for environment: GatewayEnvironment) -> String {
        prefix(for: environment)
            + base62(SecureRandom.bytes(count: 32), digitCount: generatedBodyCharacterCount)
    }

    /// Checks a secret an operator gives with `--secret`.
    ///
    /// It must start with this environment's prefix, then have at least 24 characters of
    /// `A-Z a-z 0-9 _ -`, and at most 200 characters in all. The message never repeats the
    /// secret, not even one character of it, since it may end up in a terminal's history or a log.
    public static func check(_ secret: String, for environment: GatewayEnvironment) throws(MerchantSecretError) {
        let bytes = Array(secret.utf8)
        let expected = prefix(for: environment)
        guard bytes.starts(with: expected.utf8) else {
            for other in GatewayEnvironment.allCases where other != environment {
                if bytes.starts(with: prefix(for: other).utf8) {
                    throw MerchantSecretError(
                        "this is a \(other.rawValue) secret (it starts with \(prefix(for: other))); a "
                            + "\(environment.rawValue) gateway takes only secrets starting with \(expected)")
                }
            }
            throw MerchantSecretError("a \(environment.rawValue) merchant secret starts with \(expected)")
        }
        let body = bytes.dropFirst(expected.utf8.count)
        if let index = body.firstIndex(where: { !isSecretCharacter($0) }) {
            // A position in characters, not bytes: UTF-8 continuation bytes do not start one.
            let position = bytes[..<index].count { $0 & 0xC0 != 0x80 } + 1
            throw MerchantSecretError(
                "a merchant secret has only the characters A-Z a-z 0-9 _ - after its prefix; "
                    + "character \(position) of this one is not one of them")
        }
        guard body.count >= bodyCharacterCountMin else {
            throw MerchantSecretError(
                "a merchant secret has at least \(bodyCharacterCountMin) characters after \(expected); "
                    + "this one has \(body.count)")
        }
        guard bytes.count <= characterCountMax else {
            throw MerchantSecretError(
                "a merchant secret has at most \(characterCountMax) characters; this one has \(bytes.count)")
        }
    }

    private static func isSecretCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// `bytes` read as one big-endian number, written in exactly `digitCount` base62 digits.
    static func base62(_ bytes: [UInt8], digitCount: Int) -> String {
        var number = bytes
        var digits: [UInt8] = []
        for _ in 0..<digitCount {
            // One long division of the whole number by 62; the remainder is the next digit.
            var remainder = 0
            for index in number.indices {
                let value = remainder * 256 + Int(number[index])
                number[index] = UInt8(value / 62)
                remainder = value % 62
            }
            digits.append(base62Digits[remainder])
        }
        precondition(number.allSatisfy { $0 == 0 }, "base62: \(digitCount) digits cannot hold \(bytes.count) bytes")
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// Why a merchant secret was refused; the message never repeats the secret.
public struct MerchantSecretError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the secret, for the operator.
    public let message: String

    /// The message.
    public var description: String { message }

    init(_ message: String) {
        self.message = message
    }
}
