/// Identifiers that sort by creation time: `prefix_` + 26 Crockford base32 characters
/// (48 bits of milliseconds since 1970, then 80 random bits), as ULIDs are.
///
/// Used for request ids (`req_…`) and, later, order ids (`dep_…`, `wd_…`), where
/// time order keeps database indexes append-only.
public enum TimeOrderedID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new identifier made at `millisecondsSince1970`.
    public static func make(
        prefix: String,
        millisecondsSince1970: UInt64,
        using generator: inout some RandomNumberGenerator
    ) -> String {
        let high = UInt64(truncatingIfNeeded: millisecondsSince1970) << 16 | UInt64(generator.next() as UInt16)
        let low = generator.next() as UInt64
        var characters = [UInt8](repeating: 0, count: 26)
        // 128 bits in 26 five-bit groups: the first group holds the top 3 bits.
        for position in (0..<26).reversed() {
            let shift = (25 - position) * 5
            let group: UInt64
            if shift >= 64 {
                group = high >> (shift - 64)
            } else if shift > 59 {
                group = low >> shift | high << (64 - shift)
            } else {
                group = low >> shift
            }
            characters[position] = alphabet[Int(group & 0x1f)]
        }
        return prefix + "_" + String(decoding: characters, as: UTF8.self)
    }

    /// A new identifier made now, with the system's random generator.
    public static func make(prefix: String, clock: any GatewayClock) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix: prefix, millisecondsSince1970: clock.millisecondsSince1970(), using: &generator)
    }
}
