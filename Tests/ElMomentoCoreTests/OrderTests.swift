import ElMomentoCore
import Testing

@Suite struct OrderTests {
    private let createdAt: Int64 = 1_796_413_233_000

    private func deposit() -> Order {
        Order(
            id: "dep_01JF0000000000000000000000",
            orderID: "Somerandomstring",
            kind: .deposit,
            status: .pending,
            amountMinorUnits: 50050,
            currency: Currency(code: "DOP")!,
            feeMinorUnits: 0,
            callbackURL: "https://google.com",
            paymentURL: "https://gateway.example/pay/dep_01JF0000000000000000000000",
            payerDetails: .object([
                ("email", .string("ceterasddsare@hotmail.com")), ("id_number", .string("00100000001")),
            ]),
            environment: .sandbox,
            failureReason: nil,
            createdAtMilliseconds: createdAt + 999,
            updatedAtMilliseconds: createdAt + 61_000
        )
    }

    private func text(_ order: Order) -> String {
        String(decoding: order.jsonObject().encoded(), as: UTF8.self)
    }

    @Test func depositObjectHasEveryMemberInOrder() {
        let expected =
            #"{"id":"dep_01JF0000000000000000000000","orderID":"Somerandomstring","type":"deposit","status":"pending","#
            + #""amount":500.5,"currency":"DOP","fee":0,"callback_url":"https://google.com","#
            + #""payment_url":"https://gateway.example/pay/dep_01JF0000000000000000000000","#
            + #""request":{"email":"ceterasddsare@hotmail.com","id_number":"00100000001"},"environment":"sandbox","#
            + #""failure_reason":null,"created_at":"2026-12-04T19:40:33Z","updated_at":"2026-12-04T19:41:34Z"}"#
        #expect(text(deposit()) == expected)
    }

    @Test func withdrawalObjectHasNoPaymentURLAndNullsForAbsentValues() {
        var order = deposit()
        order.id = "wd_01JF0000000000000000000001"
        order.kind = .withdrawal
        order.status = .failed
        order.amountMinorUnits = 100_000
        order.currency = Currency(code: "USD")!
        order.feeMinorUnits = 155
        order.callbackURL = nil
        order.paymentURL = nil
        order.payerDetails = nil
        order.environment = .production
        order.failureReason = "bank rejected"
        let expected =
            #"{"id":"wd_01JF0000000000000000000001","orderID":"Somerandomstring","#
            + #""type":"withdrawal","status":"failed","#
            + #""amount":1000,"currency":"USD","fee":1.55,"callback_url":null,"request":null,"#
            + #""environment":"production","failure_reason":"bank rejected","#
            + #""created_at":"2026-12-04T19:40:33Z","updated_at":"2026-12-04T19:41:34Z"}"#
        #expect(text(order) == expected)
    }

    @Test func depositWithoutPaymentURLWritesNull() {
        var order = deposit()
        order.paymentURL = nil
        #expect(text(order).contains(#","payment_url":null,"#))
    }

    @Test func kindsHaveTheirIDPrefixes() {
        #expect(OrderKind.deposit.idPrefix == "dep")
        #expect(OrderKind.withdrawal.idPrefix == "wd")
        #expect(
            OrderStatus.allCases.map(\.rawValue) == [
                "pending", "processing", "completed", "failed", "expired", "cancelled", "rejected",
            ])
    }
}

@Suite struct RFC3339Tests {
    @Test(
        arguments: [
            (1_796_413_233_000, "2026-12-04T19:40:33Z"), (1_796_413_233_999, "2026-12-04T19:40:33Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"), (-1000, "1969-12-31T23:59:59Z"), (1_709_164_800_000, "2024-02-29T00:00:00Z"),
            (951_868_800_000, "2000-03-01T00:00:00Z"), (253_402_300_799_000, "9999-12-31T23:59:59Z"),
        ] as [(Int64, String)])
    func formatsWholeSecondsUTC(_ milliseconds: Int64, _ expected: String) {
        #expect(RFC3339.format(millisecondsSince1970: milliseconds) == expected)
    }

    @Test(
        arguments: [
            ("2026-12-04T19:40:33Z", 1_796_413_233_000), ("2026-12-04t19:40:33z", 1_796_413_233_000),
            ("2026-12-04T19:40:33.5Z", 1_796_413_233_500), ("2026-12-04T19:40:33.123456789Z", 1_796_413_233_123),
            ("2026-12-04T19:40:33.999999Z", 1_796_413_233_999), ("2026-12-04T20:40:33+01:00", 1_796_413_233_000),
            ("2026-12-04T14:10:33-05:30", 1_796_413_233_000), ("2026-12-04T19:40:33-00:00", 1_796_413_233_000),
            ("1970-01-01T00:00:00Z", 0), ("1969-12-31T23:59:59.999Z", -1), ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("2000-02-29T00:00:00Z", 951_782_400_000), ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        ] as [(String, Int64)])
    func parsesTimestamps(_ text: String, _ expected: Int64) {
        #expect(RFC3339.parseMilliseconds(text) == expected)
    }

    @Test(arguments: [
        "", "2026-12-04", "2026-12-04T19:40Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-00T00:00:00Z",
        "2026-12-04T24:00:00Z", "2026-12-04T19:60:00Z", "2026-12-04T19:40:60Z", "2026-12-04T19:40:33",
        "2026-12-04 19:40:33Z",
        "2026-12-04T19:40:33.Z", "2026-12-04T19:40:33+0100", "2026-12-04T19:40:33+24:00", "2026-12-04T19:40:33+01:60",
        "26-12-04T19:40:33Z", "2026-1-04T19:40:33Z", "2026-12-04T19:40:33ZZ", " 2026-12-04T19:40:33Z",
        "+2026-12-04T19:40:33Z",
        "2026-12-04T19:40:33 01:00", "２026-12-04T19:40:33Z",
    ])
    func refusesMalformedOrImpossibleTimestamps(_ text: String) {
        #expect(RFC3339.parseMilliseconds(text) == nil)
    }

    @Test func formatThenParseRoundTripsEveryDayForFourYears() {
        for day in Int64(0)..<(366 * 4) {
            let milliseconds = 1_704_067_200_000 + day * 86_400_000 + 45_296_000
            #expect(RFC3339.parseMilliseconds(RFC3339.format(millisecondsSince1970: milliseconds)) == milliseconds)
        }
    }
}
