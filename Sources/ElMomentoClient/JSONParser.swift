/// A strict JSON reader (RFC 8259) that keeps numbers as their text.
///
/// Small on purpose: the SDK depends on nothing but the signature and the toolchain, and
/// Foundation's reader turns `500.5` into a binary `Double` before anyone can see its text.
struct JSONParser {
    /// The deepest nesting read; deeper documents are refused rather than risk the stack.
    static let nestingDepthMax = 64

    private let bytes: [UInt8]
    private var offset = 0
    private var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The one value the bytes hold, with nothing but whitespace around it.
    mutating func parseDocument() throws(ElMomentoJSONError) -> ElMomentoJSON {
        let value = try parseValue()
        skipWhitespace()
        guard offset == bytes.count else { throw failure("unexpected text after the value") }
        return value
    }

    private mutating func parseValue() throws(ElMomentoJSONError) -> ElMomentoJSON {
        skipWhitespace()
        guard let byte = peek() else { throw failure("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): return try nested { (parser) throws(ElMomentoJSONError) in try parser.parseObject() }
        case UInt8(ascii: "["): return try nested { (parser) throws(ElMomentoJSONError) in try parser.parseArray() }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return .number(try parseNumber())
        }
    }

    private mutating func nested(
        _ parse: (inout JSONParser) throws(ElMomentoJSONError) -> ElMomentoJSON
    ) throws(ElMomentoJSONError) -> ElMomentoJSON {
        depth += 1
        guard depth <= Self.nestingDepthMax else { throw failure("nested deeper than \(Self.nestingDepthMax)") }
        defer { depth -= 1 }
        return try parse(&self)
    }

    private mutating func parseObject() throws(ElMomentoJSONError) -> ElMomentoJSON {
        offset += 1
        var members: [(String, ElMomentoJSON)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try parseString()
            try expect(":")
            members.append((key, try parseValue()))
            skipWhitespace()
            if try endOfList("}") { return .object(members) }
        }
    }

    private mutating func parseArray() throws(ElMomentoJSONError) -> ElMomentoJSON {
        offset += 1
        var elements: [ElMomentoJSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            if try endOfList("]") { return .array(elements) }
        }
    }

    /// Consumes `,` (more follows) or `closing` (the list ends).
    private mutating func endOfList(_ closing: Unicode.Scalar) throws(ElMomentoJSONError) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            offset += 1
            return false
        case UInt8(ascii: closing):
            offset += 1
            return true
        default: throw failure("expected , or \(closing)")
        }
    }

    private mutating func parseString() throws(ElMomentoJSONError) -> String {
        offset += 1
        var text = [UInt8]()
        while let byte = peek() {
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: text, as: UTF8.self) else { throw failure("invalid UTF-8") }
                return string
            case UInt8(ascii: "\\"): try appendEscape(to: &text)
            case 0..<0x20: throw failure("control character in a string")
            default: text.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func appendEscape(to text: inout [UInt8]) throws(ElMomentoJSONError) {
        guard let byte = peek() else { throw failure("unterminated escape") }
        offset += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"),
            UInt8(ascii: "/"): UInt8(ascii: "/"), UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let replacement = simple[byte] {
            text.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("unknown escape") }
        var scalar = try parseHexQuad()
        if (0xD800...0xDBFF).contains(scalar) {
            // A character beyond the first plane comes as a surrogate pair: \uD83D\uDE00.
            guard peek() == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                throw failure("unpaired surrogate")
            }
            offset += 2
            let low = try parseHexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let character = Unicode.Scalar(scalar) else { throw failure("unpaired surrogate") }
        text.append(contentsOf: String(Character(character)).utf8)
    }

    private mutating func parseHexQuad() throws(ElMomentoJSONError) -> UInt32 {
        guard offset + 4 <= bytes.count,
            let value = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
        else { throw failure("\\u needs four hex digits") }
        offset += 4
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws(ElMomentoJSONError) -> String {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        if peek() == UInt8(ascii: "0") {
            offset += 1
        } else {
            guard digits() > 0 else { throw failure("expected a value") }
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { throw failure("expected digits after the decimal point") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw failure("expected digits in the exponent") }
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func digits() -> Int {
        let start = offset
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
        return offset - start
    }

    private mutating func literal(_ word: String, _ value: ElMomentoJSON) throws(ElMomentoJSONError) -> ElMomentoJSON {
        let expected = Array(word.utf8)
        guard bytes.count - offset >= expected.count, Array(bytes[offset..<offset + expected.count]) == expected else {
            throw failure("expected a value")
        }
        offset += expected.count
        return value
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(ElMomentoJSONError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: character) else { throw failure("expected \(character)") }
        offset += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), [0x20, 0x09, 0x0A, 0x0D].contains(byte) { offset += 1 }
    }

    private func peek() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    private func failure(_ reason: String) -> ElMomentoJSONError {
        ElMomentoJSONError(offset: offset, reason: reason)
    }
}
