import ElMomentoStore
import ElMomentoTestSupport
import Foundation
import Testing

/// Withdrawals, balances and the double-entry ledger on the real binary (SPEC 3.2, 3.3, 5, 8):
/// a merchant reserves from what an operator funded and never more, whatever the
/// interleaving, and `admin ledger verify` agrees with every answer given.
///
/// Amounts are DOP in minor units, and the fees and counts are worked out here from SPEC 5's
/// rule, so each expectation follows from the numbers the test starts with.
@Suite struct LedgerAndWithdrawalTests {
    let database = GatewayProcess.temporaryDatabasePath()
    /// 1% plus 1.00, on every withdrawal of the merchants that pay one.
    private let fee = WithdrawalFee(basisPoints: 100, fixedMinorUnits: 1_00)

    @Test func concurrentWithdrawalsReserveExactlyWhatTheBalanceAffords() async throws {
        let funded: Int64 = 1_000_00
        let amount: Int64 = 100_00
        let attempts = 50
        let each = amount + fee.on(amount)
        let affordable = Int(funded / each)
        try #require(affordable > 0 && affordable < attempts, "the race must have winners and losers")
        let secret = try await createMerchant("racer", fee.options)
        try await credit("racer", funded)

        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "racer", secret: secret)
            // Meanwhile a reader: whatever moment it sees, nothing is lost, doubled or below zero.
            async let seenDuringTheRace = balanceSnapshots(of: client, count: 10)
            // Each create on a connection of its own, all at once.
            let responses = try await withThrowingTaskGroup(of: (String, RawResponse).self) { group in
                for index in 0..<attempts {
                    group.addTask {
                        let orderID = "payout-\(index)"
                        return (
                            orderID,
                            try await client.createWithdrawal(orderID: orderID, amount: TwoDecimals.text(amount))
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for seen in try await seenDuringTheRace {
                #expect(seen.available >= 0 && seen.reserved >= 0, "\(seen)")
                #expect(seen.available + seen.reserved == funded, "\(seen)")
                #expect(seen.reserved % each == 0, "\(seen)")
            }
            let created = responses.filter { $0.1.status == 201 }
            let refused = responses.filter { $0.1.status == 422 }
            #expect(created.count == affordable)
            #expect(refused.count == attempts - affordable)
            for (orderID, response) in created {
                expectPendingWithdrawal(response, orderID: orderID, amount: amount, fee: each - amount)
            }
            for (_, response) in refused {
                #expect(response.error?["code"] as? String == "insufficient_funds")
                #expect(response.error?["field"] as? String == "amount")
            }

            let reserved = Int64(affordable) * each
            let expected = ["DOP": Balance(available: funded - reserved, reserved: reserved), "USD": .zero]
            let served = try await balances(of: client)
            #expect(served == expected)
            #expect(served.values.allSatisfy { $0.available >= 0 && $0.reserved >= 0 })
            let printed = try await balancesFromCommandLine("racer")
            #expect(printed == expected)

            let listed = try await withdrawalOrderIDs(of: client)
            #expect(listed.count == affordable)
            #expect(Set(listed) == Set(created.map(\.0)))
            let deposits = try await client.send("GET", client.ordersPath())
            #expect((deposits.json?["data"] as? [Any])?.isEmpty == true, "withdrawals are not deposits")

            let verified = try await verifyLedger()
            #expect(verified.status == 0)
            #expect(verified.report["clean"] as? Bool == true)
            #expect(verified.report["movements"] as? Int == 1 + affordable, "the credit and each reservation")
        }
    }

    @Test func aWithdrawalThatOnlyItsFeeTakesOverTheBalanceIsRefusedAndLeavesNothing() async throws {
        let secret = try await createMerchant("tipped", fee.options)
        try await credit("tipped", 150_00)
        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "tipped", secret: secret)
            let first: Int64 = 10_00
            let firstCreated = try await client.createWithdrawal(orderID: "first", amount: TwoDecimals.text(first))
            #expect(firstCreated.status == 201)
            let before = try await balances(of: client)
            let movementsBefore = try await verifyLedger().report["movements"] as? Int
            let available = try #require(before["DOP"]).available
            // The whole available balance: the amount alone fits, the fee does not.
            let amount = available
            let needed = amount + fee.on(amount)
            try #require(amount <= available && needed > available)

            let refused = try await client.createWithdrawal(orderID: "tipped-over", amount: TwoDecimals.text(amount))
            #expect(refused.status == 422)
            #expect(refused.error?["code"] as? String == "insufficient_funds")
            #expect(refused.error?["field"] as? String == "amount")
            let lookup = try await client.send("GET", client.withdrawalOrdersPath("tipped-over/"))
            #expect(lookup.status == 404)
            #expect(lookup.error?["code"] as? String == "order_not_found")
            let listedAfterRefusal = try await withdrawalOrderIDs(of: client)
            #expect(listedAfterRefusal == ["first"])
            let afterRefusal = try await balances(of: client)
            #expect(afterRefusal == before)
            let movementsAfterRefusal = try await verifyLedger().report["movements"] as? Int
            #expect(movementsAfterRefusal == movementsBefore, "a refused withdrawal records no movement")

            // Funded by the shortfall, the same orderID is new: it was never taken.
            try await credit("tipped", needed - available)
            let created = try await client.createWithdrawal(orderID: "tipped-over", amount: TwoDecimals.text(amount))
            #expect(created.status == 201)
            #expect(created.header("Idempotent-Replayed") == nil)
            expectPendingWithdrawal(created, orderID: "tipped-over", amount: amount, fee: needed - amount)
            let reserved = try #require(before["DOP"]).reserved + needed
            let afterCreate = try await balances(of: client)
            #expect(afterCreate["DOP"] == Balance(available: 0, reserved: reserved))
            let listed = try await withdrawalOrderIDs(of: client)
            #expect(listed == ["tipped-over", "first"])
            let verified = try await verifyLedger()
            #expect(verified.status == 0, "\(verified.report)")
        }
    }

