import ElMomentoCore

extension SQLiteStore {
    public func balances(merchantID: Int64) async throws -> [MerchantBalance] {
        try await readers.read { connection in try Self.balances(merchantID: merchantID, on: connection) }
    }

    public func balanceSheet(slug: String) async throws -> BalanceSheet? {
        try await readers.read { connection in
            try Self.merchant(slug: slug, on: connection).map { merchant in
                BalanceSheet(merchant: merchant, balances: try Self.balances(merchantID: merchant.id, on: connection))
            }
        }
    }

    public func recordMovement(
        slug: String, reference: String?, atMilliseconds now: Int64,
        _ movement: @escaping @Sendable (Merchant) throws -> LedgerMovement
    ) async throws -> BalanceSheet {
        try await writer.write { connection in
            guard let merchant = try Self.merchant(slug: slug, on: connection) else {
                throw StoreError.merchantNotFound(slug)
            }
            let movement = try movement(merchant)
            if let reference {
                try Self.refuseUsedReference(reference, for: movement, on: connection)
            }
            try connection.record(movement, reference: reference, atMilliseconds: now)
            return BalanceSheet(
                merchant: merchant, balances: try Self.balances(merchantID: merchant.id, on: connection))
        }
    }

    public func verifyLedger() async throws -> LedgerReport {
        try await readers.read { connection in
            // One read transaction, so that every check sees the same moment.
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let counts = try connection.query(
                "SELECT (SELECT count(*) FROM ledger_accounts), (SELECT count(*) FROM ledger_movements)")[0]
            return LedgerReport(
                accountCount: Int(counts[0].integer ?? 0), movementCount: Int(counts[1].integer ?? 0),
                differences: try Self.accountDifferences(on: connection) + Self.movementDifferences(on: connection)
                    + Self.reservationDifferences(on: connection) + Self.openWithdrawalDifferences(on: connection)
                    + Self.settlementDifferences(on: connection))
        }
    }

    /// Throws `StoreError.movementReferenceUsed` when the merchant has a movement with
    /// `reference`, telling whether it is `movement` again (same kind, currency and amount).
    private static func refuseUsedReference(
        _ reference: String, for movement: LedgerMovement, on connection: SQLiteConnection
    ) throws {
        let recorded = try connection.query(
            """
            SELECT m.kind, a.currency, p.amount FROM ledger_movements m
            JOIN ledger_postings p ON p.movement_id = m.id AND p.amount > 0
            JOIN ledger_accounts a ON a.id = p.account_id
            WHERE m.merchant_id = ? AND m.reference = ?
            """,
            [.integer(movement.merchantID), .text(reference)])
        guard let row = recorded.first else { return }
        let credited = movement.postings.first { $0.amountMinorUnits > 0 }
        let isSame =
            recorded.count == 1 && row[0].text == movement.kind.rawValue
            && row[1].text == credited?.account.currency.code && row[2].integer == credited?.amountMinorUnits
        throw StoreError.movementReferenceUsed(reference, bySameMovement: isSame)
    }

    static func balances(merchantID: Int64, on connection: SQLiteConnection) throws -> [MerchantBalance] {
        var balances: [String: MerchantBalance] = [:]
        let rows = try connection.query(
            "SELECT currency, name, balance FROM ledger_accounts WHERE coalesce(merchant_id, 0) = ?",
            [.integer(merchantID)])
        for row in rows {
            guard let code = row[0].text, let currency = Currency(code: code), let balance = row[2].integer else {
                throw StoreError.corruptRow(table: "ledger_accounts", id: "\(merchantID)")
            }
            var entry = balances[code] ?? MerchantBalance(currency: currency)
            if row[1].text == LedgerAccount.Name.reserved.rawValue {
                entry.reservedMinorUnits = balance
            } else {
                entry.availableMinorUnits = balance
            }
            balances[code] = entry
        }
        return balances.values.sorted { $0.currency.code < $1.currency.code }
    }

