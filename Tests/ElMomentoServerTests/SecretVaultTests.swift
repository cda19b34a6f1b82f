import Foundation
import Testing

@testable import ElMomentoServer

/// The bytes a hex string spells; test vectors are written in hex.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}

/// One AES-256-GCM known answer from McGrew and Viega, "The Galois/Counter Mode of
/// Operation (GCM)", appendix B (the NIST GCM test vectors).
struct GCMVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let nonce: String
    let plaintext: String
    let additionalData: String
    let ciphertext: String
    let tag: String

    var testDescription: String { name }
}

private let feffeKey = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
private let testCase15Plaintext =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
private let testCase15Ciphertext =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"

let gcmVectors = [
    GCMVector(
        name: "test case 13: empty plaintext", key: String(repeating: "00", count: 32),
        nonce: String(repeating: "00", count: 12), plaintext: "", additionalData: "", ciphertext: "",
        tag: "530f8afbc74536b9a963b4f1c4cb738b"),
    GCMVector(
        name: "test case 14: one zero block", key: String(repeating: "00", count: 32),
        nonce: String(repeating: "00", count: 12), plaintext: String(repeating: "00", count: 16),
        additionalData: "", ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
    GCMVector(
        name: "test case 15: four blocks", key: feffeKey, nonce: "cafebabefacedbaddecaf888",
        plaintext: testCase15Plaintext, additionalData: "", ciphertext: testCase15Ciphertext,
        tag: "b094dac5d93471bdec1a502270e3cc6c"),
    GCMVector(
        name: "test case 16: partial block and additional data", key: feffeKey, nonce: "cafebabefacedbaddecaf888",
        plaintext: String(testCase15Plaintext.dropLast(8)), additionalData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        ciphertext: String(testCase15Ciphertext.dropLast(8)), tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
]

@Suite struct AES256GCMKnownAnswerTests {
    @Test(arguments: gcmVectors)
    func encryptionGivesTheKnownAnswer(_ vector: GCMVector) {
        let (ciphertext, tag) = AES256GCM.seal(
            bytes(hex: vector.plaintext), key: bytes(hex: vector.key), nonce: bytes(hex: vector.nonce),
            additionalData: bytes(hex: vector.additionalData))
        #expect(ciphertext == bytes(hex: vector.ciphertext))
        #expect(tag == bytes(hex: vector.tag))
    }

    @Test(arguments: gcmVectors)
    func decryptionGivesTheKnownPlaintext(_ vector: GCMVector) throws {
        let plaintext = try AES256GCM.open(
            bytes(hex: vector.ciphertext), tag: bytes(hex: vector.tag), key: bytes(hex: vector.key),
            nonce: bytes(hex: vector.nonce), additionalData: bytes(hex: vector.additionalData))
        #expect(plaintext == bytes(hex: vector.plaintext))
    }

    @Test(arguments: gcmVectors)
    func decryptionRefusesAnAlteredTag(_ vector: GCMVector) {
        var tag = bytes(hex: vector.tag)
        tag[15] ^= 0x01
        #expect(throws: SecretVaultError.self) {
            try AES256GCM.open(
                bytes(hex: vector.ciphertext), tag: tag, key: bytes(hex: vector.key),
                nonce: bytes(hex: vector.nonce), additionalData: bytes(hex: vector.additionalData))
        }
    }

    @Test func aVaultBoxIsVersionNonceCiphertextAndTag() throws {
        // Test case 16's key, nonce and plaintext; the slug "acme" is the additional data.
        let vault = try SecretVault(key: bytes(hex: feffeKey))
        let nonce = bytes(hex: "cafebabefacedbaddecaf888")
        let plaintext = bytes(hex: String(testCase15Plaintext.dropLast(8)))
        let sealed = vault.seal(plaintext, context: "acme", nonce: nonce)
        let (ciphertext, tag) = AES256GCM.seal(
            plaintext, key: bytes(hex: feffeKey), nonce: nonce, additionalData: Array("acme".utf8))
        #expect(sealed == [1] + nonce + ciphertext + tag)
        // The keystream does not depend on the additional data: test case 16's ciphertext again.
        #expect(ciphertext == bytes(hex: String(testCase15Ciphertext.dropLast(8))))
        #expect(tag != bytes(hex: "76fc6ece0f4e1768cddf8853bb2d551b"))
    }
}

@Suite struct SecretVaultTests {
    let vault = try! SecretVault(key: SecureRandom.bytes(count: 32))
    let secret = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

    @Test func aSealedSecretOpensForItsContext() throws {
        let sealed = vault.seal(secret, context: "acme")
        #expect(sealed.count == 1 + 12 + secret.utf8.count + 16)
        #expect(sealed[0] == 1)
        #expect(try vault.open(sealed, context: "acme") == secret)
        #expect(try vault.open(vault.seal("", context: "acme"), context: "acme") == "")
        #expect(try vault.open(vault.seal("ñandú ✓", context: "ñ"), context: "ñ") == "ñandú ✓")
    }

    @Test func theSealedBytesDoNotHoldTheSecret() {
        let sealed = vault.seal(secret, context: "acme")
        let secretBytes = Array(secret.utf8)
        let holdsSecret = (0...(sealed.count - secretBytes.count)).contains {
            Array(sealed[$0..<$0 + secretBytes.count]) == secretBytes
        }
        #expect(!holdsSecret)
    }

    @Test func twoSealsOfOneSecretDiffer() {
        #expect(vault.seal(secret, context: "acme") != vault.seal(secret, context: "acme"))
    }

    @Test func aFlippedBitAnywhereDoesNotOpen() {
        let sealed = vault.seal(secret, context: "acme")
        for bit in 0..<(sealed.count * 8) {
            var altered = sealed
            altered[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: SecretVaultError.self, "bit \(bit)") { try vault.open(altered, context: "acme") }
        }
    }

    @Test func anotherContextDoesNotOpen() throws {
        let sealed = vault.seal(secret, context: "acme")
        for context in ["acme2", "Acme", "acm", "", "globex"] {
            let error = try #require(throws: SecretVaultError.self) { try vault.open(sealed, context: context) }
            #expect(error.message.contains("another merchant"))
            #expect(!error.message.contains(secret))
        }
    }

    @Test func anotherKeyDoesNotOpen() throws {
        let other = try SecretVault(key: SecureRandom.bytes(count: 32))
        #expect(throws: SecretVaultError.self) { try other.open(vault.seal(secret, context: "acme"), context: "acme") }
    }

    @Test func aTruncatedBoxDoesNotOpen() {
        let sealed = vault.seal(secret, context: "acme")
        for length in 0..<sealed.count {
            #expect(throws: SecretVaultError.self, "length \(length)") {
                try vault.open(Array(sealed.prefix(length)), context: "acme")
            }
        }
        #expect(throws: SecretVaultError.self) { try vault.open(Array(sealed.dropFirst()), context: "acme") }
    }

    @Test func anotherVersionByteDoesNotOpen() throws {
        let sealed = vault.seal(secret, context: "acme")
        for version in UInt8.min...UInt8.max where version != 1 {
            let error = try #require(throws: SecretVaultError.self) {
                try vault.open([version] + sealed.dropFirst(), context: "acme")
            }
            #expect(error.message.contains("version \(version)"))
        }
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func aKeyOfTheWrongLengthIsRefused(length: Int) throws {
        let error = try #require(throws: SecretVaultError.self) {
            try SecretVault(key: [UInt8](repeating: 7, count: length))
        }
        #expect(error.message.contains("32 bytes"))
    }

    @Test func theVaultDoesNotShowItsKey() throws {
        let key = [UInt8](repeating: 0xAB, count: 32)
        let vault = try SecretVault(key: key)
        var dumped = ""
        dump(vault, to: &dumped)
        for text in [dumped, String(describing: vault), String(reflecting: vault)] {
            #expect(!text.contains("171"))
            #expect(!text.lowercased().contains("ab, "))
            #expect(!text.contains("key:") || text.contains("redacted"))
        }
    }
}