    @Test func aReplayedWithdrawalReservesNothingMoreAndADepositMayShareItsOrderID() async throws {
        let amount: Int64 = 100_00
        let needed = amount + fee.on(amount)
        let secret = try await createMerchant("twins", fee.options)
        // Exactly one withdrawal's worth: anything reserved twice could not be.
        try await credit("twins", needed)
        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "twins", secret: secret)
            let created = try await client.createWithdrawal(orderID: "twin-1", amount: TwoDecimals.text(amount))
            #expect(created.status == 201)
            let spent = ["DOP": Balance(available: 0, reserved: needed), "USD": .zero]
            let afterCreate = try await balances(of: client)
            #expect(afterCreate == spent)

            // With nothing left available, the orderID's rule still answers first.
            let replayed = try await client.createWithdrawal(orderID: "twin-1", amount: TwoDecimals.text(amount))
            #expect(replayed.status == 200)
            #expect(replayed.header("Idempotent-Replayed") == "true")
            #expect(replayed.json?["id"] as? String == created.json?["id"] as? String)
            let conflicting = try await client.createWithdrawal(orderID: "twin-1", amount: TwoDecimals.text(amount / 2))
            #expect(conflicting.status == 409)
            #expect(conflicting.error?["code"] as? String == "order_id_conflict")
            let afterRepeats = try await balances(of: client)
            #expect(afterRepeats == spent, "neither the replay nor the conflict reserves")

            let deposit = try await client.createDeposit(orderID: "twin-1", amount: TwoDecimals.text(amount))
            #expect(deposit.status == 201)
            #expect((deposit.json?["id"] as? String)?.hasPrefix("dep_") == true)
            let withdrawal = try await client.send("GET", client.withdrawalOrdersPath("twin-1/"))
            #expect(withdrawal.json?["id"] as? String == created.json?["id"] as? String)
            let depositShown = try await client.send("GET", client.ordersPath("twin-1/"))
            #expect(depositShown.json?["id"] as? String == deposit.json?["id"] as? String)
            let onlyDeposit = try await client.createDeposit(orderID: "only-deposit")
            #expect(onlyDeposit.status == 201)
            let notAWithdrawal = try await client.send("GET", client.withdrawalOrdersPath("only-deposit/"))
            #expect(notAWithdrawal.error?["code"] as? String == "order_not_found")
            let afterDeposits = try await balances(of: client)
            #expect(afterDeposits == spent, "a pending deposit moves no money")