    /// Accounts whose balance is not the sum of their postings, and merchant accounts below zero.
    private static func accountDifferences(on connection: SQLiteConnection) throws -> [String] {
        let rows = try connection.query(
            """
            SELECT a.id, a.merchant_id, a.name, a.currency, a.balance, coalesce(p.total, 0)
            FROM ledger_accounts a
            LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_postings GROUP BY account_id) p
                ON p.account_id = a.id
            WHERE a.balance != coalesce(p.total, 0) OR (a.merchant_id IS NOT NULL AND a.balance < 0)
            ORDER BY a.id
            """)
        return rows.map { row in
            let owner = row[1].integer.map { "merchant \($0)" } ?? "gateway"
            let account = "account \(row[0].integer ?? 0) (\(owner) \(row[2].text ?? "?") \(row[3].text ?? "?"))"
            let balance = row[4].integer ?? 0
            let total = row[5].integer ?? 0
            guard balance == total else { return "\(account): balance \(balance) but its postings sum to \(total)" }
            return "\(account): balance \(balance) is below zero"
        }
    }

    /// Movements whose postings do not sum to zero, have fewer than two sides, or mix currencies.
    private static func movementDifferences(on connection: SQLiteConnection) throws -> [String] {
        let rows = try connection.query(
            """
            SELECT m.id, m.kind, count(p.id), coalesce(sum(p.amount), 0), count(DISTINCT a.currency)
            FROM ledger_movements m
            LEFT JOIN ledger_postings p ON p.movement_id = m.id
            LEFT JOIN ledger_accounts a ON a.id = p.account_id
            GROUP BY m.id
            HAVING count(p.id) < 2 OR coalesce(sum(p.amount), 0) != 0 OR count(DISTINCT a.currency) > 1
            ORDER BY m.id
            """)
        return rows.map { row in
            "movement \(row[0].integer ?? 0) (\(row[1].text ?? "?")): \(row[2].integer ?? 0) postings summing to "
                + "\(row[3].integer ?? 0) in \(row[4].integer ?? 0) currencies"
        }
    }

    /// The statuses in which a withdrawal holds its reservation (SPEC 4), as SQL.
    private static let openWithdrawalStatuses = "('pending', 'processing')"

    /// Merchants whose reserved balance is not what their open withdrawals hold.
    private static func reservationDifferences(on connection: SQLiteConnection) throws -> [String] {
        let rows = try connection.query(
            """
            WITH held AS (
                SELECT merchant_id, currency, sum(amount + fee) AS total FROM orders
                WHERE kind = 'withdrawal' AND status IN \(openWithdrawalStatuses)
                GROUP BY merchant_id, currency
            ), reserved AS (
                SELECT merchant_id, currency, balance FROM ledger_accounts WHERE name = 'reserved'
            )
            SELECT merchant_id, currency, coalesce(reserved.balance, 0), coalesce(held.total, 0)
            FROM held LEFT JOIN reserved USING (merchant_id, currency)
            WHERE coalesce(reserved.balance, 0) != held.total
            UNION ALL
            SELECT merchant_id, currency, reserved.balance, 0
            FROM reserved LEFT JOIN held USING (merchant_id, currency)
            WHERE held.total IS NULL AND reserved.balance != 0
            ORDER BY 1, 2
            """)
        return rows.map { row in
            "merchant \(row[0].integer ?? 0) \(row[1].text ?? "?"): reserved \(row[2].integer ?? 0) "
                + "but its open withdrawals hold \(row[3].integer ?? 0)"
        }
    }

    /// Open withdrawals without exactly one reservation of their amount plus fee.
    private static func openWithdrawalDifferences(on connection: SQLiteConnection) throws -> [String] {
        let rows = try connection.query(
            """
            SELECT o.id, o.amount + o.fee, count(DISTINCT m.id), coalesce(sum(p.amount), 0)
            FROM orders o
            LEFT JOIN ledger_movements m ON m.order_id = o.id AND m.kind = 'withdrawal_reserved'
            LEFT JOIN ledger_postings p ON p.movement_id = m.id AND p.amount > 0
            WHERE o.kind = 'withdrawal' AND o.status IN \(openWithdrawalStatuses)
            GROUP BY o.id
            HAVING count(DISTINCT m.id) != 1 OR coalesce(sum(p.amount), 0) != o.amount + o.fee
            ORDER BY o.id
            """)
        return rows.map { row in
            "withdrawal \(row[0].text ?? "?"): holds \(row[1].integer ?? 0) but \(row[2].integer ?? 0) reservations "
                + "set aside \(row[3].integer ?? 0)"
        }
    }
}

