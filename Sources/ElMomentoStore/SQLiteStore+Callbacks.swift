import ElMomentoCore

extension SQLiteStore {
    public func claimDueCallbacks(
        atMilliseconds now: Int64, leaseMilliseconds: Int64, limit: Int, perMerchantMax: Int,
        inFlight: [String: Int]
    ) async throws -> [DueCallback] {
        try await writer.write { connection in
            let merchants = try connection.query("SELECT id, slug FROM merchants ORDER BY id")
            // Each merchant's oldest due callbacks, up to what it may still have in flight.
            var candidates: [[DueCallback]] = []
            for merchant in merchants {
                let slug = merchant[1].text ?? ""
                let room = min(perMerchantMax - inFlight[slug, default: 0], limit)
                guard room > 0 else { continue }
                let due = try Self.dueCallbacks(
                    merchantID: merchant[0].integer ?? 0, slug: slug, atMilliseconds: now, limit: room, on: connection)
                if !due.isEmpty { candidates.append(due) }
            }
            // Round-robin over the merchants, so that no merchant's backlog delays another's.
            var claimed: [DueCallback] = []
            for rank in 0..<(candidates.map(\.count).max() ?? 0) {
                for due in candidates where rank < due.count && claimed.count < limit { claimed.append(due[rank]) }
            }
            for callback in claimed {
                try connection.query(
                    """
                    UPDATE callback_deliveries SET next_attempt_at = ?, first_attempt_at = coalesce(first_attempt_at, ?),
                        claim_token = ?
                    WHERE event_id = ?
                    """,
                    [
                        .integer(now + leaseMilliseconds), .integer(now), .integer(callback.claimToken),
                        .integer(callback.eventID),
                    ])
            }
            return claimed
        }
    }

    /// The merchant's due callbacks, oldest first. Per order, only the oldest open callback is
    /// due: a later one waits until the earlier is acknowledged or has given up (SPEC 6).
    private static func dueCallbacks(
        merchantID: Int64, slug: String, atMilliseconds now: Int64, limit: Int, on connection: SQLiteConnection
    ) throws -> [DueCallback] {
        var random = SystemRandomNumberGenerator()
        return try connection.query(
            """
            SELECT d.event_id, e.webhook_id, d.url, e.payload, d.attempts, d.first_attempt_at
            FROM callback_deliveries d JOIN order_events e ON e.id = d.event_id
            WHERE d.merchant_id = ? AND d.state = 'pending' AND d.next_attempt_at <= ?
            AND NOT EXISTS (
                SELECT 1 FROM callback_deliveries earlier
                WHERE earlier.order_id = d.order_id AND earlier.state = 'pending' AND earlier.event_id < d.event_id)
            ORDER BY d.next_attempt_at LIMIT ?
            """,
            [.integer(merchantID), .integer(now), .integer(Int64(limit))]
        ).map { row in
            DueCallback(
                eventID: row[0].integer ?? 0, claimToken: Int64.random(in: 1...Int64.max, using: &random),
                webhookID: row[1].text ?? "", merchantSlug: slug, url: row[2].text ?? "",
                body: Array((row[3].text ?? "").utf8), attemptCount: Int(row[4].integer ?? 0),
                firstAttemptAtMilliseconds: row[5].integer ?? now)
        }
    }

    public func recordCallbackAttempt(
        _ callback: DueCallback, _ attempt: CallbackAttempt, outcome: CallbackOutcome
    ) async throws {
        let eventID = callback.eventID
        try await writer.write { connection in
            try connection.query(
                """
                INSERT INTO callback_attempts (event_id, attempted_at, status_code, latency_ms, error)
                VALUES (?, ?, ?, ?, ?)
                """,
                [
                    .integer(eventID), .integer(attempt.atMilliseconds),
                    attempt.statusCode.map { .integer(Int64($0)) } ?? .null, .integer(attempt.latencyMilliseconds),
                    attempt.error.map(SQLiteValue.text) ?? .null,
                ])
            let (state, next): (String, Int64) =
                switch outcome {
                case .delivered: ("delivered", attempt.atMilliseconds)
                case .retry(let atMilliseconds): ("pending", atMilliseconds)
                case .gaveUp: ("failed", attempt.atMilliseconds)
                }
            try connection.query(
                """
                UPDATE callback_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?,
                    claim_token = NULL
                WHERE event_id = ? AND claim_token = ? AND state = 'pending'
                """,
                [
                    .text(state), .integer(next), .integer(attempt.atMilliseconds), .integer(eventID),
                    .integer(callback.claimToken),
                ])
        }
    }

