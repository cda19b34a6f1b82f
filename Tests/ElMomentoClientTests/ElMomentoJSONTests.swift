import ElMomentoClient
import Testing

/// The SDK's JSON: numbers kept as their text, strict about what is not JSON.
@Suite struct ElMomentoJSONTests {
    private func parse(_ text: String) throws -> ElMomentoJSON {
        try ElMomentoJSON(parsing: Array(text.utf8))
    }

    @Test(arguments: ["500", "500.5", "0.1", "0.30000000000000004", "-0", "5e2", "1E+400", "123456789012345678901.25"])
    func numbersKeepTheirText(_ number: String) throws {
        let json = try parse(#"{"amount": \#(number)}"#)
        #expect(json["amount"]?.numberText == number)
        #expect(json.description == #"{"amount":\#(number)}"#)
    }

    @Test func aDocumentReadsAsItsValues() throws {
        let json = try parse(
            #" {"a": [1, true, false, null, "x"], "b": {"c": "\u00e9\ud83d\ude00\n\"\\\/"}, "a2": []} "#)
        #expect(json["a"] == .array([.number("1"), .bool(true), .bool(false), .null, .string("x")]))
        #expect(json["b"]?["c"]?.stringValue == "é😀\n\"\\/")
        #expect(json["a2"] == .array([]))
        #expect(json["missing"] == nil)
        let keys: [String]
        if case .object(let members) = json { keys = members.map(\.0) } else { keys = [] }
        #expect(keys == ["a", "b", "a2"], "key order is kept")
    }

    @Test func encodingEscapesWhatJSONRequires() {
        let value = ElMomentoJSON.object([("k\"", .string("line\nbreak\u{01}é"))])
        #expect(value.description == #"{"k\"":"line\nbreak\u0001é"}"#)
        #expect(ElMomentoJSON.object(["b": "2", "a": "1"]).description == #"{"a":"1","b":"2"}"#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "\"tab\there\"", "\"\\x\"", "\"\\ud83d\"",
        "tru", "nul", "{\"a\" 1}", "[1 2]", "{} {}", "\"unterminated", "{1:2}", "NaN",
    ])
    func textThatIsNotJSONIsRefused(_ text: String) {
        #expect(throws: ElMomentoJSONError.self) { try parse(text) }
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: ElMomentoJSONError.self) { try parse(deep) }
        let allowed = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(allowed).arrayValue?.count == 1)
    }

    @Test func aCreateBodyIsTheDocumentsShapeWithTheAmountAsANumber() {
        let request = ElMomentoOrderRequest(
            orderID: "o-1", amount: "500.00", currency: "DOP", callbackURL: "https://google.com",
            payer: ["id_number": "00100000001", "email": "a@b.do"])
        #expect(
            String(decoding: request.body(), as: UTF8.self)
                == #"{"amount":500.00,"orderID":"o-1","currency":"DOP","callback_url":"https://google.com","#
                + #""request":{"email":"a@b.do","id_number":"00100000001"}}"#)
        let bare = ElMomentoOrderRequest(orderID: "o-2", amount: "7", currency: "USD")
        #expect(String(decoding: bare.body(), as: UTF8.self) == #"{"amount":7,"orderID":"o-2","currency":"USD"}"#)
    }

    @Test(arguments: ["abc", "1e3", "-5", "007", "5.", ".5", "1,5", ""])
    func anAmountThatIsNotPlainDecimalIsSentAsAStringForTheGatewayToJudge(_ amount: String) throws {
        let body = ElMomentoOrderRequest(orderID: "o", amount: amount, currency: "DOP").body()
        #expect(try ElMomentoJSON(parsing: body)["amount"] == .string(amount))
    }
}
