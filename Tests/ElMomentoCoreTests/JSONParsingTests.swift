import ElMomentoCore
import Testing

@Suite struct JSONParsingTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    private func failure(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func failure(_ text: String) -> JSONParseError? {
        failure(Array(text.utf8))
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [null, true, false, -0.5e+3, "x"], "b": {}, "c": []} "#)
        let expected: JSONValue = .object([
            ("a", .array([.null, .bool(true), .bool(false), .number("-0.5e+3"), .string("x")])),
            ("b", .object([])),
            ("c", .array([])),
        ])
        #expect(value == expected)
    }

    @Test func keepsNumbersAsTheirExactText() throws {
        for text in ["0", "-0", "500", "500.100", "5e2", "5.5E+1", "1E-7", "123456789012345678901234567890"] {
            #expect(try parse(text) == .number(text))
        }
    }

    @Test func acceptsTopLevelScalars() throws {
        #expect(try parse("\t\r\n true \n") == .bool(true))
        #expect(try parse(#""x""#) == .string("x"))
        #expect(try parse("null") == .null)
    }

    @Test func decodesEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func keepsValidMultiByteUTF8() throws {
        #expect(try parse("\"cédula ✓ 😀\"") == .string("cédula ✓ 😀"))
    }

    @Test(arguments: [
        "", " ", "01", "-01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "1.5.2",
        "[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "['a']",
        "[", "]", "{", "}", "[1]]", "{} {}", "1 2", "tru", "truee", "nul", "True", "\"abc", "\"\\x\"",
        "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
        "\"\\ud800\\udbff\"", "\"a\tb\"", "\"a\nb\"", "\"\u{1}\"", "[1,\n]", "\u{FEFF}1", "/*c*/1", "1 // c",
    ])
    func refusesInvalidDocument(_ text: String) {
        #expect(failure(text) != nil)
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3, 0x22],
            [0x22, 0x80, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22], [0x22, 0xE2, 0x82],
        ] as [[UInt8]])
    func refusesInvalidUTF8(_ bytes: [UInt8]) {
        #expect(failure(bytes) != nil)
    }

    @Test func refusesEveryUnescapedControlCharacterInStrings() {
        for byte in UInt8(0)..<0x20 {
            #expect(failure([0x22, byte, 0x22]) != nil, "byte \(byte)")
        }
        #expect(failure([0x22, 0x7F, 0x22]) == nil)
    }

    @Test func reportsTheOffsetOfTheFault() {
        #expect(failure("[1, 2,]") == JSONParseError(message: "unexpected byte 0x5d, expected a value", byteOffset: 6))
        #expect(failure("1 x")?.byteOffset == 2)
        #expect(failure("1 x")?.description == "unexpected data after the JSON value at byte 2")
    }

    @Test func refusesDuplicateKeysAtAnyDepth() {
        #expect(
            failure(#"{"a": 1, "a": 2}"#) == JSONParseError(message: #"duplicate key "a" in object"#, byteOffset: 9))
        #expect(failure(#"{"x": {"b": 1, "b": 1}}"#)?.byteOffset == 15)
        #expect(failure(#"{"a": 1, "\u0061": 2}"#) != nil)
        #expect(failure(#"[{"a": 1}, {"a": 2}]"#) == nil)
    }

    @Test func keysThatAreOnlyCanonicallyEquivalentAreDistinct() throws {
        let value = try parse("{\"\u{E9}\": 1, \"e\u{301}\": 2}")
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.count == 2)
    }

    @Test func limitsNestingDepthTo64() {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(deepest) == nil)
        #expect(failure(tooDeep) == JSONParseError(message: "arrays and objects nested deeper than 64", byteOffset: 64))
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(failure(objects)?.byteOffset == 320)
        #expect(failure(String(repeating: "[", count: 100_000)) != nil)
    }

    @Test func subscriptFindsObjectMembersOnly() throws {
        let value = try parse(#"{"a": 1, "b": {"c": null}}"#)
        #expect(value["a"] == .number("1"))
        #expect(value["b"]?["c"] == .null)
        #expect(value["z"] == nil)
        #expect(JSONValue.array([]).self["a"] == nil)
    }

    @Test func canonicalEncodingSortsKeysBytewiseAtEveryLevel() throws {
        let first = try parse(#"{ "b": [ {"y": 1, "x": 2} ], "a": "é", "B": true, "é": 0 }"#)
        let second = try parse(#"{"é":0,"B":true,"a":"\u00e9","b":[{"x":2,"y":1}]}"#)
        let expected = #"{"B":true,"a":"é","b":[{"x":2e0,"y":1e0}],"é":0}"#
        #expect(String(decoding: first.canonicalEncoded(), as: UTF8.self) == expected)
        #expect(first.canonicalEncoded() == second.canonicalEncoded())
    }

    @Test(arguments: [("1", "1.0"), ("1", "10e-1"), ("0", "-0.0"), ("-2.5e3", "-2500"), ("120", "1.2E+2")])
    func canonicalEncodingSpellsEqualNumbersAlike(_ one: String, _ other: String) throws {
        #expect(try parse("[\(one)]").canonicalEncoded() == (try parse("[\(other)]").canonicalEncoded()))
    }

    @Test(arguments: [("1", "1.01"), ("1", "-1"), ("12", "21"), ("1e2", "1e3")])
    func canonicalEncodingKeepsDifferentNumbersApart(_ one: String, _ other: String) throws {
        #expect(try parse("[\(one)]").canonicalEncoded() != (try parse("[\(other)]").canonicalEncoded()))
    }

    @Test func roundTripsThroughTheWriter() throws {
        let text = #"{"b":[1,-2.5e3,"a\"\\\n\u0001"],"a":{"c":null,"d":false}}"#
        #expect(String(decoding: try parse(text).encoded(), as: UTF8.self) == text)
    }
}
