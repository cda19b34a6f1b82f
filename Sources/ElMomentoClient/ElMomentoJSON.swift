/// A JSON document as the gateway sends and receives it.
///
/// Numbers are kept as their text, so an amount such as `500.5` reaches the merchant's
/// code exactly as the gateway wrote it, never through binary floating point; objects
/// keep their keys in the order given.
public enum ElMomentoJSON: Sendable, Equatable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as its JSON text (`500.5`, `5e2`).
    case number(String)
    /// A string, unescaped.
    case string(String)
    /// An array.
    case array([ElMomentoJSON])
    /// An object's members in the order they were written.
    case object([(String, ElMomentoJSON)])

    /// An object of string values, with its keys sorted so that the same dictionary is always
    /// encoded to the same bytes.
    public static func object(_ strings: [String: String]) -> ElMomentoJSON {
        .object(strings.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// Parses a complete JSON document from its UTF-8 bytes; throws `ElMomentoJSONError`.
    public init(parsing bytes: some Collection<UInt8>) throws {
        var parser = JSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }

    /// The value of member `key`, when this is an object that has it.
    public subscript(key: String) -> ElMomentoJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The text of a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The text of a number.
    public var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    /// The value of a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array.
    public var arrayValue: [ElMomentoJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The compact JSON text of this value.
    public var description: String { String(decoding: encoded(), as: UTF8.self) }

    /// Whether two values are the same JSON, member order included.
    public static func == (left: ElMomentoJSON, right: ElMomentoJSON) -> Bool {
        switch (left, right) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.elementsEqual(b) { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The compact UTF-8 encoding of this value.
    public func encoded() -> [UInt8] {
        var output = [UInt8]()
        write(to: &output)
        return output
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .string(let text): Self.writeString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0f)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Why bytes are not a JSON document.
public struct ElMomentoJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset where reading stopped.
    public let offset: Int
    /// What was wrong there.
    public let reason: String

    /// Where and why reading stopped.
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
