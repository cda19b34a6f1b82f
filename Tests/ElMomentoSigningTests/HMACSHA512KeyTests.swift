import ElMomentoSigning
import Testing

/// RFC 4231 section 4: the HMAC-SHA-512 test vectors.
@Suite struct HMACSHA512KeyTests {
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
            code: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        ),
        Vector(
            name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
            code: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        ),
        Vector(
            name: "case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
            code: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"
        ),
        Vector(
            name: "case 4", key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
            code: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"
        ),
        Vector(
            name: "case 6", key: largerThanBlockKey,
            data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            code: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        ),
        Vector(
            name: "case 7", key: largerThanBlockKey,
            data: Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8
            ),
            code: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                + "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"
        ),
    ]

    @Test(arguments: vectors)
    func matchesRFC4231(_ vector: Vector) {
        let key = HMACSHA512Key(secret: vector.key)
        #expect(Hex.encode(key.authenticationCode(of: vector.data)) == vector.code)
    }

    /// Case 5 truncates the code to its first 128 bits.
    @Test func matchesRFC4231TruncatedCase5() {
        let key = HMACSHA512Key(secret: [UInt8](repeating: 0x0c, count: 20))
        let code = key.authenticationCode(of: Array("Test With Truncation".utf8))
        #expect(Hex.encode(Array(code.prefix(16))) == "415fad6271580a531d4179bc891d87a6")
    }

    @Test func partsAreSignedAsTheirConcatenation() {
        let key = HMACSHA512Key(secret: Array("Jefe".utf8))
        let whole = key.authenticationCode(of: Array("what do ya want for nothing?".utf8))
        let parts = key.authenticationCode(of: Array("what do ya ".utf8), [], Array("want for nothing?".utf8))
        #expect(parts == whole)
    }

    @Test func oneKeyGivesTheSameCodeFromManyThreadsAtOnce() async {
        let key = HMACSHA512Key(secret: Array("Jefe".utf8))
        let expected = key.authenticationCode(of: Array("message".utf8))
        let codes = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<64 { group.addTask { key.authenticationCode(of: Array("message".utf8)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(codes.allSatisfy { $0 == expected })
    }

    @Test func constantTimeEqualsComparesContentsAndLength() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }
}
