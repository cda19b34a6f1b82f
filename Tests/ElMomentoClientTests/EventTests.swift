import ElMomentoClient
import ElMomentoTestSupport
import Foundation
import Testing

/// `events(after:)`: every status change, oldest first, across pages (SPEC 3.5).
@Suite struct EventTests {
    @Test func eventsFollowTheirCursorAcrossPages() async throws {
        let pages = [
            (["evt_1", "evt_2"], "evt_2"),
            (["evt_3", "evt_4"], "evt_4"),
            (["evt_5"], nil),
        ]
        let stub = try stub { index in
            guard index < pages.count else { return .init(status: 500, body: StubBodies.error("internal_error")) }
            let (ids, next) = pages[index]
            let events = ids.enumerated().map { StubBodies.event(orderID: "o-\($1)", sequence: $0 + 1, webhookID: $1) }
            let cursor = next.map { "\"\($0)\"" } ?? "null"
            return .init(
                status: 200,
                body:
                    #"{"data":[\#(events.joined(separator: ","))],"has_more":\#(next != nil),"next_cursor":\#(cursor)}"#
            )
        }
        defer { stub.stop() }
        let client = ElMomentoClient(
            baseURL: URL(string: "http://127.0.0.1:\(stub.port)")!, merchant: "shop", secret: "sk_test_events",
            retryPolicy: .never)

        let events = try await collect(client.events(after: "evt_0", pageSize: 2))
        #expect(events.map(\.webhookID) == ["evt_1", "evt_2", "evt_3", "evt_4", "evt_5"])
        #expect(events.map(\.sequence) == [1, 2, 1, 2, 1])
        #expect(events.allSatisfy { $0.event == "deposit.completed" && $0.order.status == .completed })
        #expect(events[0].order.orderID == "o-evt_1" && events[0].order.amount == "500.5")
        #expect(
            stub.requests.map(\.target) == [
                "/api/shop/events/?after=evt_0&limit=2", "/api/shop/events/?after=evt_2&limit=2",
                "/api/shop/events/?after=evt_4&limit=2",
            ])
    }

    @Test func readingStopsWhereTheCallerStops() async throws {
        let stub = try stub { _ in
            let event = StubBodies.event(orderID: "o", sequence: 1, webhookID: "evt_1")
            return .init(status: 200, body: #"{"data":[\#(event)],"has_more":true,"next_cursor":"evt_1"}"#)
        }
        defer { stub.stop() }
        let client = ElMomentoClient(
            baseURL: URL(string: "http://127.0.0.1:\(stub.port)")!, merchant: "shop", secret: "sk_test_events",
            retryPolicy: .never)
        for try await event in client.events() {
            #expect(event.webhookID == "evt_1")
            break
        }
        #expect(stub.requests.count == 1, "no page is fetched before it is needed")
    }

    @Test
    func theGatewayListsEachStatusChangeOnce() async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret)
            let created = try await client.createDeposit(
                ElMomentoOrderRequest(orderID: "evented", amount: "20", currency: "DOP"))
            let completed = try await runElmomento([
                "admin", "order", "complete", created.order.id, "--database", gateway.databasePath,
            ])
            try #require(completed.status == 0, "\(completed.standardError)")

            let events = try await collect(client.events())
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect((event.event, event.sequence) == ("deposit.completed", 1))
            #expect(event.webhookID.hasPrefix("evt_"))
            #expect((event.order.id, event.order.status) == (created.order.id, .completed))
            #expect(try await collect(client.events(after: event.webhookID)).isEmpty)

            let badCursor = await #expect(throws: ElMomentoError.self) {
                try await collect(client.events(after: "not-a-webhook-id"))
            }
            #expect((badCursor?.status, badCursor?.code, badCursor?.field) == (400, "validation_failed", "after"))
        }
    }
}
