/// Why a JSON document was refused, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words for the integrating developer; it never quotes more than a short key.
    public let message: String
    /// The offset of the offending byte from the start of the document.
    public let byteOffset: Int

    /// A fault found at `byteOffset`.
    public init(message: String, byteOffset: Int) {
        self.message = message
        self.byteOffset = byteOffset
    }

    /// The message and the offset, as an error answer can show them.
    public var description: String { "\(message) at byte \(byteOffset)" }
}

extension JSONValue {
    /// Arrays and objects nested deeper than this are refused, so that a hostile body cannot
    /// exhaust the stack of the recursive parser.
    public static let nestingDepthMax = 64

    /// Parses a JSON document strictly (RFC 8259): numbers are kept as their exact text, a duplicate
    /// key is an error (two readers could otherwise see two different orders), strings must be valid
    /// UTF-8 and escapes must not leave lone surrogates. Whitespace may surround the value; anything
    /// else after it is an error.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try parseDocument(bytes).value
    }

    /// Parses like `parse(_:)` and also returns, for a top-level object, how many bytes each member's
    /// value took in the source, so that limits "as sent" (SPEC 3.2: `request` at most 4 KiB) are
    /// measured on what the merchant sent rather than on a re-encoding.
    static func parseDocument(
        _ bytes: [UInt8]
    ) throws(JSONParseError) -> (value: JSONValue, topLevelMemberByteCounts: [String: Int]) {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseDocument()
        return (value, parser.topLevelMemberByteCounts)
    }

    /// The value of member `key` when this is an object, `nil` otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The compact encoding with object keys sorted bytewise at every level and each number in one
    /// spelling (`1`, `1.0` and `10e-1` agree): two documents that differ only in key order,
    /// whitespace or number spelling encode the same, so idempotent retries are recognised (SPEC 3.2).
    public func canonicalEncoded() -> [UInt8] {
        canonical().encoded()
    }

    private func canonical() -> JSONValue {
        switch self {
        case .array(let elements):
            return .array(elements.map { $0.canonical() })
        case .object(let members):
            let sorted = members.map { ($0.0, $0.1.canonical()) }
                .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            return .object(sorted)
        case .number(let text):
            return .number(DecimalText(text)?.canonicalText ?? text)
        default:
            return self
        }
    }
}

/// A recursive-descent reader over the document's bytes.
struct JSONParser {
    private let bytes: [UInt8]
    private var offset = 0
    private var depth = 0
    private(set) var topLevelMemberByteCounts: [String: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private var next: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func fault(_ message: String, at position: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, byteOffset: position ?? offset)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard offset == bytes.count else { throw fault("unexpected data after the JSON value") }
        return value
    }

