import ElMomentoCore
import Testing

@Suite struct OrderRequestTests {
    private static let seedBody = """
        {"amount": 500, "orderID": "Somerandomstring", "currency": "DOP", "callback_url": "https://google.com",
         "request": {"email": "ceterasddsare@hotmail.com", "id_number": "00100000001"}}
        """

    private func parse(
        _ body: String,
        kind: OrderKind = .deposit,
        rules: OrderRules = OrderRules(environment: .production)
    ) throws(OrderRequestFault) -> OrderRequest {
        let request = try OrderRequest.parse(body: Array(body.utf8), kind: kind, rules: rules)
        try request.checkMerchantLimits(rules)
        return request
    }

    private func fault(
        _ body: String,
        kind: OrderKind = .deposit,
        rules: OrderRules = OrderRules(environment: .production)
    ) -> OrderRequestFault? {
        do {
            _ = try parse(body, kind: kind, rules: rules)
            return nil
        } catch {
            return error
        }
    }

    /// A valid body with `members` replacing or adding top-level members (raw JSON values).
    private func body(_ members: [String: String], removing removed: [String] = []) -> String {
        var fields: [(String, String)] = [
            ("amount", "500"), ("orderID", #""order-1""#), ("currency", #""DOP""#),
            ("callback_url", #""https://example.com/hook""#), ("request", #"{"email": "a@b.co"}"#),
        ]
        fields.removeAll { removed.contains($0.0) }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if let index = fields.firstIndex(where: { $0.0 == name }) {
                fields[index].1 = value
            } else {
                fields.append((name, value))
            }
        }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    @Test(arguments: GatewayEnvironment.allCases, OrderKind.allCases)
    func seedBodyParsesInBothEnvironments(_ environment: GatewayEnvironment, _ kind: OrderKind) throws {
        let request = try parse(Self.seedBody, kind: kind, rules: OrderRules(environment: environment))
        #expect(request.orderID == "Somerandomstring")
        #expect(request.amountMinorUnits == 50000)
        #expect(request.currency == Currency(code: "DOP"))
        #expect(request.callbackURL == "https://google.com")
        let details: JSONValue = .object([
            ("email", .string("ceterasddsare@hotmail.com")), ("id_number", .string("00100000001")),
        ])
        #expect(request.payerDetails == details)
    }

    @Test func optionalFieldsMayBeAbsentOrNull() throws {
        let absent = try parse(body([:], removing: ["callback_url", "request"]))
        let null = try parse(body(["callback_url": "null", "request": "null"]))
        #expect(absent.callbackURL == nil && absent.payerDetails == nil)
        #expect(null == absent)
    }

    @Test func unknownTopLevelFieldsAreIgnored() throws {
        #expect(try parse(body(["extra": #"{"x": [1, 2]}"#])) == (try parse(body([:]))))
    }

    @Test func bodyThatIsNotJSONIsInvalidJSON() {
        let result = fault("{\"amount\": 500,")
        #expect(result?.kind == .invalidJSON)
        #expect(result?.field == nil)
        #expect(result?.message == "The body is not valid JSON: expected a string key in object at byte 15.")
        #expect(fault(#"{"amount": 1, "amount": 2}"#)?.kind == .invalidJSON)
        #expect(fault("")?.kind == .invalidJSON)
    }

    @Test(arguments: ["[]", "500", #""x""#, "null", "true"])
    func jsonThatIsNotAnObjectIsValidationFailedWithoutField(_ text: String) {
        #expect(
            fault(text)
                == OrderRequestFault(
                    kind: .validationFailed, message: "The body must be a JSON object, such as {\"amount\": 500, …}.",
                    field: nil))
    }

    @Test(arguments: [
        "order-1", "A", "9", "a.b_c:d-e", String(repeating: "x", count: 64), "Somerandomstring", "0:0",
    ])
    func acceptsOrderIDs(_ orderID: String) throws {
        #expect(try parse(body(["orderID": "\"\(orderID)\""])).orderID == orderID)
    }

    @Test(arguments: [
        #""""#, #""-a""#, #"".a""#, #""_a""#, #"":a""#, #""a b""#, #""a/b""#, #""a\u0000""#, #""a\n""#,
        #""ñ""#, "\"\(String(repeating: "x", count: 65))\"", "42", "null", "[\"a\"]",
    ])
    func refusesOrderIDs(_ json: String) {
        #expect(fault(body(["orderID": json]))?.field == "orderID")
        #expect(fault(body(["orderID": json]))?.kind == .validationFailed)
    }

    @Test func everyValidOrderIDByteIsAcceptedAndNoOther() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-".utf8)
        for byte in UInt8(0)...0x7F {
            let text = "a" + String(decoding: [byte], as: UTF8.self)
            #expect(OrderRequest.isValidOrderID(text) == allowed.contains(byte), "byte \(byte)")
        }
    }

    @Test(
        arguments: [
            ("500", 50000), ("500.0", 50000), (#""500.00""#, 50000), ("5e2", 50000), ("500.100", 50010),
            (#""0.01""#, 1), ("1000000", 100_000_000), ("1000000.00", 100_000_000),
        ] as [(String, Int64)])
    func acceptsAmountSpellings(_ json: String, _ minorUnits: Int64) throws {
        #expect(try parse(body(["amount": json])).amountMinorUnits == minorUnits)
    }

    @Test(arguments: [
        ("500.001", "amount has more decimals than DOP allows (2)."), ("0", "amount must be greater than zero."),
        ("-1", "amount must be greater than zero."), ("-0", "amount must be greater than zero."),
        (#""abc""#, "amount must be a decimal number, such as 500 or \"500.50\"."),
        (#""""#, "amount must be a decimal number, such as 500 or \"500.50\"."),
        (#"" 500""#, "amount must be a decimal number, such as 500 or \"500.50\"."),
        ("null", "amount must be a number or a decimal string, such as 500 or \"500.50\"."),
        ("true", "amount must be a number or a decimal string, such as 500 or \"500.50\"."),
        ("[500]", "amount must be a number or a decimal string, such as 500 or \"500.50\"."),
    ])
    func refusesBadAmounts(_ json: String, _ message: String) {
        #expect(
            fault(body(["amount": json]))
                == OrderRequestFault(kind: .validationFailed, message: message, field: "amount"))
    }

    @Test func missingRequiredFieldsAreNamed() {
        for name in ["amount", "orderID", "currency"] {
            #expect(
                fault(body([:], removing: [name]))
                    == OrderRequestFault(kind: .validationFailed, message: "\(name) is required.", field: name))
        }
    }

    @Test func amountAboveTheMaximumIsA422AfterEvery400() {
        let above = OrderRequestFault(
            kind: .amountAboveLimit, message: "amount is above the per-order maximum of 1000000 DOP.", field: "amount")
        #expect(fault(body(["amount": "1000000.01"])) == above)
        #expect(fault(body(["amount": "1e400"])) == above)
        #expect(fault(body(["amount": String(repeating: "9", count: 5000)])) == above)
        #expect(fault(body(["amount": "1e400", "request": "[]"]))?.field == "request")
        let strict = OrderRules(environment: .sandbox, maxAmountMajor: "10.005")
        #expect(
            fault(body(["amount": "10.01"]), rules: strict)?.message
                == "amount is above the per-order maximum of 10 DOP.")
        #expect(fault(body(["amount": "10"]), rules: strict) == nil)
        let broken = OrderRules(environment: .sandbox, maxAmountMajor: "lots")
        #expect(fault(body(["amount": "1"]), rules: broken)?.kind == .amountAboveLimit)
    }

    @Test func currencyMustBeAKnownUpperCaseCode() {
        for json in [#""dop""#, #""XYZ""#, #""""#, "840", "null"] {
            #expect(fault(body(["currency": json]))?.field == "currency")
            #expect(fault(body(["currency": json]))?.kind == .validationFailed)
        }
    }

    @Test func knownButNotEnabledCurrencyIsA422AfterEvery400() throws {
        let notEnabled = OrderRequestFault(
            kind: .currencyNotEnabled, message: "EUR is not enabled for this merchant.", field: "currency")
        #expect(fault(body(["currency": #""EUR""#])) == notEnabled)
        #expect(fault(body(["currency": #""EUR""#, "amount": "1e400"])) == notEnabled)
        #expect(fault(body(["currency": #""EUR""#, "callback_url": "1"]))?.field == "callback_url")
        let euros = OrderRules(environment: .production, enabledCurrencyCodes: ["EUR"])
        #expect(try parse(body(["currency": #""EUR""#]), rules: euros).currency.code == "EUR")
        #expect(fault(body([:]), rules: euros)?.kind == .currencyNotEnabled)
    }

    @Test func amountPrecisionFollowsTheCurrency() throws {
        let yen = OrderRules(environment: .production, enabledCurrencyCodes: ["JPY"])
        #expect(try parse(body(["currency": #""JPY""#, "amount": "500"]), rules: yen).amountMinorUnits == 500)
        #expect(fault(body(["currency": #""JPY""#, "amount": "500.5"]), rules: yen)?.field == "amount")
    }

    /// A retry must find its order even if the merchant's limits changed since: parsing alone
    /// leaves them to `checkMerchantLimits`, which is for new orders only.
    @Test func parsingLeavesTheMerchantsLimitsToTheirOwnCheck() throws {
        var rules = OrderRules(environment: .production, enabledCurrencyCodes: ["USD"], maxAmountMajor: "10")
        let request = try OrderRequest.parse(body: Array(body(["amount": "500"]).utf8), kind: .deposit, rules: rules)
        #expect(throws: OrderRequestFault.self) { try request.checkMerchantLimits(rules) }
        rules.enabledCurrencyCodes = ["DOP"]
        #expect(throws: OrderRequestFault.self) { try request.checkMerchantLimits(rules) }
        rules.maxAmountMajor = "500"
        try request.checkMerchantLimits(rules)
    }

    @Test func faultsAreReportedInTheDocumentedFieldOrder() {
        var members = ["orderID": "1.5", "currency": "1", "amount": "-1", "callback_url": "1", "request": "1"]
        for expected in ["orderID", "currency", "amount", "callback_url", "request"] {
            #expect(fault(body(members))?.field == expected)
            members.removeValue(forKey: expected)
        }
        #expect(fault(body(members)) == nil)
    }

    @Test func callbackURLMustBeAStringThatPassesThePolicy() {
        #expect(fault(body(["callback_url": "42"]))?.message == "callback_url must be a string or null.")
        #expect(
            fault(body(["callback_url": #""http://example.com""#]))?.message
                == "callback_url must use https in production.")
        #expect(
            fault(body(["callback_url": #""http://example.com""#]), rules: OrderRules(environment: .sandbox)) == nil)
    }

    @Test(arguments: ["1", #""x""#, "[]", "true"])
    func requestMustBeAnObject(_ json: String) {
        #expect(
            fault(body(["request": json]))
                == OrderRequestFault(
                    kind: .validationFailed, message: "request must be a JSON object or null.", field: "request"))
    }

    @Test func requestIsLimitedTo4096BytesAsSent() throws {
        // {"n":"…"} is 8 bytes around the text.
        let fits = "{\"n\":\"" + String(repeating: "x", count: 4088) + "\"}"
        let tooBig = "{\"n\":\"" + String(repeating: "x", count: 4089) + "\"}"
        #expect(fault(body(["request": fits])) == nil)
        #expect(fault(body(["request": tooBig]))?.message == "request must be at most 4096 bytes as sent.")
        let spaced = "{\"n\":\"x\"" + String(repeating: " ", count: 4096) + "}"
        #expect(fault(body(["request": spaced]))?.field == "request")
    }

    @Test(arguments: [
        "a@b.co", "ceterasddsare@hotmail.com", "first.last+tag@mail.example.do", "ñ@dominio.do",
    ])
    func acceptsEmails(_ email: String) {
        #expect(fault(body(["request": "{\"email\": \"\(email)\"}"])) == nil)
    }

    @Test(arguments: [
        #""""#, #""ab.co""#, #""@b.co""#, #""a@b""#, #""a@@b.co""#, #""a@b@c.co""#, #""a b@c.co""#, #""a@b .co""#,
        #""a@.b.co""#, #""a@b.co.""#, #""a@b..co""#, #""a\t@b.co""#, "42", "null",
        "\"\(String(repeating: "a", count: 250))@b.co\"",
    ])
    func refusesEmails(_ json: String) {
        #expect(fault(body(["request": "{\"email\": \(json)}"]))?.field == "request.email")
    }

    @Test(arguments: ["00100000001", "001-0000000-1", "AB123456", "123456", "A1B2C3D4E5F6G7H8I9J0"])
    func acceptsIDNumbers(_ idNumber: String) {
        #expect(fault(body(["request": "{\"id_number\": \"\(idNumber)\"}"])) == nil)
    }

    @Test(arguments: [
        #""12345""#, #""001-000000-01""#, #""0010000000-1""#, #""001 0000000 1""#, #""AB-1234""#,
        #""A1B2C3D4E5F6G7H8I9J0K""#, #""ÁB12345""#, "100000001", "null",
    ])
    func refusesIDNumbers(_ json: String) {
        #expect(fault(body(["request": "{\"id_number\": \(json)}"]))?.field == "request.id_number")
    }

    @Test func withdrawalPayoutFieldsMustBeShortNonEmptyStrings() {
        let good =
            #"{"bank": "Banco Popular", "account_number": "0123456789", "#
            + #""account_type": "savings", "holder_name": "Ana Pérez"}"#
        #expect(fault(body(["request": good]), kind: .withdrawal) == nil)
        for name in ["bank", "account_number", "account_type", "holder_name"] {
            for json in [#""""#, "12", "null", "\"\(String(repeating: "x", count: 129))\""] {
                let request = "{\"\(name)\": \(json)}"
                #expect(fault(body(["request": request]), kind: .withdrawal)?.field == "request.\(name)")
                #expect(fault(body(["request": request]), kind: .deposit) == nil)
            }
            #expect(
                fault(body(["request": "{\"\(name)\": \"\(String(repeating: "x", count: 128))\"}"]), kind: .withdrawal)
                    == nil)
        }
    }

    @Test func fingerprintIsEqualForRespellingsAndReorderings() throws {
        let first = try parse(
            #"{"amount": 500, "orderID": "a", "currency": "DOP", "request": {"x": 1, "y": {"b": 2, "a": 1}}}"#)
        let respellings = [
            #"{"currency":"DOP","orderID":"a","amount":"500.00","request":{"y":{"a":1,"b":2},"x":1}}"#,
            #"{ "amount" : 500.0 , "orderID" : "a" , "currency" : "DOP" , "#
                + #""request" : { "x" : 1 , "y" : { "b" : 2 , "a" : 1 } } }"#,
            #"{"amount": 5e2, "orderID": "a", "currency": "DOP", "callback_url": null, "#
                + #""request": {"x": 1, "y": {"a": 1, "b": 2}}}"#,
            #"{"amount": 50000e-2, "orderID": "a", "currency": "\u0044OP", "#
                + #""request": {"\u0078": 1, "y": {"b": 2, "a": 1}}, "z": 9}"#,
            #"{"amount": 500, "orderID": "a", "currency": "DOP", "request": {"x": 1.0, "y": {"b": 2e0, "a": 10e-1}}}"#,
        ]
        for text in respellings {
            #expect(try parse(text).fingerprint == first.fingerprint)
        }
        #expect(
            first.fingerprint
                == #"v1:{"amount":5e4,"callback_url":null,"currency":"DOP","request":{"x":1e0,"y":{"a":1e0,"b":2e0}}}"#)
    }

    @Test func fingerprintDiffersForAnyChangedValue() throws {
        let base = try parse(body([:])).fingerprint
        let changes = [
            ["amount": "500.01"], ["currency": #""USD""#], ["callback_url": #""https://example.com/hook2""#],
            ["callback_url": "null"], ["request": "null"], ["request": "{}"], ["request": #"{"email": "a@b.com"}"#],
            ["request": #"{"email": "a@b.co", "x": 1}"#], ["request": #"{"email": "a@b.co", "x": 2}"#],
        ]
        let fingerprints = try changes.map { try parse(body($0)).fingerprint }
        #expect(Set(fingerprints + [base]).count == changes.count + 1)
        #expect(try parse(body(["orderID": #""other""#])).fingerprint == base)
    }
}
