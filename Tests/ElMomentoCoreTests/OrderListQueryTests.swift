import ElMomentoCore
import Testing

@Suite struct OrderListQueryTests {
    private func fault(_ query: String) -> OrderRequestFault? {
        do {
            _ = try OrderListQuery.parse(query: query)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyQueryGivesTheDefaults() throws {
        let query = try OrderListQuery.parse(query: "")
        #expect(query == OrderListQuery(limit: 20))
        #expect(query.status == nil && query.cursor == nil && query.orderID == nil)
    }

    @Test func readsEveryParameter() throws {
        let cursor = OrderListCursor(createdAtMilliseconds: 1_796_413_233_123, id: "dep_01JF0000000000000000000000")
        let query = try OrderListQuery.parse(
            query: "status=completed&orderID=Some%3Arandom&created_after=2026-12-04T19:40:33Z"
                + "&created_before=2026-12-04T20%3A40%3A33%2B01%3A00&limit=100&cursor=\(cursor.encoded)&other=x"
        )
        let expected = OrderListQuery(
            status: .completed,
            orderID: "Some:random",
            createdAfterMilliseconds: 1_796_413_233_000,
            createdBeforeMilliseconds: 1_796_413_233_000,
            limit: 100,
            cursor: cursor
        )
        #expect(query == expected)
    }

    @Test func anUnencodedPlusOffsetIsReadAsThePlusItWas() throws {
        let query = try OrderListQuery.parse(query: "created_after=2026-12-04T20:40:33+01:00")
        #expect(query.createdAfterMilliseconds == 1_796_413_233_000)
    }

    @Test func timeBoundsCoverTheWholeSecondsShown() {
        let query = OrderListQuery(
            createdAfterMilliseconds: 1_796_413_233_001, createdBeforeMilliseconds: 1_796_413_240_500)
        #expect(query.createdAtFromMilliseconds == 1_796_413_234_000)
        #expect(query.createdAtUntilMilliseconds == 1_796_413_241_000)
        let whole = OrderListQuery(
            createdAfterMilliseconds: 1_796_413_233_000, createdBeforeMilliseconds: 1_796_413_233_000)
        #expect(whole.createdAtFromMilliseconds == 1_796_413_233_000)
        #expect(whole.createdAtUntilMilliseconds == 1_796_413_234_000)
        #expect(OrderListQuery().createdAtFromMilliseconds == nil && OrderListQuery().createdAtUntilMilliseconds == nil)
    }

    @Test func ignoresUnknownAndEmptyPairs() throws {
        #expect(try OrderListQuery.parse(query: "&&foo=1&foo=2&bar&%zz=1&limit=5&") == OrderListQuery(limit: 5))
    }

    @Test(arguments: [
        ("status=done", "status"), ("status=Pending", "status"), ("status=", "status"), ("status", "status"),
        ("orderID=a%20b", "orderID"), ("orderID=-a", "orderID"), ("orderID=a+b", "orderID"),
        ("created_after=yesterday", "created_after"), ("created_before=2026-02-30T00:00:00Z", "created_before"),
        ("limit=0", "limit"), ("limit=101", "limit"),
        ("limit=-1", "limit"), ("limit=+5", "limit"), ("limit=5.0", "limit"), ("limit=99999999999999999999", "limit"),
        ("limit=", "limit"), ("cursor=abc", "cursor"), ("cursor=", "cursor"), ("limit=5&limit=5", "limit"),
        ("status=pending&status=failed", "status"), ("orderID=%zz", "orderID"), ("orderID=%e", "orderID"),
        ("orderID=%C3", "orderID"), ("limit=%31%30%31", "limit"),
    ])
    func refusesBadParametersNamingThem(_ query: String, _ field: String) {
        let result = fault(query)
        #expect(result?.kind == .validationFailed)
        #expect(result?.field == field)
    }

    @Test func messagesSayWhatIsExpected() {
        #expect(fault("limit=500")?.message == "limit must be a whole number from 1 to 100.")
        #expect(
            fault("status=x")?.message
                == "status must be one of pending, processing, completed, failed, expired, cancelled, rejected.")
        #expect(fault("limit=1&limit=2")?.message == "limit must be given at most once.")
        #expect(fault("status=")?.message == "status must not be empty.")
    }

    @Test func decodesPercentEscapesAndPlus() throws {
        #expect(try OrderListQuery.parse(query: "limit=%35").limit == 5)
        #expect(try OrderListQuery.parse(query: "l%69mit=7").limit == 7)
        #expect(try OrderListQuery.parse(query: "status=p%65nding").status == .pending)
    }
}

@Suite struct OrderListCursorTests {
    private let cursor = OrderListCursor(createdAtMilliseconds: 1_796_413_233_123, id: "dep_01JF0000000000000000000000")

    @Test func roundTrips() {
        #expect(OrderListCursor(encoded: cursor.encoded) == cursor)
        let odd = OrderListCursor(createdAtMilliseconds: 0, id: "wd_a:b")
        #expect(OrderListCursor(encoded: odd.encoded) == odd)
    }

    @Test func encodesAsUnpaddedBase64URLOfAVersionedText() {
        let encoded = OrderListCursor(createdAtMilliseconds: 5, id: "x").encoded
        #expect(encoded.utf8.allSatisfy { OrderListCursorTests.base64URL.contains($0) })
        #expect(!encoded.contains("="))
        #expect(encoded.hasPrefix("MTo1O"))
    }

    private static let base64URL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    @Test func refusesEveryOneCharacterChange() {
        let encoded = Array(cursor.encoded.utf8)
        for position in encoded.indices {
            for replacement in OrderListCursorTests.base64URL where replacement != encoded[position] {
                var changed = encoded
                changed[position] = replacement
                #expect(OrderListCursor(encoded: String(decoding: changed, as: UTF8.self)) == nil)
            }
        }
    }

    @Test func refusesGarbage() {
        let garbage = [
            "", "a", "====", "!!!!", cursor.encoded + "=", cursor.encoded + "A", String(cursor.encoded.dropLast()),
            " " + cursor.encoded, "MTox", "eyJ0IjoxfQ",
        ]
        for text in garbage {
            #expect(OrderListCursor(encoded: text) == nil, "\(text)")
        }
    }
}
