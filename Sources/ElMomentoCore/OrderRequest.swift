/// A validated create-order request (SPEC 3.2); deposits and withdrawals share it.
public struct OrderRequest: Sendable, Equatable {
    /// The merchant's own id for the order, unique per merchant and kind.
    public let orderID: String
    /// The amount in minor units of `currency`, always positive.
    public let amountMinorUnits: Int64
    /// The order's currency; a real ISO 4217 code the merchant has enabled.
    public let currency: Currency
    /// Where status changes are posted; `nil` sends no callbacks.
    public let callbackURL: String?
    /// The `request` object with its values as sent; `nil` when absent or `null`.
    public let payerDetails: JSONValue?

    /// The most bytes the `request` object may take in the body, as sent.
    public static let payerDetailsBytesMax = 4096

    private init(
        orderID: String,
        amountMinorUnits: Int64,
        currency: Currency,
        callbackURL: String?,
        payerDetails: JSONValue?
    ) {
        self.orderID = orderID
        self.amountMinorUnits = amountMinorUnits
        self.currency = currency
        self.callbackURL = callbackURL
        self.payerDetails = payerDetails
    }

    /// Text that is equal for two requests that are the same order per SPEC 3.2 and different
    /// otherwise: the amount as minor units (so `500`, `500.0` and `"500.00"` agree), the currency,
    /// the callback URL and the `request` object with keys sorted, without whitespace. Versioned so
    /// that a later change of form never matches a stored fingerprint by accident. The orderID is
    /// left out: it is what the comparison is keyed on.
    public var fingerprint: String {
        let value: JSONValue = .object([
            ("amount", .integer(amountMinorUnits)),
            ("currency", .string(currency.code)),
            ("callback_url", .optional(callbackURL)),
            ("request", payerDetails ?? .null),
        ])
        return "v1:" + String(decoding: value.canonicalEncoded(), as: UTF8.self)
    }

    /// Validates a create-order body: every `400` rule (SPEC 3.2).
    ///
    /// Fields are checked in this order and the first fault is reported: `orderID`, `currency`,
    /// `amount` (after the currency, because its precision depends on it), `callback_url`,
    /// `request`. Unknown top-level fields are ignored. The merchant's limits (`422`) are left to
    /// `checkMerchantLimits`, which comes after a repeated `orderID` is recognised, so that a
    /// retry is answered with its order even after the merchant's settings changed; only an
    /// amount too large to hold is refused here, being above any limit.
    public static func parse(body: [UInt8], kind: OrderKind, rules: OrderRules) throws(OrderRequestFault)
        -> OrderRequest
    {
        let document: (value: JSONValue, topLevelMemberByteCounts: [String: Int])
        do throws(JSONParseError) {
            document = try JSONValue.parseDocument(body)
        } catch {
            throw OrderRequestFault(kind: .invalidJSON, message: "The body is not valid JSON: \(error).", field: nil)
        }
        guard case .object = document.value else {
            throw .invalid(nil, "The body must be a JSON object, such as {\"amount\": 500, …}.")
        }
        let fields = document.value
        let orderID = try OrderFieldRules.orderID(fields["orderID"])
        let currency = try OrderFieldRules.currency(fields["currency"])
        let amount = try OrderFieldRules.amount(fields["amount"], currency: currency)
        let callbackURL = try OrderFieldRules.callbackURL(fields["callback_url"], environment: rules.environment)
        let payerDetails = try OrderFieldRules.payerDetails(
            fields["request"],
            byteCount: document.topLevelMemberByteCounts["request"] ?? 0,
            kind: kind
        )
        guard let amountMinorUnits = amount else {
            try checkMerchantLimits(currency: currency, amountMinorUnits: nil, rules: rules)
            preconditionFailure("an amount too large to hold passed the limit check")
        }
        return OrderRequest(
            orderID: orderID,
            amountMinorUnits: amountMinorUnits,
            currency: currency,
            callbackURL: callbackURL,
            payerDetails: payerDetails
        )
    }

    /// The merchant's `422` checks, for a new order: its currency enabled (`currencyNotEnabled`),
    /// then its amount within the per-order maximum (`amountAboveLimit`).
    public func checkMerchantLimits(_ rules: OrderRules) throws(OrderRequestFault) {
        try Self.checkMerchantLimits(currency: currency, amountMinorUnits: amountMinorUnits, rules: rules)
    }

    /// An amount too large to hold (`nil`) is above any limit.
    private static func checkMerchantLimits(
        currency: Currency,
        amountMinorUnits: Int64?,
        rules: OrderRules
    ) throws(OrderRequestFault) {
        guard rules.enabledCurrencyCodes.contains(currency.code) else {
            throw OrderRequestFault(
                kind: .currencyNotEnabled,
                message: "\(currency.code) is not enabled for this merchant.",
                field: "currency"
            )
        }
        let limit = MinorUnits.parseLimit(rules.maxAmountMajor, currency: currency)
        guard let limit, let amountMinorUnits, amountMinorUnits <= limit else {
            let shown = limit.map { " of \(MinorUnits.format($0, currency: currency)) \(currency.code)" } ?? ""
            throw OrderRequestFault(
                kind: .amountAboveLimit,
                message: "amount is above the per-order maximum\(shown).",
                field: "amount"
            )
        }
    }

    /// Whether `text` follows the orderID rule: 1–64 characters of `A-Z a-z 0-9 . _ : -`, starting
    /// with a letter or digit. Also for orderIDs in paths and list filters.
    public static func isValidOrderID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), let first = bytes.first, first.isASCIILetter || first.isASCIIDigit else {
            return false
        }
        return bytes.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || $0 == 0x2E || $0 == 0x5F || $0 == 0x3A || $0 == 0x2D
        }
    }
}
