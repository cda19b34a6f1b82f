/// A merchant as the gateway knows it: its slug, whether it may use the API, and its
/// settings. Its secrets are kept apart, sealed, and never part of this value.
public struct Merchant: Sendable, Equatable {
    /// The database's key for the merchant.
    public var id: Int64
    /// The merchant's name in URLs (`1xbet`).
    public var slug: String
    /// A disabled merchant's requests are refused with `403 merchant_disabled`.
    public var isEnabled: Bool
    /// Limits, currencies and fees.
    public var settings: MerchantSettings
    /// When the merchant was created, in milliseconds since 1970.
    public var createdAtMilliseconds: Int64
    /// When the merchant last changed, in milliseconds since 1970.
    public var updatedAtMilliseconds: Int64

    /// A merchant with every field given.
    public init(
        id: Int64, slug: String, isEnabled: Bool, settings: MerchantSettings,
        createdAtMilliseconds: Int64, updatedAtMilliseconds: Int64
    ) {
        self.id = id
        self.slug = slug
        self.isEnabled = isEnabled
        self.settings = settings
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }

    /// Whether `slug` can name a merchant: 1–63 characters of `a-z 0-9 -`, starting with
    /// a letter or digit (SPEC 3), so that it is safe in a URL path as it is.
    public static func isValidSlug(_ slug: String) -> Bool {
        let bytes = Array(slug.utf8)
        guard (1...63).contains(bytes.count), bytes[0] != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte.isASCIIDigit || byte == UInt8(ascii: "-")
        }
    }

    /// The JSON an operator sees (`admin merchant show --json`): never a secret.
    public func jsonObject() -> JSONValue {
        .object([
            ("slug", .string(slug)),
            ("enabled", .bool(isEnabled)),
            ("rate_limit_per_hour", .integer(settings.rateLimitPerHour)),
            ("currencies", .array(settings.currencyCodes.map(JSONValue.string))),
            ("max_amount", .number(settings.maxAmountMajor)),
            ("deposit_fee", settings.depositFee.jsonObject()),
            ("withdrawal_fee", settings.withdrawalFee.jsonObject()),
            ("require_signature_v2", .bool(settings.requiresSignatureVersion2)),
            ("deposit_ttl_minutes", .integer(settings.depositTimeToLiveMinutes)),
            ("created_at", .string(RFC3339.format(millisecondsSince1970: createdAtMilliseconds))),
            ("updated_at", .string(RFC3339.format(millisecondsSince1970: updatedAtMilliseconds))),
        ])
    }
}

/// What an operator sets per merchant (SPEC 8), with the defaults SPEC gives.
public struct MerchantSettings: Sendable, Equatable {
    /// Requests admitted in any rolling hour.
    public var rateLimitPerHour = 1000
    /// ISO 4217 codes the merchant may use.
    public var currencyCodes = ["DOP", "USD"]
    /// The largest order, in major units of whichever currency the order is in.
    public var maxAmountMajor = "1000000.00"
    /// What a completed deposit costs the merchant.
    public var depositFee = FeeRule()
    /// What a withdrawal costs the merchant.
    public var withdrawalFee = FeeRule()
    /// Whether only version 2 signatures (method, path and query signed too) are accepted.
    public var requiresSignatureVersion2 = false
    /// How long a deposit waits for its payer before it expires.
    public var depositTimeToLiveMinutes = 30

    /// The defaults: 1000 requests an hour, DOP and USD, at most 1,000,000.00, no fees,
    /// deposits expiring after 30 minutes.
    public init() {}

    /// The fee on an order of `kind` for `amountMinorUnits` of `currency`.
    public func fee(for kind: OrderKind, amountMinorUnits: Int64, currency: Currency) -> Int64 {
        (kind == .deposit ? depositFee : withdrawalFee).fee(amountMinorUnits: amountMinorUnits, currency: currency)
    }

    /// The rules a new order of this merchant is checked against.
    public func orderRules(environment: GatewayEnvironment) -> OrderRules {
        OrderRules(environment: environment, enabledCurrencyCodes: currencyCodes, maxAmountMajor: maxAmountMajor)
    }
}

/// A fee: basis points of the amount, rounded half up to the minor unit, plus a fixed
/// amount in major units of the order's currency (SPEC 5).
public struct FeeRule: Sendable, Equatable {
    /// Hundredths of a percent of the amount.
    public var basisPoints = 0
    /// A fixed part, as decimal text in major units (`"1.50"`).
    public var fixedMajor = "0"

    /// No fee.
    public init() {}

    /// A fee of `basisPoints` plus `fixedMajor`.
    public init(basisPoints: Int, fixedMajor: String) {
        self.basisPoints = basisPoints
        self.fixedMajor = fixedMajor
    }

    /// The fee on `amountMinorUnits` of `currency`: the basis points rounded half up to
    /// the minor unit, plus the fixed part (rounded down where it is finer than the currency).
    public func fee(amountMinorUnits: Int64, currency: Currency) -> Int64 {
        precondition(amountMinorUnits >= 0 && (0...10_000).contains(basisPoints), "a fee on a negative amount")
        // Split so that amount × basis points cannot overflow, even at the largest amount.
        let whole = amountMinorUnits / 10_000 * Int64(basisPoints)
        let rest = (amountMinorUnits % 10_000 * Int64(basisPoints) + 5_000) / 10_000
        return whole + rest + (MinorUnits.parseLimit(fixedMajor, currency: currency) ?? 0)
    }

    func jsonObject() -> JSONValue {
        .object([("basis_points", .integer(basisPoints)), ("fixed", .number(fixedMajor))])
    }
}