extension SQLiteStore {
    /// Orders whose settlements do not match their status: a completed deposit or withdrawal
    /// has exactly one settlement of its kind, a failed or rejected withdrawal one release,
    /// and any other order none.
    private static func settlementDifferences(on connection: SQLiteConnection) throws -> [String] {
        let rows = try connection.query(
            """
            WITH expected AS (
                SELECT id, status,
                    CASE
                        WHEN kind = 'deposit' AND status = 'completed' THEN 'deposit_completed'
                        WHEN kind = 'withdrawal' AND status = 'completed' THEN 'withdrawal_completed'
                        WHEN kind = 'withdrawal' AND status IN ('failed', 'rejected') THEN 'withdrawal_released'
                    END AS settlement
                FROM orders
            )
            SELECT o.id, o.status, count(m.id), o.settlement
            FROM expected o
            LEFT JOIN ledger_movements m ON m.order_id = o.id AND m.kind != 'withdrawal_reserved'
            GROUP BY o.id
            HAVING count(m.id) != (o.settlement IS NOT NULL)
                OR count(CASE WHEN m.kind = o.settlement THEN 1 END) != count(m.id)
            ORDER BY o.id
            """)
        return rows.map { row in
            "\(row[0].text ?? "?") is \(row[1].text ?? "?") but has \(row[2].integer ?? 0) settlements"
                + (row[3].text.map { " (needs one \($0))" } ?? " (needs none)")
        }
    }
}

extension SQLiteConnection {
    /// Writes `movement`, with the operator's `reference` when one was given, and applies
    /// each posting to its account's balance, inside the caller's transaction. Throws `InsufficientFunds`, having changed nothing the
    /// transaction's rollback does not undo, when a merchant account would go below zero.
    func record(_ movement: LedgerMovement, reference: String? = nil, atMilliseconds now: Int64) throws {
        let movementRows = try query(
            "INSERT INTO ledger_movements (kind, merchant_id, order_id, reason, reference, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [
                .text(movement.kind.rawValue), .integer(movement.merchantID),
                movement.orderID.map(SQLiteValue.text) ?? .null, movement.reason.map(SQLiteValue.text) ?? .null,
                reference.map(SQLiteValue.text) ?? .null, .integer(now),
            ])
        guard let movementID = movementRows.first?.first?.integer else {
            throw StoreError.corruptRow(table: "ledger_movements", id: "new")
        }
        for posting in movement.postings {
            let accountID = try apply(posting)
            try query(
                "INSERT INTO ledger_postings (movement_id, account_id, amount) VALUES (?, ?, ?)",
                [.integer(movementID), .integer(accountID), .integer(posting.amountMinorUnits)])
        }
    }

    /// Adds the posting's amount to its account's balance, creating the account at zero the
    /// first time it is used, and returns the account's row id.
    private func apply(_ posting: LedgerPosting) throws -> Int64 {
        if let accountID = try addToBalance(posting) { return accountID }
        let account = posting.account
        let existing = try query(
            "SELECT balance FROM ledger_accounts WHERE coalesce(merchant_id, 0) = ? AND name = ? AND currency = ?",
            [.integer(account.merchantID ?? 0), .text(account.name.rawValue), .text(account.currency.code)])
        if existing.isEmpty {
            try query(
                "INSERT INTO ledger_accounts (merchant_id, name, currency, balance) VALUES (?, ?, ?, 0)",
                [
                    account.merchantID.map(SQLiteValue.integer) ?? .null, .text(account.name.rawValue),
                    .text(account.currency.code),
                ])
            if let accountID = try addToBalance(posting) { return accountID }
        }
        throw InsufficientFunds(
            account: account, balanceMinorUnits: existing.first?.first?.integer ?? 0,
            neededMinorUnits: -posting.amountMinorUnits)
    }

    /// Adds the posting's amount to its account's balance unless that would take a merchant
    /// account below zero; the account's row id, or `nil` when there is no such account or
    /// the balance does not suffice. The check and the change are one statement, so no
    /// interleaving of writers, in this process or another, can take an account below zero.
    private func addToBalance(_ posting: LedgerPosting) throws -> Int64? {
        let account = posting.account
        return try query(
            """
            UPDATE ledger_accounts SET balance = balance + ?1
            WHERE coalesce(merchant_id, 0) = ?2 AND name = ?3 AND currency = ?4
                AND (merchant_id IS NULL OR balance + ?1 >= 0)
            RETURNING id
            """,
            [
                .integer(posting.amountMinorUnits), .integer(account.merchantID ?? 0), .text(account.name.rawValue),
                .text(account.currency.code),
            ]
        ).first?.first?.integer
    }
}
