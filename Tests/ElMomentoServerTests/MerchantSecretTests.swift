import ElMomentoCore
import Testing

@testable import ElMomentoServer

@Suite struct MerchantSecretTests {
    @Test func prefixesFollowTheEnvironment() {
        #expect(MerchantSecret.prefix(for: .sandbox) == "sk_test_")
        #expect(MerchantSecret.prefix(for: .production) == "sk_live_")
    }

    @Test(arguments: GatewayEnvironment.allCases)
    func aGeneratedSecretHasThePrefixAndLengthAndPassesTheCheck(environment: GatewayEnvironment) throws {
        let secret = MerchantSecret.generate(for: environment)
        let prefix = MerchantSecret.prefix(for: environment)
        #expect(secret.hasPrefix(prefix))
        #expect(secret.count == prefix.count + 43)
        #expect(secret.dropFirst(prefix.count).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        try MerchantSecret.check(secret, for: environment)
        #expect(MerchantSecret.generate(for: environment) != secret)
    }

    @Test func base62GivesTheKnownAnswers() {
        #expect(
            MerchantSecret.base62([UInt8](repeating: 0, count: 32), digitCount: 43) == String(repeating: "0", count: 43)
        )
        // Computed independently with Python's integers.
        #expect(
            MerchantSecret.base62([UInt8](repeating: 0xFF, count: 32), digitCount: 43)
                == "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1")
        #expect(
            MerchantSecret.base62(Array(0...31), digitCount: 43) == "003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf")
    }

    @Test func theOtherEnvironmentsPrefixIsRefusedSayingSo() throws {
        let live = "sk_live_" + String(repeating: "a", count: 30)
        let error = try #require(throws: MerchantSecretError.self) { try MerchantSecret.check(live, for: .sandbox) }
        #expect(error.message.contains("production secret"))
        #expect(error.message.contains("sk_test_"))
        #expect(!error.message.contains(live))
        let test = "sk_test_" + String(repeating: "b", count: 30)
        let reverse = try #require(throws: MerchantSecretError.self) {
            try MerchantSecret.check(test, for: .production)
        }
        #expect(reverse.message.contains("sandbox secret"))
        #expect(reverse.message.contains("sk_live_"))
    }

    @Test(arguments: ["", "sk_", "sk_test", "SK_TEST_abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyzABCD"])
    func aSecretWithoutThePrefixIsRefused(secret: String) throws {
        let error = try #require(throws: MerchantSecretError.self) { try MerchantSecret.check(secret, for: .sandbox) }
        #expect(error.message.contains("starts with sk_test_"))
    }

    @Test func lengthLimitsAreExact() throws {
        try MerchantSecret.check("sk_test_" + String(repeating: "x", count: 24), for: .sandbox)
        try MerchantSecret.check("sk_test_" + String(repeating: "x", count: 192), for: .sandbox)
        let short = try #require(throws: MerchantSecretError.self) {
            try MerchantSecret.check("sk_test_" + String(repeating: "x", count: 23), for: .sandbox)
        }
        #expect(short.message.contains("at least 24"))
        let long = try #require(throws: MerchantSecretError.self) {
            try MerchantSecret.check("sk_test_" + String(repeating: "x", count: 193), for: .sandbox)
        }
        #expect(long.message.contains("at most 200"))
    }

    @Test func everyASCIICharacterIsAllowedOrRefusedAsSpecified() throws {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        for byte in UInt8(0)...UInt8(127) {
            let secret = "sk_test_abcdefghijkl" + String(UnicodeScalar(byte)) + "mnopqrstuvwxyz"
            if allowed.contains(byte) {
                try MerchantSecret.check(secret, for: .sandbox)
            } else {
                let error = try #require(throws: MerchantSecretError.self, "byte \(byte)") {
                    try MerchantSecret.check(secret, for: .sandbox)
                }
                #expect(error.message.contains("character 21 of this one"))
            }
        }
    }

    @Test func aNonASCIICharacterIsRefusedAtItsCharacterPosition() throws {
        let error = try #require(throws: MerchantSecretError.self) {
            try MerchantSecret.check("sk_test_ñandú" + String(repeating: "x", count: 30), for: .sandbox)
        }
        #expect(error.message.contains("character 9 of this one"))
    }

    @Test(arguments: [
        "sk_live_" + String(repeating: "S3cr3t", count: 5), "sk_test_" + String(repeating: "S3cr3t", count: 2),
        "sk_test_S3cr3tS3cr3tS3cr3t!S3cr3t", "sk_test_" + String(repeating: "S3cr3t", count: 40),
        "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t",
    ])
    func aRefusalNeverRepeatsTheSecret(secret: String) throws {
        let error = try #require(throws: MerchantSecretError.self) { try MerchantSecret.check(secret, for: .sandbox) }
        #expect(!error.message.contains(secret))
        #expect(!error.message.contains("S3cr3t"))
        #expect(error.description == error.message)
    }
}
