import ElMomentoSigning
import Testing

/// RFC 4231 section 4: the HMAC-SHA-256 test vectors.
@Suite struct HMACSHA256KeyTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        let code: String
        var testDescription: String { name }
    }

    static let largerThanBlockKey = [UInt8](repeating: 0xaa, count: 131)

    static let vectors = [
        Vector(
            name: "case 1", key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
            code: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        Vector(
            name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
            code: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        Vector(
            name: "case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
            code: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        Vector(
            name: "case 4", key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
            code: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        Vector(
            name: "case 6", key: largerThanBlockKey,
            data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            code: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        Vector(
            name: "case 7", key: largerThanBlockKey,
            data: Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8
            ),
            code: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: vectors)
    func matchesRFC4231(_ vector: Vector) {
        let key = HMACSHA256Key(secret: vector.key)
        #expect(Hex.encode(key.authenticationCode(of: vector.data)) == vector.code)
    }

    /// Case 5 truncates the code to its first 128 bits.
    @Test func matchesRFC4231TruncatedCase5() {
        let key = HMACSHA256Key(secret: [UInt8](repeating: 0x0c, count: 20))
        let code = key.authenticationCode(of: Array("Test With Truncation".utf8))
        #expect(code.count == HMACSHA256Key.codeByteCount)
        #expect(Hex.encode(Array(code.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func partsAreSignedAsTheirConcatenation() {
        let key = HMACSHA256Key(secret: Array("Jefe".utf8))
        let whole = key.authenticationCode(of: Array("what do ya want for nothing?".utf8))
        let parts = key.authenticationCode(of: Array("what do ya ".utf8), [], Array("want for nothing?".utf8))
        #expect(parts == whole)
    }

    @Test func anEmptySecretIsAKeyLikeAnyOther() {
        // HMAC-SHA256 with an empty key over an empty message (Python: hmac.new(b"", b"", "sha256")).
        let key = HMACSHA256Key(secret: [])
        #expect(
            Hex.encode(key.authenticationCode(of: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
