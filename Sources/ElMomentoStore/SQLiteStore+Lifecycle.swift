import ElMomentoCore

extension SQLiteStore {
    public func changeOrder(
        id: String, atMilliseconds now: Int64,
        _ transition: @escaping @Sendable (Order) throws -> OrderChange
    ) async throws -> OrderEvent {
        let environment = environment
        return try await writer.write { connection in
            guard let (order, merchantID) = try Self.orderWithMerchant(id: id, environment: environment, on: connection)
            else { throw StoreError.orderNotFound(id) }
            return try Self.apply(try transition(order), merchantID: merchantID, atMilliseconds: now, on: connection)
        }
    }

    public func pendingDepositIDs(dueBy due: DepositDue, limit: Int) async throws -> [String] {
        let (condition, time) =
            switch due {
            case .expiringBy(let milliseconds): ("expires_at <= ?", milliseconds)
            case .createdBy(let milliseconds): ("created_at <= ?", milliseconds)
            }
        return try await readers.read { connection in
            try connection.query(
                """
                SELECT id FROM orders WHERE status = 'pending' AND kind = 'deposit' AND expires_at IS NOT NULL
                AND \(condition) ORDER BY expires_at LIMIT ?
                """,
                [.integer(time), .integer(Int64(limit))]
            ).compactMap { $0[0].text }
        }
    }

    public func orderForPayment(token: String) async throws -> MerchantOrder? {
        try await merchantOrders(where: "o.payment_token = ?", [.text(token)]).first
    }

    public func orderHistory(id: String) async throws -> OrderHistory? {
        guard let order = try await merchantOrders(where: "o.id = ?", [.text(id)]).first else { return nil }
        let changes = try await readers.read { connection in
            try connection.query(
                """
                SELECT webhook_id, sequence, from_status, to_status, actor, reason, created_at
                FROM order_events WHERE order_id = ? ORDER BY sequence
                """,
                [.text(id)]
            ).map(OrderHistory.Entry.init)
        }
        return OrderHistory(order: order, changes: changes)
    }

    public func operatorOrders(merchantSlug: String?, status: OrderStatus?, limit: Int) async throws -> [MerchantOrder]
    {
        var conditions = ["1"]
        var parameters: [SQLiteValue] = []
        if let merchantSlug {
            conditions.append("m.slug = ?")
            parameters.append(.text(merchantSlug))
        }
        if let status {
            conditions.append("o.status = ?")
            parameters.append(.text(status.rawValue))
        }
        return try await merchantOrders(
            where: conditions.joined(separator: " AND ") + " ORDER BY o.created_at DESC, o.id DESC LIMIT ?",
            parameters + [.integer(Int64(limit))])
    }

    /// Orders with their merchant's slug, matching `condition` (which may go on to order and limit).
    private func merchantOrders(where condition: String, _ parameters: [SQLiteValue]) async throws -> [MerchantOrder] {
        let environment = environment
        return try await readers.read { connection in
            try connection.query(
                """
                SELECT \(Self.orderColumns("o")), m.slug FROM orders o JOIN merchants m ON m.id = o.merchant_id
                WHERE \(condition)
                """,
                parameters
            ).map {
                MerchantOrder(order: try Self.order($0, environment: environment), merchantSlug: $0[15].text ?? "")
            }
        }
    }

    public func events(merchantID: Int64, after webhookID: String?, limit: Int) async throws -> EventPage {
        try await readers.read { connection in
            var start: Int64 = 0
            if let webhookID {
                let rows = try connection.query(
                    "SELECT id FROM order_events WHERE webhook_id = ? AND merchant_id = ?",
                    [.text(webhookID), .integer(merchantID)])
                guard let id = rows.first?[0].integer else { throw StoreError.eventNotFound(webhookID) }
                start = id
            }
            let rows = try connection.query(
                "SELECT payload, webhook_id FROM order_events WHERE merchant_id = ? AND id > ? ORDER BY id LIMIT ?",
                [.integer(merchantID), .integer(start), .integer(Int64(limit + 1))])
            let page = rows.prefix(limit)
            return EventPage(
                payloads: page.map { Array(($0[0].text ?? "").utf8) }, lastWebhookID: page.last?[1].text,
                hasMore: rows.count > limit)
        }
    }