            let verified = try await verifyLedger()
            #expect(verified.status == 0)
            #expect(verified.report["movements"] as? Int == 2, "the credit and one reservation")
        }
    }

    /// Ways to change the database behind the gateway's back, each of which verify must report.
    enum Tampering: String, CaseIterable {
        /// A merchant's available balance no longer the sum of its postings.
        case accountBalance
        /// A reservation's posting changed: its movement no longer sums to zero.
        case postingAmount
    }

    @Test(arguments: Tampering.allCases)
    func ledgerVerifyReportsADifferencePlantedInTheDatabase(_ tampering: Tampering) async throws {
        let funded: Int64 = 500_00
        let amount: Int64 = 100_00
        let reserved = amount + fee.on(amount)
        let available = funded - reserved
        let secret = try await createMerchant("audited", fee.options)
        try await credit("audited", funded)
        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "audited", secret: secret)
            let created = try await client.createWithdrawal(orderID: "audit-1", amount: TwoDecimals.text(amount))
            #expect(created.status == 201)
        }
        let clean = try await admin(["ledger", "verify"])
        #expect(clean.status == 0)
        #expect(clean.standardOutput.hasPrefix("Ledger clean"), "\(clean.standardOutput)")

        let (sql, expectedLines) = plant(tampering, available: available, reserved: reserved)
        let changed = try await changedRowCount(sql)
        #expect(changed == 1)

        let dirty = try await admin(["ledger", "verify"])
        #expect(dirty.status == 1)
        let lines = dirty.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "Ledger differences (\(expectedLines.count)):", "\(dirty.standardOutput)")
        #expect(lines.count == 1 + expectedLines.count, "\(dirty.standardOutput)")
        for expected in expectedLines {
            #expect(lines.contains { $0.contains(expected) }, "\(expected) in: \(dirty.standardOutput)")
        }
        let verified = try await verifyLedger()
        #expect(verified.status == 1)
        #expect(verified.report["clean"] as? Bool == false)
        #expect((verified.report["differences"] as? [String])?.count == expectedLines.count)
    }

    /// The statement that plants `tampering`, and what each line verify prints of it must contain.
    private func plant(_ tampering: Tampering, available: Int64, reserved: Int64) -> (String, [String]) {
        let account = { (name: String) in
            "SELECT id FROM ledger_accounts WHERE name = '\(name)' AND currency = 'DOP' "
                + "AND merchant_id = (SELECT id FROM merchants WHERE slug = 'audited')"
        }
        switch tampering {
        case .accountBalance:
            return (
                "UPDATE ledger_accounts SET balance = balance + 1 WHERE id = (\(account("available"))) RETURNING id",
                ["available DOP): balance \(available + 1) but its postings sum to \(available)"]
            )
        case .postingAmount:
            return (
                "UPDATE ledger_postings SET amount = amount + 1 WHERE account_id = (\(account("reserved"))) "
                    + "RETURNING id",
                [
                    "reserved DOP): balance \(reserved) but its postings sum to \(reserved + 1)",
                    "(withdrawal_reserved): 2 postings summing to 1 in 1 currencies",
                    "holds \(reserved) but 1 reservations set aside \(reserved + 1)",
                ]
            )
        }
    }

    @Test func aDebitBeyondTheAvailableBalanceExitsWithStatus1AndRecordsNothing() async throws {
        _ = try await createMerchant("shop")
        try await credit("shop", 50_00)
        let funded = ["DOP": Balance(available: 50_00, reserved: 0), "USD": .zero]
        for (currency, amount) in [("DOP", "50.01"), ("USD", "0.01")] {
            let refused = try await admin(adjustment("debit", "shop", currency: currency, amount: amount))
            #expect(refused.status == 1, "\(currency) \(amount)")
            #expect(refused.standardError.contains("nothing was recorded"), "\(refused.standardError)")
            let printed = try await balancesFromCommandLine("shop")
            #expect(printed == funded)
        }
        let movements = try await verifyLedger().report["movements"] as? Int
        #expect(movements == 1, "the credit alone")

        // Down to zero exactly is allowed.
        let allowed = try await admin(adjustment("debit", "shop", currency: "DOP", amount: "50"))
        #expect(allowed.status == 0, "\(allowed.standardError)")
        let emptied = try await balancesFromCommandLine("shop")
        #expect(emptied == ["DOP": .zero, "USD": .zero])
        let verified = try await verifyLedger()
        #expect(verified.status == 0, "\(verified.report)")
    }

    @Test func aCreditRepeatedWithItsReferenceIsRecordedOnce() async throws {
        _ = try await createMerchant("shop")
        let transfer =
            adjustment("credit", "shop", currency: "DOP", amount: "75.50") + ["--reference", "TRF-2026-0042"]
        let first = try await admin(transfer)
        #expect(first.status == 0, "\(first.standardError)")
        let again = try await admin(transfer)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput.contains("Already recorded with reference TRF-2026-0042"))
        let otherAmount = try await admin(
            adjustment("credit", "shop", currency: "DOP", amount: "80") + ["--reference", "TRF-2026-0042"])
        #expect(otherAmount.status == 2)
        #expect(otherAmount.standardError.contains("already used by a different movement"))
        #expect(
            try await balancesFromCommandLine("shop") == ["DOP": Balance(available: 75_50, reserved: 0), "USD": .zero])
        #expect(try await verifyLedger().report["movements"] as? Int == 1)
    }

    @Test(arguments: [
        (adjustment("credit", "shop", currency: "XYZ", amount: "10"), "--currency must be an ISO 4217 code"),
        (adjustment("credit", "shop", currency: "DOP", amount: "1.001"), "--amount must be"),
        (adjustment("debit", "shop", currency: "DOP", amount: "0"), "--amount must be"),
        (adjustment("credit", "shop", currency: "DOP", amount: "10", reason: nil), "--reason is required"),
        (adjustment("credit", "shop", currency: "DOP", amount: "10", reason: "   "), "--reason is required"),
        (adjustment("credit", "nobody", currency: "DOP", amount: "10"), "no merchant is named"),
        (adjustment("debit", "nobody", currency: "DOP", amount: "10"), "no merchant is named"),
        (adjustment("credit", "shop", currency: "EUR", amount: "10"), "EUR is not enabled for shop"),
        (adjustment("credit", "shop", currency: "DOP", amount: "10") + ["--reference", "two words"], "--reference"),
    ])
    func badBalanceAdjustmentsExitWithStatus2AndRecordNothing(_ arguments: [String], _ expected: String)
        async throws
    {
        _ = try await createMerchant("shop")
        try await credit("shop", 50_00)
        let result = try await admin(arguments)
        #expect(result.status == 2)
        #expect(result.standardError.contains(expected), "stderr: \(result.standardError)")
        let printed = try await balancesFromCommandLine("shop")
        #expect(printed == ["DOP": Balance(available: 50_00, reserved: 0), "USD": .zero])
        let movements = try await verifyLedger().report["movements"] as? Int
        #expect(movements == 1, "the credit alone")
    }

    @Test func aMerchantWithNothingPostedHasZeroBalancesInEveryEnabledCurrency() async throws {
        _ = try await createMerchant("fresh")
        let shown = try await admin(["balance", "fresh"])
        #expect(shown.status == 0, "\(shown.standardError)")
        let rows = shown.standardOutput.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
        #expect(rows == [["DOP", "0", "0"], ["USD", "0", "0"]], "\(shown.standardOutput)")
        let printed = try await balancesFromCommandLine("fresh")
        #expect(printed == ["DOP": .zero, "USD": .zero])
    }

    @Test func anOperatorsCreditIsSeenByTheRunningServerAtOnce() async throws {
        let amount: Int64 = 250_00
        let needed = amount + fee.on(amount)
        let secret = try await createMerchant("late", fee.options)
        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "late", secret: secret)
            let unfunded = try await balances(of: client)
            #expect(unfunded == ["DOP": .zero, "USD": .zero])
            let refused = try await client.createWithdrawal(orderID: "late-1", amount: TwoDecimals.text(amount))
            #expect(refused.status == 422)
            #expect(refused.error?["code"] as? String == "insufficient_funds")

            try await credit("late", needed)
            // No waiting and no retry: the next request sees the credit.
            let funded = try await balances(of: client)
            #expect(funded["DOP"] == Balance(available: needed, reserved: 0))
            let created = try await client.createWithdrawal(orderID: "late-1", amount: TwoDecimals.text(amount))
            #expect(created.status == 201)
            let reserved = try await balances(of: client)
            #expect(reserved["DOP"] == Balance(available: 0, reserved: needed))
        }
    }

    // MARK: - Operator and merchant helpers

    /// Runs `elmomento admin …` on this test's database.
    private func admin(_ arguments: [String]) async throws -> CommandResult {
        try await runElmomento(["admin"] + arguments + ["--database", database])
    }

    /// Creates the merchant `slug` with `options` and returns its secret.
    private func createMerchant(_ slug: String, _ options: [String] = []) async throws -> String {
        let result = try await admin(["merchant", "create", slug, "--json"] + options)
        try #require(result.status == 0, "merchant create: \(result.standardError.redactingSecrets)")
        return try #require(jsonObject(result.standardOutput)?["secret"] as? String)
    }

    /// Records a top-up of `minorUnits` DOP for `slug`, as an operator does on a bank transfer.
    private func credit(_ slug: String, _ minorUnits: Int64) async throws {
        let result = try await admin(adjustment("credit", slug, currency: "DOP", amount: TwoDecimals.text(minorUnits)))
        try #require(result.status == 0, "balance credit: \(result.standardError)")
    }

    /// `admin balance SLUG --json`, by currency.
    private func balancesFromCommandLine(_ slug: String) async throws -> [String: Balance] {
        let result = try await admin(["balance", slug, "--json"])
        try #require(result.status == 0, "admin balance: \(result.standardError)")
        return try #require(Balance.all(in: jsonObject(result.standardOutput)), "\(result.standardOutput)")
    }

    /// `admin ledger verify --json`: how it exited and what it reported.
    private func verifyLedger() async throws -> (status: Int32, report: [String: Any]) {
        let result = try await admin(["ledger", "verify", "--json"])
        return (result.status, try #require(jsonObject(result.standardOutput), "\(result.standardOutput)"))
    }

    /// Runs `sql` on the database file itself, bypassing the gateway, and returns how many rows
    /// it returned (its `RETURNING` clause says which it changed).
    private func changedRowCount(_ sql: String) async throws -> Int {
        try await onOwnThread { [database] in
            try SQLiteConnection(path: database).query(sql).count
        }
    }

    /// `GET …/balance/`, by currency.
    private func balances(of client: MerchantClient) async throws -> [String: Balance] {
        let response = try await client.send("GET", client.balancePath)
        try #require(response.status == 200, "\(response.bodyText)")
        return try #require(Balance.all(in: response.json), "\(response.bodyText)")
    }

    /// The DOP balance `count` times in a row, as `GET …/balance/` answers it.
    private func balanceSnapshots(of client: MerchantClient, count: Int) async throws -> [Balance] {
        var snapshots: [Balance] = []
        for _ in 0..<count {
            snapshots.append(try #require(try await balances(of: client)["DOP"]))
        }
        return snapshots
    }

    /// Every withdrawal's orderID, newest first, through every page of the list.
    private func withdrawalOrderIDs(of client: MerchantClient) async throws -> [String] {
        var orderIDs: [String] = []
        var cursor: String?
        repeat {
            let page = try await client.send(
                "GET", client.withdrawalOrdersPath("?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")))
            try #require(page.status == 200, "\(page.bodyText)")
            let data = try #require(page.json?["data"] as? [[String: Any]])
            orderIDs += data.compactMap { $0["orderID"] as? String }
            cursor = page.json?["next_cursor"] as? String
        } while cursor != nil
        return orderIDs
    }

    /// Checks that `response` is a new withdrawal's order object (SPEC 3.3).
    private func expectPendingWithdrawal(_ response: RawResponse, orderID: String, amount: Int64, fee: Int64) {
        let order = response.json
        #expect(order?["orderID"] as? String == orderID)
        #expect(order?["type"] as? String == "withdrawal")
        #expect(order?["status"] as? String == "pending")
        #expect((order?["id"] as? String)?.hasPrefix("wd_") == true)
        #expect(TwoDecimals.minorUnits(order?["amount"]) == amount)
        #expect(TwoDecimals.minorUnits(order?["fee"]) == fee)
        #expect(order?.keys.contains("payment_url") == false, "withdrawals have no payment page")
    }
}

