import ElMomentoCore
import Testing

/// A generator that always gives the same bits, so identifiers are predictable.
struct FixedGenerator: RandomNumberGenerator {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct TimeOrderedIDTests {
    @Test func isThePrefixThen26CrockfordCharacters() {
        var generator = SystemRandomNumberGenerator()
        let id = TimeOrderedID.make(prefix: "req", millisecondsSince1970: 1_796_413_233_000, using: &generator)
        #expect(id.hasPrefix("req_"))
        let body = id.dropFirst(4)
        #expect(body.count == 26)
        #expect(body.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
    }

    @Test func encodesTimeThenRandomBitsLikeAULID() {
        var zeros = FixedGenerator(value: 0)
        #expect(
            TimeOrderedID.make(prefix: "x", millisecondsSince1970: 0, using: &zeros) == "x_"
                + String(repeating: "0", count: 26))
        var ones = FixedGenerator(value: .max)
        #expect(
            TimeOrderedID.make(prefix: "x", millisecondsSince1970: 0, using: &ones)
                == "x_" + String(repeating: "0", count: 10) + String(repeating: "Z", count: 16)
        )
        var zerosAgain = FixedGenerator(value: 0)
        // The largest 48-bit time fills the first ten characters: "7ZZZZZZZZZ".
        #expect(
            TimeOrderedID.make(prefix: "x", millisecondsSince1970: (1 << 48) - 1, using: &zerosAgain)
                == "x_7ZZZZZZZZZ" + String(repeating: "0", count: 16)
        )
    }

    @Test func laterIdentifiersSortAfterEarlierOnes() {
        var generator = SystemRandomNumberGenerator()
        let times: [UInt64] = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_001_000, 1_800_000_000_000]
        let ids = times.map { TimeOrderedID.make(prefix: "dep", millisecondsSince1970: $0, using: &generator) }
        #expect(ids == ids.sorted())
    }
}
