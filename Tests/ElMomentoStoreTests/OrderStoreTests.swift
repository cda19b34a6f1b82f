import ElMomentoCore
import Foundation
import Testing

@testable import ElMomentoStore

/// Merchants and orders in SQLite: creation, idempotency, keyset pages.
@Suite struct OrderStoreTests {
    let store: SQLiteStore
    let merchant: Merchant

    init() async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("elmomento-orders-\(UUID().uuidString)/gateway.sqlite").path
        store = try SQLiteStore(path: path, requested: .sandbox)
        merchant = try await store.createMerchant(
            slug: "shop", settings: MerchantSettings(), sealedSecret: [1, 2, 3], atMilliseconds: 1_000)
    }

    private func order(_ orderID: String, amount: Int64 = 50_000, at milliseconds: Int64 = 1_764_876_033_000) -> Order {
        Order(
            id: "dep_\(String(milliseconds))_\(orderID)", orderID: orderID, kind: .deposit, status: .pending,
            amountMinorUnits: amount, currency: Currency(code: "DOP")!, feeMinorUnits: 0,
            callbackURL: "http://127.0.0.1:9/", paymentURL: nil,
            payerDetails: .object([("email", .string("a@b.co"))]), environment: .sandbox, failureReason: nil,
            createdAtMilliseconds: milliseconds, updatedAtMilliseconds: milliseconds)
    }

    @Test func anOrderIsCreatedOnceThenReplayedOrRefused() async throws {
        let first = order("o-1")
        #expect(try await store.createOrder(first, merchantID: merchant.id, fingerprint: "f1") {} == .created(first))
        let again = order("o-1", at: 1_764_876_099_000)
        #expect(try await store.createOrder(again, merchantID: merchant.id, fingerprint: "f1") {} == .replayed(first))
        #expect(try await store.createOrder(again, merchantID: merchant.id, fingerprint: "f2") {} == .conflict)
        #expect(try await store.order(merchantID: merchant.id, kind: .deposit, orderID: "o-1") == first)
        #expect(try await store.order(merchantID: merchant.id, kind: .withdrawal, orderID: "o-1") == nil)
    }

    @Test func admissionIsAskedOfNewOrdersOnlyAndARefusalWritesNothing() async throws {
        struct Refused: Error {}
        let first = order("a-1")
        await #expect(throws: Refused.self) {
            try await store.createOrder(first, merchantID: merchant.id, fingerprint: "f") { throw Refused() }
        }
        #expect(try await store.order(merchantID: merchant.id, kind: .deposit, orderID: "a-1") == nil)
        _ = try await store.createOrder(first, merchantID: merchant.id, fingerprint: "f") {}
        let replay = try await store.createOrder(first, merchantID: merchant.id, fingerprint: "f") { throw Refused() }
        #expect(replay == .replayed(first))
    }

    @Test func pagesFollowEachOtherNewestFirstWithoutGapsOrRepeats() async throws {
        // Several orders in the same millisecond: the id breaks the tie.
        for index in 0..<7 {
            let created = order("p-\(index)", at: 1_764_876_000_000 + Int64(index / 2) * 1000)
            _ = try await store.createOrder(created, merchantID: merchant.id, fingerprint: "f") {}
        }
        var seen: [String] = []
        var query = OrderListQuery(limit: 3)
        while true {
            let page = try await store.orders(merchantID: merchant.id, kind: .deposit, matching: query)
            seen += page.orders.map(\.orderID)
            guard page.hasMore, let last = page.orders.last else { break }
            query.cursor = OrderListCursor(createdAtMilliseconds: last.createdAtMilliseconds, id: last.id)
        }
        #expect(seen == ["p-6", "p-5", "p-4", "p-3", "p-2", "p-1", "p-0"])
    }

    @Test func timeBoundsAreInclusiveToTheSecondShown() async throws {
        for (index, milliseconds) in [1_764_876_000_000, 1_764_876_001_500, 1_764_876_002_999].enumerated() {
            _ = try await store.createOrder(
                order("t-\(index)", at: Int64(milliseconds)), merchantID: merchant.id, fingerprint: "f"
            ) {}
        }
        var query = OrderListQuery(limit: 10)
        query.createdAfterMilliseconds = 1_764_876_001_000
        query.createdBeforeMilliseconds = 1_764_876_002_000
        let page = try await store.orders(merchantID: merchant.id, kind: .deposit, matching: query)
        #expect(page.orders.map(\.orderID) == ["t-2", "t-1"])
    }

    /// A page's cost must not grow with the orders behind the cursor: every list shape
    /// walks an index from the cursor, with no sort of its own.
    @Test(arguments: [false, true])
    func everyListShapeIsAnIndexRangeWithoutASort(byStatus: Bool) async throws {
        var query = OrderListQuery(limit: 20)
        query.status = byStatus ? .pending : nil
        query.createdAfterMilliseconds = 1
        query.cursor = OrderListCursor(createdAtMilliseconds: 1_764_876_000_000, id: "dep_X")
        let (sql, parameters) = SQLiteStore.listStatement(merchantID: merchant.id, kind: .deposit, query: query)
        let plan = try await store.readers.read { connection in
            try connection.query("EXPLAIN QUERY PLAN " + sql, parameters).compactMap { $0.last?.text }
        }
        let index = byStatus ? "orders_newest_by_status" : "orders_newest"
        #expect(
            plan.contains { $0.contains("SEARCH orders USING INDEX \(index)") && $0.contains("created_at<") }, "\(plan)"
        )
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    @Test func aMerchantsSecretsRotateWithOneGracePeriod() async throws {
        #expect(try await store.merchantCredentials(slug: "shop", atMilliseconds: 2_000)?.sealedSecrets == [[1, 2, 3]])
        _ = try await store.rotateSecret(
            slug: "shop", sealedSecret: [4], previousValidUntilMilliseconds: 10_000, atMilliseconds: 2_000)
        #expect(
            try await store.merchantCredentials(slug: "shop", atMilliseconds: 3_000)?.sealedSecrets == [
                [4], [1, 2, 3],
            ])
        _ = try await store.rotateSecret(
            slug: "shop", sealedSecret: [5], previousValidUntilMilliseconds: 20_000, atMilliseconds: 4_000)
        #expect(try await store.merchantCredentials(slug: "shop", atMilliseconds: 5_000)?.sealedSecrets == [[5], [4]])
        #expect(try await store.merchantCredentials(slug: "shop", atMilliseconds: 20_000)?.sealedSecrets == [[5]])
    }

    @Test func merchantSlugsAreUniqueAndChangesAreKept() async throws {
        await #expect(throws: StoreError.merchantExists("shop")) {
            try await store.createMerchant(
                slug: "shop", settings: MerchantSettings(), sealedSecret: [], atMilliseconds: 1)
        }
        let changed = try await store.updateMerchant(slug: "shop", atMilliseconds: 9_000) { merchant in
            merchant.isEnabled = false
            merchant.settings.rateLimitPerHour = 5
            merchant.settings.currencyCodes = ["USD"]
        }
        #expect(try await store.merchants() == [changed])
        #expect(changed.updatedAtMilliseconds == 9_000 && !changed.isEnabled)
        await #expect(throws: StoreError.merchantNotFound("other")) {
            try await store.updateMerchant(slug: "other", atMilliseconds: 1) { _ in }
        }
    }
}
