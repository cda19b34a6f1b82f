import ElMomentoCore
import Testing

@Suite struct JSONValueTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: value.encoded(), as: UTF8.self)
    }

    @Test func writesObjectsInTheOrderGiven() {
        let value: JSONValue = .object([("b", .integer(1)), ("a", .array([.null, .bool(true), .bool(false)]))])
        #expect(text(value) == #"{"b":1,"a":[null,true,false]}"#)
    }

    @Test func writesNumbersExactlyAsTheirText() {
        #expect(text(.number("500.5")) == "500.5")
        #expect(text(.number("1000000.01")) == "1000000.01")
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(text(.string("a\"b\\c\nd\re\tf")) == #""a\"b\\c\nd\re\tf""#)
        #expect(text(.string("\u{01}\u{1f}")) == #""\u0001\u001f""#)
    }

    @Test func keepsNonASCIITextAsUTF8() {
        #expect(text(.string("cédula ✓")) == "\"cédula ✓\"")
    }

    @Test func optionalStringsBecomeNull() {
        #expect(JSONValue.optional(nil) == .null)
        #expect(JSONValue.optional("x") == .string("x"))
    }
}