/// `admin balance credit|debit SLUG --currency C --amount A --reason R` (without `--reason`
/// when `reason` is `nil`).
private func adjustment(
    _ word: String, _ slug: String, currency: String, amount: String, reason: String? = "bank transfer received"
) -> [String] {
    ["balance", word, slug, "--currency", currency, "--amount", amount] + (reason.map { ["--reason", $0] } ?? [])
}

/// `text` parsed as a JSON object, as a command's `--json` output is.
private func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

/// A withdrawal fee as `admin merchant create` takes it, and what it comes to: SPEC 5's rule
/// (basis points of the amount rounded half up to the minor unit, plus a fixed part), worked
/// out here apart from the gateway's own code.
private struct WithdrawalFee: Sendable {
    let basisPoints: Int64
    let fixedMinorUnits: Int64

    var options: [String] {
        ["--withdrawal-fee-bps", String(basisPoints), "--withdrawal-fee-fixed", TwoDecimals.text(fixedMinorUnits)]
    }

    /// The fee on a withdrawal of `amountMinorUnits`.
    func on(_ amountMinorUnits: Int64) -> Int64 {
        (amountMinorUnits * basisPoints + 5_000) / 10_000 + fixedMinorUnits
    }
}

/// One currency's balance as the API and `admin balance --json` write it, in minor units.
private struct Balance: Equatable, CustomStringConvertible {
    var available: Int64
    var reserved: Int64

