import ElMomentoCore
import ElMomentoTestSupport
import Foundation
import Testing

@testable import ElMomentoStore

/// The ledger in SQLite: movements, withdrawals' reservations, the non-negative rule and
/// `verifyLedger`.
@Suite struct LedgerStoreTests {
    let store: SQLiteStore
    let merchant: Merchant
    let dop = Currency(code: "DOP")!

    init() async throws {
        store = try SQLiteStore(path: Self.temporaryPath(), requested: .sandbox)
        merchant = try await store.createMerchant(
            slug: "shop", settings: MerchantSettings(), sealedSecret: [1, 2, 3], atMilliseconds: 1_000)
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("elmomento-ledger-\(UUID().uuidString)/gateway.sqlite").path
    }

    private func withdrawal(_ orderID: String, amount: Int64, fee: Int64 = 0) -> Order {
        Order(
            id: "wd_\(orderID)", orderID: orderID, kind: .withdrawal, status: .pending, amountMinorUnits: amount,
            currency: dop, feeMinorUnits: fee, callbackURL: nil, paymentURL: nil, payerDetails: nil,
            environment: .sandbox, failureReason: nil, createdAtMilliseconds: 2_000, updatedAtMilliseconds: 2_000)
    }

    private func credit(_ amount: Int64) async throws -> BalanceSheet {
        try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1_500) { merchant in
            .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: amount, reason: "float")
        }
    }

    private func balance() async throws -> MerchantBalance {
        try await store.balances(merchantID: merchant.id).first { $0.currency == dop } ?? MerchantBalance(currency: dop)
    }

    @Test func aWithdrawalReservesItsAmountAndFeeOrIsRefusedWithNothingStored() async throws {
        _ = try await credit(10_000)
        let affordable = withdrawal("w-1", amount: 9_000, fee: 1_000)
        #expect(
            try await store.createOrder(affordable, merchantID: merchant.id, fingerprint: "f") {}
                == .created(affordable))
        #expect(
            try await balance() == MerchantBalance(currency: dop, availableMinorUnits: 0, reservedMinorUnits: 10_000))

        let tooMuch = withdrawal("w-2", amount: 1, fee: 0)
        await #expect(
            throws: InsufficientFunds(
                account: .available(merchantID: merchant.id, currency: dop), balanceMinorUnits: 0, neededMinorUnits: 1)
        ) {
            try await store.createOrder(tooMuch, merchantID: merchant.id, fingerprint: "f") {}
        }
        #expect(try await store.order(merchantID: merchant.id, kind: .withdrawal, orderID: "w-2") == nil)
        #expect(try await store.verifyLedger().movementCount == 2)
        // A retry of the reserved one is a replay, whatever the balance now.
        #expect(
            try await store.createOrder(affordable, merchantID: merchant.id, fingerprint: "f") {}
                == .replayed(affordable))
        #expect(try await store.verifyLedger().differences.isEmpty)
    }

    @Test func aDebitNeverTakesTheBalanceBelowZero() async throws {
        _ = try await credit(500)
        await #expect(throws: InsufficientFunds.self) {
            try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1_600) { merchant in
                .debit(merchantID: merchant.id, currency: dop, amountMinorUnits: 501, reason: "refund")
            }
        }
        let sheet = try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1_700) { merchant in
            .debit(merchantID: merchant.id, currency: dop, amountMinorUnits: 500, reason: "refund")
        }
        #expect(sheet.balances == [MerchantBalance(currency: dop)])
        await #expect(throws: StoreError.merchantNotFound("nobody")) {
            try await store.recordMovement(slug: "nobody", reference: nil, atMilliseconds: 1) { _ in
                .credit(merchantID: 1, currency: dop, amountMinorUnits: 1, reason: "x")
            }
        }
    }

    @Test func aReferenceRecordsItsMovementOnce() async throws {
        let other = try await store.createMerchant(
            slug: "other", settings: MerchantSettings(), sealedSecret: [4], atMilliseconds: 1_000)
        let credit = { @Sendable (slug: String, amount: Int64) in
            try await store.recordMovement(slug: slug, reference: "TRF-1", atMilliseconds: 2_000) { [dop] merchant in
                .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: amount, reason: "float")
            }
        }
        _ = try await credit("shop", 500)
        await #expect(throws: StoreError.movementReferenceUsed("TRF-1", bySameMovement: true)) {
            try await credit("shop", 500)
        }
        await #expect(throws: StoreError.movementReferenceUsed("TRF-1", bySameMovement: false)) {
            try await credit("shop", 501)
        }
        // References are the merchant's own.
        _ = try await credit("other", 500)
        #expect(try await balance() == MerchantBalance(currency: dop, availableMinorUnits: 500))
        #expect(
            try await store.balances(merchantID: other.id) == [MerchantBalance(currency: dop, availableMinorUnits: 500)]
        )
    }

    @Test func theDatabaseRefusesANegativeMerchantBalanceWhateverTheCode() async throws {
        _ = try await credit(100)
        let connection = try SQLiteConnection(path: store.path)
        #expect(throws: SQLiteError.self) {
            try connection.execute("UPDATE ledger_accounts SET balance = -1 WHERE merchant_id IS NOT NULL")
        }
    }

    @Test func verifyReportsEveryKindOfDifferencePlantedInTheDatabase() async throws {
        _ = try await credit(1_000)
        _ = try await store.createOrder(withdrawal("w-1", amount: 300), merchantID: merchant.id, fingerprint: "f") {}
        #expect(try await store.verifyLedger().differences.isEmpty)
        let connection = try SQLiteConnection(path: store.path)
        try connection.execute(
            "UPDATE ledger_accounts SET balance = balance + 1 WHERE name = 'available';"
                + "UPDATE ledger_postings SET amount = amount + 5 WHERE id = (SELECT min(id) FROM ledger_postings);"
                + "UPDATE orders SET amount = 200 WHERE order_id = 'w-1';")
        let differences = try await store.verifyLedger().differences
        #expect(differences.count == 5, "\(differences)")
        #expect(differences.contains { $0 == "withdrawal wd_w-1: holds 200 but 1 reservations set aside 300" })
        #expect(differences.contains { $0.contains("available DOP): balance 701 but its postings sum to 700") })
        #expect(
            differences.contains { $0.contains("gateway funding DOP): balance -1000 but its postings sum to -995") })
        #expect(differences.contains { $0.contains("movement 1 (balance_credit): 2 postings summing to 5") })
        #expect(differences.contains { $0.contains("reserved 300 but its open withdrawals hold 200") })
    }

    /// Random credits, debits and withdrawals, some refused: after every step the balances
    /// are the model's, never negative, and the ledger verifies.
    @Test(arguments: [1, 2, 3])
    func randomMovementsKeepBalancesEqualToThePostingsAndNeverNegative(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        var available: Int64 = 0
        var reserved: Int64 = 0
        for step in 0..<120 {
            let amount = Int64.random(in: 1...5_000, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                _ = try await credit(amount)
                available += amount
            case 1:
                let outcome = await Result {
                    try await store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 2_000) { merchant in
                        .debit(merchantID: merchant.id, currency: dop, amountMinorUnits: amount, reason: "correction")
                    }
                }
                #expect((try? outcome.get()) != nil || amount > available)
                if amount <= available { available -= amount }
            default:
                let fee = Int64.random(in: 0...100, using: &random)
                let order = withdrawal("w-\(step)", amount: amount, fee: fee)
                let outcome = await Result {
                    try await store.createOrder(order, merchantID: merchant.id, fingerprint: "f") {}
                }
                #expect((try? outcome.get()) == .created(order) || amount + fee > available)
                if amount + fee <= available {
                    available -= amount + fee
                    reserved += amount + fee
                }
            }
            #expect(
                try await balance()
                    == MerchantBalance(currency: dop, availableMinorUnits: available, reservedMinorUnits: reserved))
            #expect(try await store.verifyLedger().differences.isEmpty)
        }
    }

    /// Writes sent together share commits; one that is refused undoes only itself.
    @Test func concurrentWithdrawalsTakeExactlyWhatIsAvailable() async throws {
        _ = try await credit(10_000)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<60 {
                group.addTask { [store, merchant] in
                    let order = self.withdrawal("c-\(index)", amount: 700, fee: 300)
                    return (try? await store.createOrder(order, merchantID: merchant.id, fingerprint: "f") {}) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 10)
        #expect(
            try await balance() == MerchantBalance(currency: dop, availableMinorUnits: 0, reservedMinorUnits: 10_000))
        let page = try await store.orders(
            merchantID: merchant.id, kind: .withdrawal, matching: OrderListQuery(limit: 100))
        #expect(page.orders.count == 10)
        #expect(try await store.verifyLedger().differences.isEmpty)
    }
}

extension Result where Failure == any Error {
    /// The outcome of `body`, success or error.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
