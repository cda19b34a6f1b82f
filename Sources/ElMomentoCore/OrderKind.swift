/// The two kinds of order a merchant creates (SPEC 3.2): money in, money out.
public enum OrderKind: String, Sendable, CaseIterable {
    /// A payer pays the merchant, on the hosted payment page.
    case deposit
    /// The merchant pays out to a destination account.
    case withdrawal

    /// The prefix of the gateway's ids for this kind, before the `_`: `dep_…`, `wd_…`.
    public var idPrefix: String {
        switch self {
        case .deposit: "dep"
        case .withdrawal: "wd"
        }
    }
}

/// Where an order is in its lifecycle (SPEC 4); the raw values are the API's `status` texts.
public enum OrderStatus: String, Sendable, CaseIterable {
    /// Created, waiting for the payer or the operator.
    case pending
    /// Accepted by the payment rail, not settled yet.
    case processing
    /// Settled: the money moved.
    case completed
    /// The payment rail or the operator declined it.
    case failed
    /// Not paid in time.
    case expired
    /// Withdrawn by the merchant before it settled.
    case cancelled
    /// Refused by the gateway's checks before it reached a rail.
    case rejected
}

/// The merchant's settings a create-order request is checked against.
public struct OrderRules: Sendable {
    /// Decides which callback URLs are allowed (SPEC 7).
    public var environment: GatewayEnvironment
    /// ISO 4217 codes the merchant may use; a known code not listed is `422 currency_not_enabled`.
    public var enabledCurrencyCodes: [String]
    /// The per-order maximum in major units of whichever currency the order is in, as decimal text;
    /// rounded down to the currency's minor unit. A text that is not a positive decimal refuses every
    /// amount, since a broken setting must not lift the limit.
    public var maxAmountMajor: String

    /// Rules with the SPEC's defaults: `DOP` and `USD`, at most 1,000,000.00 per order.
    public init(
        environment: GatewayEnvironment,
        enabledCurrencyCodes: [String] = ["DOP", "USD"],
        maxAmountMajor: String = "1000000.00"
    ) {
        self.environment = environment
        self.enabledCurrencyCodes = enabledCurrencyCodes
        self.maxAmountMajor = maxAmountMajor
    }
}

/// Why a merchant's request was refused; the HTTP layer turns `kind` into a status and error code
/// (SPEC 3.6) and passes `message` and `field` on.
public struct OrderRequestFault: Error, Sendable, Equatable {
    /// The error codes a request can earn.
    public enum Kind: Sendable, Equatable {
        /// `400 invalid_json`: the body is not JSON at all.
        case invalidJSON
        /// `400 validation_failed`: a field breaks its rule.
        case validationFailed
        /// `422 currency_not_enabled`: a real currency the merchant may not use.
        case currencyNotEnabled
        /// `422 amount_above_limit`: more than the merchant's per-order maximum.
        case amountAboveLimit
    }

    /// Which error this is.
    public let kind: Kind
    /// What to fix, for the integrating developer; never echoes large input back.
    public let message: String
    /// The field at fault (`"amount"`, `"request.email"`, a query parameter name); `nil` when the
    /// fault is the whole body.
    public let field: String?

    /// A fault of `kind` about `field`.
    public init(kind: Kind, message: String, field: String?) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    static func invalid(_ field: String?, _ message: String) -> OrderRequestFault {
        OrderRequestFault(kind: .validationFailed, message: message, field: field)
    }
}