    static let zero = Balance(available: 0, reserved: 0)

    var description: String { "available \(available), reserved \(reserved)" }

    /// The entries of `{"balances": [...]}` by currency; `nil` unless it is one, with each
    /// currency once.
    static func all(in json: [String: Any]?) -> [String: Balance]? {
        guard let entries = json?["balances"] as? [[String: Any]] else { return nil }
        var balances: [String: Balance] = [:]
        for entry in entries {
            guard let currency = entry["currency"] as? String, balances[currency] == nil,
                let available = TwoDecimals.minorUnits(entry["available"]),
                let reserved = TwoDecimals.minorUnits(entry["reserved"])
            else { return nil }
            balances[currency] = Balance(available: available, reserved: reserved)
        }
        return balances
    }
}

/// Amounts of DOP and USD (two decimals each) as whole minor units, so the test's arithmetic is exact.
private enum TwoDecimals {
    /// `123456` → `"1234.56"`, as an operator or a merchant writes it.
    static func text(_ minorUnits: Int64) -> String {
        let cents = minorUnits % 100
        return "\(minorUnits / 100)." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// A JSON number the gateway wrote in major units (`82`, `0.5`), in minor units.
    static func minorUnits(_ value: Any?) -> Int64? {
        if let whole = value as? Int { return Int64(whole) * 100 }
        if let fraction = value as? Double { return Int64((fraction * 100).rounded()) }
        return nil
    }
}
