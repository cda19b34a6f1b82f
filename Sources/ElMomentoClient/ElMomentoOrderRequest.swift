/// A deposit or withdrawal to create (SPEC 3.2).
///
/// The amount is decimal text in major units (`"500"`, `"250.50"`), so that no binary
/// floating point ever rounds a merchant's money; the gateway checks it against the
/// currency's minor units.
public struct ElMomentoOrderRequest: Sendable, Equatable {
    /// The merchant's own id, unique per order type: sending the same order again with it is
    /// answered with the existing order, so a create is safe to retry.
    public var orderID: String
    /// The amount in major units, as decimal text (`"500.00"`).
    public var amount: String
    /// The ISO 4217 currency code (`DOP`).
    public var currency: String
    /// Where the gateway sends the order's status changes; none when `nil`.
    public var callbackURL: String?
    /// Payer details (`email`, `id_number`; for withdrawals the payout destination:
    /// `bank`, `account_number`, `account_type`, `holder_name`), a JSON object.
    public var request: ElMomentoJSON?

    /// An order request with payer details as a JSON object.
    public init(
        orderID: String, amount: String, currency: String, callbackURL: String? = nil, request: ElMomentoJSON? = nil
    ) {
        self.orderID = orderID
        self.amount = amount
        self.currency = currency
        self.callbackURL = callbackURL
        self.request = request
    }

    /// An order request with payer details as strings.
    public init(
        orderID: String, amount: String, currency: String, callbackURL: String? = nil, payer: [String: String]
    ) {
        self.init(
            orderID: orderID, amount: amount, currency: currency, callbackURL: callbackURL, request: .object(payer))
    }

    /// The request body, in the integration document's key order.
    ///
    /// A plain decimal amount is written as a JSON number, as the document does; anything
    /// else is sent as a string for the gateway to refuse with the field named, so that the
    /// rules live in one place.
    public func body() -> [UInt8] {
        var members: [(String, ElMomentoJSON)] = [
            ("amount", Self.isPlainDecimal(amount) ? .number(amount) : .string(amount)),
            ("orderID", .string(orderID)),
            ("currency", .string(currency)),
        ]
        if let callbackURL { members.append(("callback_url", .string(callbackURL))) }
        if let request { members.append(("request", request)) }
        return ElMomentoJSON.object(members).encoded()
    }

    /// Digits, optionally a point and more digits: valid JSON number text with no sign or exponent.
    static func isPlainDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return false }
        guard whole == "0" || whole.first != "0" else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

/// What a create returned.
public struct ElMomentoCreation: Sendable, Equatable {
    /// The order, new or existing.
    public let order: ElMomentoOrder
    /// Whether the order existed already (same `orderID`, same order: `200` with
    /// `Idempotent-Replayed: true`) rather than being created now (`201`).
    public let wasReplayed: Bool
    /// The gateway's id for the request (`req_…`), for support.
    public let requestID: String?
}