    private mutating func skipWhitespace() {
        while let byte = next, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            offset += 1
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard let byte = next else { throw fault("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case Self.quote: return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", meaning: .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", meaning: .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", meaning: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fault("unexpected byte 0x\(String(byte, radix: 16)), expected a value")
        }
    }

    private mutating func parseLiteral(_ word: String, meaning value: JSONValue) throws(JSONParseError) -> JSONValue {
        let expected = Array(word.utf8)
        guard bytes.count - offset >= expected.count, bytes[offset..<offset + expected.count].elementsEqual(expected)
        else { throw fault("invalid literal, expected \(word)") }
        offset += expected.count
        return value
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= JSONValue.nestingDepthMax else {
            throw fault("arrays and objects nested deeper than \(JSONValue.nestingDepthMax)")
        }
        offset += 1
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if next == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                depth -= 1
                return .array(elements)
            default: throw fault("expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var members: [(String, JSONValue)] = []
        // Bytewise, because Swift's String equality would merge canonically equivalent keys.
        var keys = Set<[UInt8]>()
        skipWhitespace()
        if next == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard next == Self.quote else { throw fault("expected a string key in object") }
            let keyOffset = offset
            let key = try parseString()
            guard keys.insert(Array(key.utf8)).inserted else {
                let shown = key.utf8.count <= 64 ? " \"\(key)\"" : ""
                throw fault("duplicate key\(shown) in object", at: keyOffset)
            }
            skipWhitespace()
            guard next == UInt8(ascii: ":") else { throw fault("expected ':' after key in object") }
            offset += 1
            skipWhitespace()
            let valueStart = offset
            members.append((key, try parseValue()))
            if depth == 1 { topLevelMemberByteCounts[key] = offset - valueStart }
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                depth -= 1
                return .object(members)
            default: throw fault("expected ',' or '}' in object")
            }
        }
    }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        byte?.isASCIIDigit ?? false
    }

    private mutating func skipDigits() {
        while Self.isDigit(next) { offset += 1 }
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = offset
        if next == UInt8(ascii: "-") { offset += 1 }
        guard Self.isDigit(next) else { throw fault("expected a digit in number") }
        if next == UInt8(ascii: "0") {
            offset += 1
            guard !Self.isDigit(next) else { throw fault("leading zero in number") }
        } else {
            skipDigits()
        }
        if next == UInt8(ascii: ".") {
            offset += 1
            guard Self.isDigit(next) else { throw fault("expected a digit after the decimal point") }
            skipDigits()
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            offset += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { offset += 1 }
            guard Self.isDigit(next) else { throw fault("expected a digit in exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let start = offset
        offset += 1
        var text: [UInt8] = []
        while true {
            guard let byte = next else { throw fault("unterminated string", at: start) }
            switch byte {
            case Self.quote:
                offset += 1
                return String(decoding: text, as: UTF8.self)
            case Self.backslash:
                try parseEscape(into: &text)
            case 0..<0x20:
                throw fault("control character in string must be escaped")
            case 0x80...:
                try copyUTF8Sequence(into: &text)
            default:
                text.append(byte)
                offset += 1
            }
        }
    }

    /// Copies one multi-byte UTF-8 sequence, refusing overlong forms, surrogates and values above
    /// U+10FFFF (Unicode table 3-7), so that every string handed on is valid Unicode.
    private mutating func copyUTF8Sequence(into text: inout [UInt8]) throws(JSONParseError) {
        let length: Int
        let second: ClosedRange<UInt8>
        switch bytes[offset] {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: throw fault("invalid UTF-8")
        }
        guard offset + length <= bytes.count, second.contains(bytes[offset + 1]) else {
            throw fault("invalid UTF-8")
        }
        for position in offset + 2..<offset + length where !(0x80...0xBF).contains(bytes[position]) {
            throw fault("invalid UTF-8")
        }
        text.append(contentsOf: bytes[offset..<offset + length])
        offset += length
    }

    private mutating func parseEscape(into text: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = offset
        offset += 1
        guard let byte = next else { throw fault("unterminated string") }
        offset += 1
        switch byte {
        case Self.quote, Self.backslash, UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try parseUnicodeEscape(startingAt: escapeStart)
            UTF8.encode(scalar) { text.append($0) }
        default: throw fault("invalid escape in string", at: escapeStart)
        }
    }

    /// Reads the four hex digits after `\u`, and the low half that must follow a high surrogate.
    private mutating func parseUnicodeEscape(startingAt escapeStart: Int) throws(JSONParseError) -> Unicode.Scalar {
        let unit = try parseHexQuad()
        if (0xDC00...0xDFFF).contains(unit) {
            throw fault("lone low surrogate escape", at: escapeStart)
        }
        guard (0xD800...0xDBFF).contains(unit) else { return Unicode.Scalar(unit)! }
        guard offset + 1 < bytes.count, bytes[offset] == Self.backslash, bytes[offset + 1] == UInt8(ascii: "u") else {
            throw fault("high surrogate escape not followed by a low surrogate", at: escapeStart)
        }
        offset += 2
        let low = try parseHexQuad()
        guard (0xDC00...0xDFFF).contains(low) else {
            throw fault("high surrogate escape not followed by a low surrogate", at: escapeStart)
        }
        return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
    }

    private mutating func parseHexQuad() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next, let digit = Self.hexValue(byte) else {
                throw fault("expected four hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
