import ElMomentoCore

extension SQLiteStore {
    static let orderColumns = """
        id, kind, order_id, status, amount, currency, fee, callback_url, payer_details, failure_reason,
        created_at, updated_at, payment_token, payment_url, expires_at
        """

    /// `orderColumns`, each named through `table` for a query that joins.
    static func orderColumns(_ table: String) -> String {
        orderColumns.split(whereSeparator: { ", \n".contains($0) }).map { "\(table).\($0)" }.joined(separator: ", ")
    }

    public func createOrder(
        _ order: Order, merchantID: Int64, fingerprint: String, admit: @escaping @Sendable () throws -> Void
    ) async throws -> OrderCreation {
        let environment = environment
        return try await writer.write { connection in
            let existing = try connection.query(
                """
                SELECT \(Self.orderColumns), fingerprint FROM orders
                WHERE merchant_id = ? AND kind = ? AND order_id = ?
                """,
                [.integer(merchantID), .text(order.kind.rawValue), .text(order.orderID)]
            )
            if let row = existing.first {
                guard row[15].text == fingerprint else { return .conflict }
                return .replayed(try Self.order(row, environment: environment))
            }
            try admit()
            try connection.query(
                """
                INSERT INTO orders (\(Self.orderColumns), merchant_id, fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                Self.values(of: order) + [.integer(merchantID), .text(fingerprint)]
            )
            if order.kind == .withdrawal {
                try connection.record(
                    .withdrawalReservation(of: order, merchantID: merchantID),
                    atMilliseconds: order.createdAtMilliseconds)
            }
            return .created(order)
        }
    }

    public func order(merchantID: Int64, kind: OrderKind, orderID: String) async throws -> Order? {
        let environment = environment
        return try await readers.read { connection in
            try connection.query(
                "SELECT \(Self.orderColumns) FROM orders WHERE merchant_id = ? AND kind = ? AND order_id = ?",
                [.integer(merchantID), .text(kind.rawValue), .text(orderID)]
            ).first.map { try Self.order($0, environment: environment) }
        }
    }

    public func orders(merchantID: Int64, kind: OrderKind, matching query: OrderListQuery) async throws -> OrderPage {
        let environment = environment
        let (sql, parameters) = Self.listStatement(merchantID: merchantID, kind: kind, query: query)
        return try await readers.read { connection in
            let rows = try connection.query(sql, parameters)
            let orders = try rows.prefix(query.limit).map { try Self.order($0, environment: environment) }
            return OrderPage(orders: orders, hasMore: rows.count > query.limit)
        }
    }

    /// The keyset query for one page: it starts at the cursor through the index, so its
    /// cost does not grow with the orders before the cursor. One row more than the page
    /// tells whether another page follows.
    static func listStatement(
        merchantID: Int64, kind: OrderKind, query: OrderListQuery
    ) -> (sql: String, parameters: [SQLiteValue]) {
        var conditions = ["merchant_id = ?", "kind = ?"]
        var parameters: [SQLiteValue] = [.integer(merchantID), .text(kind.rawValue)]
        if let status = query.status {
            conditions.append("status = ?")
            parameters.append(.text(status.rawValue))
        }
        if let orderID = query.orderID {
            conditions.append("order_id = ?")
            parameters.append(.text(orderID))
        }
        if let from = query.createdAtFromMilliseconds {
            conditions.append("created_at >= ?")
            parameters.append(.integer(from))
        }
        if let until = query.createdAtUntilMilliseconds {
            conditions.append("created_at < ?")
            parameters.append(.integer(until))
        }
        if let cursor = query.cursor {
            conditions.append("created_at <= ? AND (created_at < ? OR id < ?)")
            parameters += [
                .integer(cursor.createdAtMilliseconds), .integer(cursor.createdAtMilliseconds), .text(cursor.id),
            ]
        }
        parameters.append(.integer(Int64(query.limit + 1)))
        let sql = """
            SELECT \(orderColumns) FROM orders WHERE \(conditions.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT ?
            """
        return (sql, parameters)
    }

    /// The row's values, in `orderColumns` order.
    private static func values(of order: Order) -> [SQLiteValue] {
        [
            .text(order.id), .text(order.kind.rawValue), .text(order.orderID), .text(order.status.rawValue),
            .integer(order.amountMinorUnits), .text(order.currency.code), .integer(order.feeMinorUnits),
            order.callbackURL.map(SQLiteValue.text) ?? .null,
            order.payerDetails.map { .text(String(decoding: $0.encoded(), as: UTF8.self)) } ?? .null,
            order.failureReason.map(SQLiteValue.text) ?? .null,
            .integer(order.createdAtMilliseconds), .integer(order.updatedAtMilliseconds),
            order.paymentToken.map(SQLiteValue.text) ?? .null, order.paymentURL.map(SQLiteValue.text) ?? .null,
            order.expiresAtMilliseconds.map(SQLiteValue.integer) ?? .null,
        ]
    }

    static func order(_ row: [SQLiteValue], environment: GatewayEnvironment) throws -> Order {
        guard let kind = row[1].text.flatMap(OrderKind.init(rawValue:)),
            let status = row[3].text.flatMap(OrderStatus.init(rawValue:)),
            let currency = row[5].text.flatMap(Currency.init(code:))
        else { throw StoreError.corruptRow(table: "orders", id: row[0].text ?? "?") }
        var order = Order(
            id: row[0].text ?? "", orderID: row[2].text ?? "", kind: kind, status: status,
            amountMinorUnits: row[4].integer ?? 0, currency: currency, feeMinorUnits: row[6].integer ?? 0,
            callbackURL: row[7].text, paymentURL: row[13].text,
            payerDetails: try row[8].text.map { try JSONValue.parse(Array($0.utf8)) },
            environment: environment, failureReason: row[9].text,
            createdAtMilliseconds: row[10].integer ?? 0, updatedAtMilliseconds: row[11].integer ?? 0)
        order.paymentToken = row[12].text
        order.expiresAtMilliseconds = row[14].integer
        return order
    }
}
