import ElMomentoCore
import Foundation
import Testing

@testable import ElMomentoStore

/// Order changes in SQLite (SPEC 4): one transaction writes the order, its event, its
/// ledger settlement and its callback; the outbox hands callbacks out in order and leased.
@Suite struct LifecycleStoreTests {
    let store: SQLiteStore
    let merchant: Merchant
    let dop = Currency(code: "DOP")!

    init() async throws {
        store = try SQLiteStore(path: LedgerStoreTests.temporaryPath(), requested: .sandbox)
        merchant = try await store.createMerchant(
            slug: "shop", settings: MerchantSettings(), sealedSecret: [1, 2, 3], atMilliseconds: 1_000)
    }

    private func create(
        _ kind: OrderKind, _ orderID: String, amount: Int64 = 10_000, fee: Int64 = 0, callbackURL: String? = nil,
        expiresAt: Int64? = nil
    ) async throws -> Order {
        var order = Order(
            id: "\(kind.idPrefix)_\(orderID)", orderID: orderID, kind: kind, status: .pending,
            amountMinorUnits: amount, currency: dop, feeMinorUnits: fee, callbackURL: callbackURL,
            paymentURL: kind == .deposit ? "http://pay/\(orderID)" : nil, payerDetails: nil, environment: .sandbox,
            failureReason: nil, createdAtMilliseconds: 2_000, updatedAtMilliseconds: 2_000)
        order.paymentToken = kind == .deposit ? "token-\(orderID)" : nil
        order.expiresAtMilliseconds = kind == .deposit ? expiresAt ?? 1_802_000 : nil
        _ = try await store.createOrder(order, merchantID: merchant.id, fingerprint: orderID) {}
        return order
    }

    @discardableResult
    private func change(_ id: String, _ action: OrderAction, at now: Int64 = 3_000) async throws -> OrderEvent {
        try await store.changeOrder(id: id, atMilliseconds: now) {
            try $0.applying(action, by: .operator, reason: "because", atMilliseconds: now)
        }
    }

    private func balance() async throws -> MerchantBalance {
        try await store.balances(merchantID: merchant.id).first { $0.currency == dop } ?? MerchantBalance(currency: dop)
    }

