import ElMomentoCore

extension SQLiteStore {
    private static let merchantColumns = """
        id, slug, enabled, rate_limit_per_hour, currencies, max_amount, deposit_fee_bps, deposit_fee_fixed,
        withdrawal_fee_bps, withdrawal_fee_fixed, require_signature_v2, created_at, updated_at, deposit_ttl_minutes
        """

    public func createMerchant(
        slug: String, settings: MerchantSettings, sealedSecret: [UInt8], atMilliseconds now: Int64
    ) async throws -> Merchant {
        try await writer.write { connection in
            guard try Self.merchant(slug: slug, on: connection) == nil else { throw StoreError.merchantExists(slug) }
            var merchant = Merchant(
                id: 0, slug: slug, isEnabled: true, settings: settings,
                createdAtMilliseconds: now, updatedAtMilliseconds: now)
            let rows = try connection.query(
                """
                INSERT INTO merchants (\(Self.merchantColumns)) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                Array(Self.values(of: merchant).dropFirst())
            )
            merchant.id = rows[0][0].integer!
            try Self.insertSecret(sealedSecret, merchantID: merchant.id, atMilliseconds: now, on: connection)
            return merchant
        }
    }

    public func updateMerchant(
        slug: String, atMilliseconds now: Int64, _ change: @escaping @Sendable (inout Merchant) -> Void
    ) async throws -> Merchant {
        try await writer.write { connection in
            guard var merchant = try Self.merchant(slug: slug, on: connection) else {
                throw StoreError.merchantNotFound(slug)
            }
            change(&merchant)
            merchant.updatedAtMilliseconds = now
            let values = Self.values(of: merchant)
            try connection.query(
                """
                UPDATE merchants SET enabled = ?, rate_limit_per_hour = ?, currencies = ?, max_amount = ?,
                    deposit_fee_bps = ?, deposit_fee_fixed = ?, withdrawal_fee_bps = ?, withdrawal_fee_fixed = ?,
                    require_signature_v2 = ?, updated_at = ?, deposit_ttl_minutes = ?
                WHERE id = ?
                """,
                Array(values[2...10]) + [values[12], values[13], values[0]]
            )
            return merchant
        }
    }

    public func rotateSecret(
        slug: String, sealedSecret: [UInt8], previousValidUntilMilliseconds: Int64, atMilliseconds now: Int64
    ) async throws -> Merchant {
        try await writer.write { connection in
            guard let merchant = try Self.merchant(slug: slug, on: connection) else {
                throw StoreError.merchantNotFound(slug)
            }
            // Only the secret being replaced gets a grace period: at most two are ever valid.
            try connection.query(
                "UPDATE merchant_secrets SET expires_at = ? WHERE merchant_id = ? AND expires_at > ?",
                [.integer(now), .integer(merchant.id), .integer(now)])
            try connection.query(
                "UPDATE merchant_secrets SET expires_at = ? WHERE merchant_id = ? AND expires_at IS NULL",
                [.integer(max(now, previousValidUntilMilliseconds)), .integer(merchant.id)])
            try Self.insertSecret(sealedSecret, merchantID: merchant.id, atMilliseconds: now, on: connection)
            return merchant
        }
    }

    public func merchants() async throws -> [Merchant] {
        try await readers.read { connection in
            try connection.query("SELECT \(Self.merchantColumns) FROM merchants ORDER BY slug").map(Self.merchant)
        }
    }

    public func merchantCredentials(slug: String, atMilliseconds now: Int64) async throws -> MerchantCredentials? {
        try await readers.read { connection in
            guard let merchant = try Self.merchant(slug: slug, on: connection) else { return nil }
            let secrets = try connection.query(
                """
                SELECT sealed FROM merchant_secrets
                WHERE merchant_id = ? AND (expires_at IS NULL OR expires_at > ?)
                ORDER BY id DESC
                """,
                [.integer(merchant.id), .integer(now)]
            )
            return MerchantCredentials(
                merchant: merchant,
                sealedSecrets: secrets.compactMap { row in
                    if case .blob(let sealed) = row[0] { sealed } else { nil }
                })
        }
    }

    private static func insertSecret(
        _ sealed: [UInt8], merchantID: Int64, atMilliseconds now: Int64, on connection: SQLiteConnection
    ) throws {
        try connection.query(
            "INSERT INTO merchant_secrets (merchant_id, sealed, created_at) VALUES (?, ?, ?)",
            [.integer(merchantID), .blob(sealed), .integer(now)])
    }

    static func merchant(slug: String, on connection: SQLiteConnection) throws -> Merchant? {
        try connection.query("SELECT \(merchantColumns) FROM merchants WHERE slug = ?", [.text(slug)]).first.map(
            merchant)
    }

    /// The row's values, in `merchantColumns` order.
    private static func values(of merchant: Merchant) -> [SQLiteValue] {
        let settings = merchant.settings
        return [
            .integer(merchant.id), .text(merchant.slug), .integer(merchant.isEnabled ? 1 : 0),
            .integer(Int64(settings.rateLimitPerHour)), .text(settings.currencyCodes.joined(separator: ",")),
            .text(settings.maxAmountMajor), .integer(Int64(settings.depositFee.basisPoints)),
            .text(settings.depositFee.fixedMajor), .integer(Int64(settings.withdrawalFee.basisPoints)),
            .text(settings.withdrawalFee.fixedMajor), .integer(settings.requiresSignatureVersion2 ? 1 : 0),
            .integer(merchant.createdAtMilliseconds), .integer(merchant.updatedAtMilliseconds),
            .integer(Int64(settings.depositTimeToLiveMinutes)),
        ]
    }

    private static func merchant(_ row: [SQLiteValue]) -> Merchant {
        var settings = MerchantSettings()
        settings.rateLimitPerHour = Int(row[3].integer ?? 0)
        settings.currencyCodes = (row[4].text ?? "").split(separator: ",").map(String.init)
        settings.maxAmountMajor = row[5].text ?? "0"
        settings.depositFee = FeeRule(basisPoints: Int(row[6].integer ?? 0), fixedMajor: row[7].text ?? "0")
        settings.withdrawalFee = FeeRule(basisPoints: Int(row[8].integer ?? 0), fixedMajor: row[9].text ?? "0")
        settings.requiresSignatureVersion2 = row[10].integer == 1
        settings.depositTimeToLiveMinutes = Int(row[13].integer ?? 0)
        return Merchant(
            id: row[0].integer ?? 0, slug: row[1].text ?? "", isEnabled: row[2].integer == 1, settings: settings,
            createdAtMilliseconds: row[11].integer ?? 0, updatedAtMilliseconds: row[12].integer ?? 0)
    }
}