    /// Writes `change` of the order: the order row (only if it is still in the status the change
    /// left, so that two changes racing cannot both apply), its event, its ledger movement and
    /// its callback, all in the caller's transaction.
    static func apply(
        _ change: OrderChange, merchantID: Int64, atMilliseconds now: Int64, on connection: SQLiteConnection
    ) throws -> OrderEvent {
        let order = change.order
        let updated = try connection.query(
            "UPDATE orders SET status = ?, failure_reason = ?, updated_at = ? WHERE id = ? AND status = ? RETURNING id",
            [
                .text(order.status.rawValue), order.failureReason.map(SQLiteValue.text) ?? .null,
                .integer(order.updatedAtMilliseconds), .text(order.id), .text(change.previousStatus.rawValue),
            ])
        guard !updated.isEmpty else { throw StoreError.orderChangedMeanwhile(order.id) }
        let sequence =
            try connection.query(
                "SELECT coalesce(max(sequence), 0) + 1 FROM order_events WHERE order_id = ?", [.text(order.id)]
            )[0][0].integer ?? 1
        var random = SystemRandomNumberGenerator()
        let event = OrderEvent(
            webhookID: TimeOrderedID.make(prefix: "evt", millisecondsSince1970: UInt64(now), using: &random),
            sequence: Int(sequence), change: change)
        let eventRows = try connection.query(
            """
            INSERT INTO order_events (webhook_id, order_id, merchant_id, sequence, from_status, to_status, actor,
                reason, created_at, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [
                .text(event.webhookID), .text(order.id), .integer(merchantID), .integer(sequence),
                .text(change.previousStatus.rawValue), .text(order.status.rawValue), .text(change.actor.rawValue),
                change.reason.map(SQLiteValue.text) ?? .null, .integer(now),
                .text(String(decoding: event.jsonObject().encoded(), as: UTF8.self)),
            ])
        if let movement = LedgerMovement.settlement(of: change, merchantID: merchantID) {
            try connection.record(movement, atMilliseconds: now)
        }
        if let url = order.callbackURL, let eventID = eventRows.first?[0].integer {
            try connection.query(
                """
                INSERT INTO callback_deliveries (event_id, order_id, merchant_id, url, state, attempts, next_attempt_at,
                    updated_at)
                VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
                """,
                [.integer(eventID), .text(order.id), .integer(merchantID), .text(url), .integer(now), .integer(now)])
        }
        return event
    }

    private static func orderWithMerchant(
        id: String, environment: GatewayEnvironment, on connection: SQLiteConnection
    ) throws -> (Order, Int64)? {
        try connection.query("SELECT \(orderColumns), merchant_id FROM orders WHERE id = ?", [.text(id)]).first.map {
            (try order($0, environment: environment), $0[15].integer ?? 0)
        }
    }
}

extension OrderHistory.Entry {
    fileprivate init(_ row: [SQLiteValue]) throws {
        guard let from = row[2].text.flatMap(OrderStatus.init(rawValue:)),
            let to = row[3].text.flatMap(OrderStatus.init(rawValue:)),
            let actor = row[4].text.flatMap(OrderActor.init(rawValue:))
        else { throw StoreError.corruptRow(table: "order_events", id: row[0].text ?? "?") }
        self.init(
            webhookID: row[0].text ?? "", sequence: Int(row[1].integer ?? 0), previousStatus: from, status: to,
            actor: actor, reason: row[5].text, atMilliseconds: row[6].integer ?? 0)
    }
}