    @Test func aCompletedDepositCreditsTheMerchantAndRecordsItsEventAndCallback() async throws {
        _ = try await create(.deposit, "d-1", fee: 250, callbackURL: "http://127.0.0.1:9/cb")
        let event = try await change("dep_d-1", .complete)
        #expect(event.sequence == 1 && event.change.order.status == .completed && event.webhookID.hasPrefix("evt_"))
        #expect(try await balance() == MerchantBalance(currency: dop, availableMinorUnits: 9_750))
        #expect(try await store.verifyLedger().differences.isEmpty)

        let history = try #require(try await store.orderHistory(id: "dep_d-1"))
        #expect(history.order.merchantSlug == "shop" && history.order.order.status == .completed)
        #expect(history.changes.map(\.status) == [.completed] && history.changes[0].reason == "because")

        let due = try await store.claimDueCallbacks(
            atMilliseconds: 3_000, leaseMilliseconds: 40_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.webhookID) == [event.webhookID] && due[0].url == "http://127.0.0.1:9/cb")
        #expect(due[0].body == event.jsonObject().encoded(), "the stored body is the event, byte for byte")
        let page = try await store.events(merchantID: merchant.id, after: nil, limit: 10)
        #expect(page.payloads == [due[0].body] && !page.hasMore)
    }

    @Test func aTerminalOrderRefusesEveryActionAndNothingIsWritten() async throws {
        _ = try await create(.deposit, "d-1")
        try await change("dep_d-1", .cancel)
        for action in OrderAction.allCases {
            await #expect(throws: OrderTransitionRefused.self) { try await change("dep_d-1", action) }
        }
        #expect(try await store.orderHistory(id: "dep_d-1")?.changes.count == 1)
        await #expect(throws: StoreError.orderNotFound("dep_none")) { try await change("dep_none", .complete) }
    }

    @Test func withdrawalsPayOutOrReleaseTheirReservation() async throws {
        _ = try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1_500) { merchant in
            .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: 50_000, reason: "float")
        }
        _ = try await create(.withdrawal, "w-1", amount: 10_000, fee: 100)
        _ = try await create(.withdrawal, "w-2", amount: 20_000, fee: 100)
        #expect(
            try await balance()
                == MerchantBalance(currency: dop, availableMinorUnits: 19_800, reservedMinorUnits: 30_200))
        try await change("wd_w-1", .approve)
        try await change("wd_w-1", .complete)
        #expect(
            try await balance()
                == MerchantBalance(currency: dop, availableMinorUnits: 19_800, reservedMinorUnits: 20_100))
        try await change("wd_w-2", .reject)
        #expect(
            try await balance() == MerchantBalance(currency: dop, availableMinorUnits: 39_900, reservedMinorUnits: 0))
        #expect(try await store.verifyLedger().differences.isEmpty)
    }

    @Test func racingChangesApplyOnceAndEveryOtherIsRefused() async throws {
        _ = try await create(.deposit, "d-1")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for action in [OrderAction.complete, .expire, .cancel, .fail, .complete, .expire] {
                group.addTask { (try? await change("dep_d-1", action)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.orderHistory(id: "dep_d-1")?.changes.count == 1)
    }

    @Test func dueDepositsAreFoundByExpiryOrByAge() async throws {
        _ = try await create(.deposit, "early", expiresAt: 5_000)
        _ = try await create(.deposit, "late", expiresAt: 9_000)
        #expect(try await store.pendingDepositIDs(dueBy: .expiringBy(milliseconds: 5_000), limit: 10) == ["dep_early"])
        #expect(try await store.pendingDepositIDs(dueBy: .createdBy(milliseconds: 2_000), limit: 10).count == 2)
        try await change("dep_early", .expire)
        #expect(try await store.pendingDepositIDs(dueBy: .expiringBy(milliseconds: 10_000), limit: 10) == ["dep_late"])
        #expect(try await store.orderForPayment(token: "token-late")?.order.id == "dep_late")
        #expect(try await store.orderForPayment(token: "token-none") == nil)
    }

    @Test func perOrderOnlyTheOldestOpenCallbackIsDueAndClaimsAreLeased() async throws {
        _ = try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1_500) { merchant in
            .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: 50_000, reason: "float")
        }
        _ = try await create(.withdrawal, "w-1", callbackURL: "http://127.0.0.1:9/a")
        let approved = try await change("wd_w-1", .approve, at: 3_000)
        let completed = try await change("wd_w-1", .complete, at: 3_001)
        var due = try await store.claimDueCallbacks(
            atMilliseconds: 4_000, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.webhookID) == [approved.webhookID], "the later event waits for the earlier one")
        #expect(
            try await store.claimDueCallbacks(
                atMilliseconds: 4_001, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:]
            ).isEmpty)
        // Never recorded (a crash): due again when the lease ends, with its first attempt's time kept.
        due = try await store.claimDueCallbacks(
            atMilliseconds: 14_000, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.webhookID) == [approved.webhookID] && due[0].firstAttemptAtMilliseconds == 4_000)

        try await store.recordCallbackAttempt(
            due[0],
            CallbackAttempt(atMilliseconds: 14_000, statusCode: 500, latencyMilliseconds: 3, error: nil),
            outcome: .retry(atMilliseconds: 20_000))
        #expect(
            try await store.claimDueCallbacks(
                atMilliseconds: 19_999, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:]
            ).isEmpty)
        due = try await store.claimDueCallbacks(
            atMilliseconds: 20_000, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.attemptCount) == [1])
        try await store.recordCallbackAttempt(
            due[0],
            CallbackAttempt(atMilliseconds: 20_000, statusCode: 200, latencyMilliseconds: 2, error: nil),
            outcome: .delivered)
        due = try await store.claimDueCallbacks(
            atMilliseconds: 20_001, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.webhookID) == [completed.webhookID])
        try await store.recordCallbackAttempt(
            due[0],
            CallbackAttempt(atMilliseconds: 20_001, statusCode: 410, latencyMilliseconds: 2, error: nil),
            outcome: .gaveUp)

        let failed = try await store.callbacks(failedOnly: true, limit: 10)
        #expect(failed.map(\.webhookID) == [completed.webhookID] && failed[0].lastStatusCode == 410)
        #expect(failed[0].eventName == "withdrawal.completed" && failed[0].state == .failed)
        #expect(try await store.callbacks(failedOnly: false, limit: 10).count == 2)
        try await store.retryCallback(webhookID: completed.webhookID, atMilliseconds: 30_000)
        due = try await store.claimDueCallbacks(
            atMilliseconds: 30_000, leaseMilliseconds: 10_000, limit: 10, perMerchantMax: 10, inFlight: [:])
        #expect(due.map(\.webhookID) == [completed.webhookID] && due[0].firstAttemptAtMilliseconds == 30_000)
        await #expect(throws: StoreError.callbackNotFound("evt_none")) {
            try await store.retryCallback(webhookID: "evt_none", atMilliseconds: 1)
        }
    }

    @Test func eventsPageOldestFirstFromACursorAndOnlyTheMerchantsOwn() async throws {
        let other = try await store.createMerchant(
            slug: "other", settings: MerchantSettings(), sealedSecret: [4], atMilliseconds: 1_000)
        var names: [String] = []
        for index in 0..<5 {
            _ = try await create(.deposit, "d-\(index)")
            names.append(try await change("dep_d-\(index)", .complete).webhookID)
        }
        let first = try await store.events(merchantID: merchant.id, after: nil, limit: 2)
        #expect(first.hasMore && first.lastWebhookID == names[1] && first.payloads.count == 2)
        let rest = try await store.events(merchantID: merchant.id, after: first.lastWebhookID, limit: 10)
        #expect(!rest.hasMore && rest.lastWebhookID == names[4] && rest.payloads.count == 3)
        #expect(try await store.events(merchantID: other.id, after: nil, limit: 10).payloads.isEmpty)
        await #expect(throws: StoreError.eventNotFound(names[0])) {
            try await store.events(merchantID: other.id, after: names[0], limit: 10)
        }
    }
}