    public func callbacks(failedOnly: Bool, limit: Int) async throws -> [CallbackRecord] {
        try await readers.read { connection in
            try connection.query(
                Self.callbackRecords(where: failedOnly ? "d.state = 'failed'" : "1")
                    + " ORDER BY d.event_id DESC LIMIT ?",
                [.integer(Int64(limit))]
            ).map(CallbackRecord.init)
        }
    }

    public func callbackHistory(webhookID: String) async throws -> CallbackHistory? {
        try await readers.read { connection in
            guard
                let record = try connection.query(Self.callbackRecords(where: "e.webhook_id = ?"), [.text(webhookID)])
                    .first.map(CallbackRecord.init)
            else { return nil }
            let attempts = try connection.query(
                """
                SELECT a.attempted_at, a.status_code, a.latency_ms, a.error FROM callback_attempts a
                JOIN order_events e ON e.id = a.event_id WHERE e.webhook_id = ? ORDER BY a.id
                """,
                [.text(webhookID)]
            ).map { row in
                CallbackAttempt(
                    atMilliseconds: row[0].integer ?? 0, statusCode: row[1].integer.map(Int.init),
                    latencyMilliseconds: row[2].integer ?? 0, error: row[3].text)
            }
            return CallbackHistory(callback: record, attempts: attempts)
        }
    }

    /// Callbacks as operators see them, with their last attempt, matching `condition`.
    private static func callbackRecords(where condition: String) -> String {
        """
        SELECT e.webhook_id, e.order_id, m.slug, o.kind || '.' || e.to_status, d.url, d.state, d.attempts,
            d.next_attempt_at, d.updated_at, a.status_code, a.error
        FROM callback_deliveries d
        JOIN order_events e ON e.id = d.event_id
        JOIN merchants m ON m.id = e.merchant_id
        JOIN orders o ON o.id = e.order_id
        LEFT JOIN callback_attempts a ON a.id = (SELECT max(id) FROM callback_attempts WHERE event_id = d.event_id)
        WHERE \(condition)
        """
    }

    public func retryCallback(webhookID: String, atMilliseconds now: Int64) async throws {
        try await writer.write { connection in
            let updated = try connection.query(
                """
                UPDATE callback_deliveries SET state = 'pending', next_attempt_at = ?, first_attempt_at = NULL,
                    attempts = 0, claim_token = NULL, updated_at = ?
                WHERE event_id = (SELECT id FROM order_events WHERE webhook_id = ?) RETURNING event_id
                """,
                [.integer(now), .integer(now), .text(webhookID)])
            guard !updated.isEmpty else { throw StoreError.callbackNotFound(webhookID) }
        }
    }
}

extension CallbackRecord {
    fileprivate init(_ row: [SQLiteValue]) throws {
        guard let state = row[5].text.flatMap(CallbackRecord.State.init(rawValue:)) else {
            throw StoreError.corruptRow(table: "callback_deliveries", id: row[0].text ?? "?")
        }
        self.init(
            webhookID: row[0].text ?? "", orderID: row[1].text ?? "", merchantSlug: row[2].text ?? "",
            eventName: row[3].text ?? "", url: row[4].text ?? "", state: state,
            attemptCount: Int(row[6].integer ?? 0), nextAttemptAtMilliseconds: row[7].integer ?? 0,
            updatedAtMilliseconds: row[8].integer ?? 0, lastStatusCode: row[9].integer.map(Int.init),
            lastError: row[10].text)
    }
}
