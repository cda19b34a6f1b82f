/// An order as the gateway holds and shows it (SPEC 3.3).
public struct Order: Sendable, Equatable {
    /// The gateway's time-ordered id: `dep_…` or `wd_…`.
    public var id: String
    /// The merchant's own id, unique per merchant and kind.
    public var orderID: String
    /// Deposit or withdrawal.
    public var kind: OrderKind
    /// Where the order is in its lifecycle.
    public var status: OrderStatus
    /// The amount in minor units of `currency`.
    public var amountMinorUnits: Int64
    /// The order's currency.
    public var currency: Currency
    /// The gateway's fee in minor units of `currency`.
    public var feeMinorUnits: Int64
    /// Where status changes are posted; `nil` sends none.
    public var callbackURL: String?
    /// The hosted payment page; deposits only.
    public var paymentURL: String?
    /// The merchant's `request` object, values as sent.
    public var payerDetails: JSONValue?
    /// The deployment the order lives in.
    public var environment: GatewayEnvironment
    /// Why the order failed or was rejected, for the merchant.
    public var failureReason: String?
    /// Creation time, milliseconds since 1970 UTC; kept to the millisecond for list order.
    public var createdAtMilliseconds: Int64
    /// Time of the last change, milliseconds since 1970 UTC.
    public var updatedAtMilliseconds: Int64
    /// The unguessable part of a deposit's `payment_url`; never shown on its own.
    public var paymentToken: String?
    /// When a pending deposit expires, milliseconds since 1970 UTC.
    public var expiresAtMilliseconds: Int64?

    /// An order from all of its parts.
    public init(
        id: String,
        orderID: String,
        kind: OrderKind,
        status: OrderStatus,
        amountMinorUnits: Int64,
        currency: Currency,
        feeMinorUnits: Int64,
        callbackURL: String?,
        paymentURL: String?,
        payerDetails: JSONValue?,
        environment: GatewayEnvironment,
        failureReason: String?,
        createdAtMilliseconds: Int64,
        updatedAtMilliseconds: Int64
    ) {
        self.id = id
        self.orderID = orderID
        self.kind = kind
        self.status = status
        self.amountMinorUnits = amountMinorUnits
        self.currency = currency
        self.feeMinorUnits = feeMinorUnits
        self.callbackURL = callbackURL
        self.paymentURL = paymentURL
        self.payerDetails = payerDetails
        self.environment = environment
        self.failureReason = failureReason
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }

    /// The order object of the API, members in a fixed order so answers read the same every time:
    /// `id, orderID, type, status, amount, currency, fee, callback_url, payment_url` (deposits only),
    /// `request, environment, failure_reason, created_at, updated_at`. Amounts in major units with only
    /// the decimals they need; absent values are `null`; times RFC 3339 UTC in whole seconds.
    public func jsonObject() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)),
            ("orderID", .string(orderID)),
            ("type", .string(kind.rawValue)),
            ("status", .string(status.rawValue)),
            ("amount", .number(MinorUnits.format(amountMinorUnits, currency: currency))),
            ("currency", .string(currency.code)),
            ("fee", .number(MinorUnits.format(feeMinorUnits, currency: currency))),
            ("callback_url", .optional(callbackURL)),
        ]
        if kind == .deposit { members.append(("payment_url", .optional(paymentURL))) }
        members += [
            ("request", payerDetails ?? .null),
            ("environment", .string(environment.rawValue)),
            ("failure_reason", .optional(failureReason)),
            ("created_at", .string(RFC3339.format(millisecondsSince1970: createdAtMilliseconds))),
            ("updated_at", .string(RFC3339.format(millisecondsSince1970: updatedAtMilliseconds))),
        ]
        return .object(members)
    }
}
