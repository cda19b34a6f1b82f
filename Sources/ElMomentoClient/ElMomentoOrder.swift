/// Whether an order takes money in or pays it out.
public enum ElMomentoOrderType: String, Sendable, CaseIterable {
    /// A pay-in: the merchant's customer pays the merchant.
    case deposit
    /// A pay-out: the merchant pays its customer.
    case withdrawal
}

/// Where an order is in its lifecycle (SPEC 4).
///
/// A struct rather than an enum so that a status a newer gateway adds is read, not refused.
public struct ElMomentoOrderStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The status as the gateway writes it (`pending`).
    public let rawValue: String

    /// The status written `rawValue`, known to this SDK or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Created; a deposit awaits payment, a withdrawal awaits the operator (its funds reserved).
    public static let pending = ElMomentoOrderStatus(rawValue: "pending")
    /// A withdrawal the operator approved, being paid out.
    public static let processing = ElMomentoOrderStatus(rawValue: "processing")
    /// Settled. Terminal.
    public static let completed = ElMomentoOrderStatus(rawValue: "completed")
    /// Did not settle; `failureReason` says why. Terminal.
    public static let failed = ElMomentoOrderStatus(rawValue: "failed")
    /// A deposit not paid within its time to live. Terminal.
    public static let expired = ElMomentoOrderStatus(rawValue: "expired")
    /// A deposit an operator cancelled. Terminal.
    public static let cancelled = ElMomentoOrderStatus(rawValue: "cancelled")
    /// A withdrawal the operator refused; its funds were released. Terminal.
    public static let rejected = ElMomentoOrderStatus(rawValue: "rejected")

    /// Every status this SDK knows of.
    public static let known: [ElMomentoOrderStatus] = [
        .pending, .processing, .completed, .failed, .expired, .cancelled, .rejected,
    ]

    /// The status as the gateway writes it.
    public var description: String { rawValue }
}

/// A deposit or withdrawal order as the gateway shows it (SPEC 3.3).
///
/// Amounts are the exact decimal text the gateway wrote (`"500.5"`), never a binary
/// floating-point number: parse them with `Decimal(string:)` or into integer minor units.
public struct ElMomentoOrder: Sendable, Equatable {
    /// The gateway's id (`dep_…`, `wd_…`).
    public let id: String
    /// The merchant's own id for the order.
    public let orderID: String
    /// Deposit or withdrawal.
    public let type: ElMomentoOrderType
    /// Where the order is in its lifecycle.
    public let status: ElMomentoOrderStatus
    /// The amount in major units, as the gateway wrote it (`"500"`, `"500.5"`).
    public let amount: String
    /// The ISO 4217 currency code.
    public let currency: String
    /// The merchant's fee on this order, in major units, as written.
    public let fee: String
    /// Where status changes are sent, when the order has one.
    public let callbackURL: String?
    /// The hosted payment page, for deposits.
    public let paymentURL: String?
    /// The payer details given at creation, when there were any.
    public let request: ElMomentoJSON?
    /// `sandbox` or `production`.
    public let environment: String
    /// Why the order failed, when it did.
    public let failureReason: String?
    /// When the order was created, RFC 3339 (`2026-12-04T19:40:33Z`).
    public let createdAt: String
    /// When the order last changed, RFC 3339.
    public let updatedAt: String
    /// The whole object the gateway sent, including any field this SDK does not know yet.
    public let json: ElMomentoJSON

    /// Reads an order object; `nil` when a required field is missing or of the wrong kind.
    public init?(json: ElMomentoJSON) {
        guard let id = json["id"]?.stringValue, let orderID = json["orderID"]?.stringValue,
            let type = json["type"]?.stringValue.flatMap(ElMomentoOrderType.init(rawValue:)),
            let status = json["status"]?.stringValue, let amount = json["amount"].flatMap(Self.decimalText),
            let currency = json["currency"]?.stringValue, let fee = json["fee"].flatMap(Self.decimalText),
            let environment = json["environment"]?.stringValue, let createdAt = json["created_at"]?.stringValue,
            let updatedAt = json["updated_at"]?.stringValue
        else { return nil }
        self.id = id
        self.orderID = orderID
        self.type = type
        self.status = ElMomentoOrderStatus(rawValue: status)
        self.amount = amount
        self.currency = currency
        self.fee = fee
        self.callbackURL = json["callback_url"]?.stringValue
        self.paymentURL = json["payment_url"]?.stringValue
        self.request = json["request"].flatMap { $0.isNull ? nil : $0 }
        self.environment = environment
        self.failureReason = json["failure_reason"]?.stringValue
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.json = json
    }

    /// A JSON number's text, or a decimal string's (the gateway accepts both spellings).
    static func decimalText(_ value: ElMomentoJSON) -> String? {
        value.numberText ?? value.stringValue
    }
}

/// A status change of an order: what its callback carries, and what the events list shows
/// (SPEC 3.5, 6).
public struct ElMomentoEvent: Sendable, Equatable {
    /// The order as it was after the change.
    public let order: ElMomentoOrder
    /// The order type and its new status (`deposit.completed`).
    public let event: String
    /// The change's number in its order's history: 1 for the first change, then 2, …
    public let sequence: Int
    /// The event's unique id (`evt_…`), stable across callback retries: deduplicate on it.
    /// It is also the cursor that lists the events after this one.
    public let webhookID: String

    /// Reads an event object; `nil` when a required field is missing or of the wrong kind.
    public init?(json: ElMomentoJSON) {
        guard let order = ElMomentoOrder(json: json), let event = json["event"]?.stringValue,
            let sequence = json["sequence"]?.numberText.flatMap({ Int($0) }),
            let webhookID = json["webhook_id"]?.stringValue
        else { return nil }
        self.order = order
        self.event = event
        self.sequence = sequence
        self.webhookID = webhookID
    }
}

/// A merchant's money in one currency (SPEC 3.3), in major units as the gateway wrote them.
public struct ElMomentoBalance: Sendable, Equatable {
    /// The ISO 4217 currency code.
    public let currency: String
    /// What the merchant can use, for withdrawals among others.
    public let available: String
    /// What open withdrawals have set aside.
    public let reserved: String

    /// A balance; the SDK reads them from `GET …/balance/`.
    public init(currency: String, available: String, reserved: String) {
        self.currency = currency
        self.available = available
        self.reserved = reserved
    }

    /// Reads one entry of `balances`; `nil` when a field is missing or of the wrong kind.
    public init?(json: ElMomentoJSON) {
        guard let currency = json["currency"]?.stringValue,
            let available = json["available"].flatMap(ElMomentoOrder.decimalText),
            let reserved = json["reserved"].flatMap(ElMomentoOrder.decimalText)
        else { return nil }
        self.init(currency: currency, available: available, reserved: reserved)
    }
}