extension LifecycleStoreTests {
    @Test func verifyFindsAnOrderWhoseSettlementDoesNotMatchItsStatus() async throws {
        _ = try await create(.deposit, "paid")
        _ = try await create(.deposit, "unpaid")
        try await change("dep_paid", .complete)
        #expect(try await store.verifyLedger().differences.isEmpty)
        try await store.writer.write { connection in
            try connection.query("UPDATE orders SET status = 'completed' WHERE id = 'dep_unpaid'")
            try connection.query("UPDATE orders SET status = 'pending' WHERE id = 'dep_paid'")
        }
        #expect(
            try await store.verifyLedger().differences == [
                "dep_paid is pending but has 1 settlements (needs none)",
                "dep_unpaid is completed but has 0 settlements (needs one deposit_completed)",
            ])
    }
}

extension LifecycleStoreTests {
    @Test func onlyTheLatestClaimsAttemptDecidesWhatFollows() async throws {
        _ = try await create(.deposit, "d-1", callbackURL: "http://127.0.0.1:9/a")
        let event = try await change("dep_d-1", .complete, at: 3_000)
        let first = try await store.claimDueCallbacks(
            atMilliseconds: 4_000, leaseMilliseconds: 1_000, limit: 1, perMerchantMax: 1, inFlight: [:])
        // The lease ran out (a stalled write, say): claimed again while the first attempt is still out.
        let second = try await store.claimDueCallbacks(
            atMilliseconds: 5_000, leaseMilliseconds: 1_000, limit: 1, perMerchantMax: 1, inFlight: [:])
        #expect(first.map(\.webhookID) == [event.webhookID] && second.map(\.webhookID) == [event.webhookID])
        try await store.recordCallbackAttempt(
            second[0], CallbackAttempt(atMilliseconds: 5_001, statusCode: 200, latencyMilliseconds: 1, error: nil),
            outcome: .delivered)
        // The first attempt ends late and badly: kept in the history, but it changes nothing.
        try await store.recordCallbackAttempt(
            first[0], CallbackAttempt(atMilliseconds: 5_002, statusCode: nil, latencyMilliseconds: 1_002, error: "t"),
            outcome: .retry(atMilliseconds: 9_000))
        var record = try #require(try await store.callbacks(failedOnly: false, limit: 1).first)
        #expect(record.state == .delivered && record.attemptCount == 1)

        try await store.retryCallback(webhookID: event.webhookID, atMilliseconds: 6_000)
        record = try #require(try await store.callbacks(failedOnly: false, limit: 1).first)
        #expect(record.state == .pending && record.attemptCount == 0, "a fresh schedule counts from none")
        let resent = try await store.claimDueCallbacks(
            atMilliseconds: 6_000, leaseMilliseconds: 1_000, limit: 1, perMerchantMax: 1, inFlight: [:])
        #expect(resent.first?.attemptCount == 0 && resent.first?.firstAttemptAtMilliseconds == 6_000)
    }
}

extension LifecycleStoreTests {
    @Test func merchantsTakeTurnsAndABusyMerchantWaitsForRoom() async throws {
        let other = try await store.createMerchant(
            slug: "other", settings: MerchantSettings(), sealedSecret: [4], atMilliseconds: 1_000)
        for index in 0..<5 {
            _ = try await create(.deposit, "busy-\(index)", callbackURL: "http://127.0.0.1:9/slow")
            try await change("dep_busy-\(index)", .complete, at: 3_000 + Int64(index))
        }
        var late = Order(
            id: "dep_late", orderID: "late", kind: .deposit, status: .pending, amountMinorUnits: 100, currency: dop,
            feeMinorUnits: 0, callbackURL: "http://127.0.0.1:9/fast", paymentURL: nil, payerDetails: nil,
            environment: .sandbox, failureReason: nil, createdAtMilliseconds: 2_000, updatedAtMilliseconds: 2_000)
        late.expiresAtMilliseconds = 9_000_000
        _ = try await store.createOrder(late, merchantID: other.id, fingerprint: "late") {}
        try await change("dep_late", .complete, at: 3_100)

        let turns = try await store.claimDueCallbacks(
            atMilliseconds: 4_000, leaseMilliseconds: 10_000, limit: 3, perMerchantMax: 16, inFlight: [:])
        #expect(turns.map(\.merchantSlug) == ["shop", "other", "shop"], "the newer merchant does not wait its turn")
        let full = try await store.claimDueCallbacks(
            atMilliseconds: 5_000, leaseMilliseconds: 1_000, limit: 10, perMerchantMax: 2, inFlight: ["shop": 2])
        #expect(full.isEmpty, "shop has its share in flight, and other's callback is out")
        let room = try await store.claimDueCallbacks(
            atMilliseconds: 5_000, leaseMilliseconds: 1_000, limit: 10, perMerchantMax: 3, inFlight: ["shop": 2])
        #expect(room.count == 1 && room[0].merchantSlug == "shop")
    }
}
