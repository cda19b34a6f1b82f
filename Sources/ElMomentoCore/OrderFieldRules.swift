/// The rule of each create-order field (SPEC 3.2), one function per field; each returns the
/// field's value or throws a fault naming it.
enum OrderFieldRules {
    /// Bytes a payout destination field (`bank`, `holder_name`, …) may take.
    static let payoutFieldBytesMax = 128
    /// RFC 5321's limit on a usable address.
    static let emailBytesMax = 254
    static let payoutFieldNames = ["bank", "account_number", "account_type", "holder_name"]

    static func orderID(_ value: JSONValue?) throws(OrderRequestFault) -> String {
        guard let value else { throw .invalid("orderID", "orderID is required.") }
        guard case .string(let text) = value, OrderRequest.isValidOrderID(text) else {
            throw .invalid(
                "orderID",
                "orderID must be a string of 1 to 64 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit."
            )
        }
        return text
    }

    static func currency(_ value: JSONValue?) throws(OrderRequestFault) -> Currency {
        guard let value else { throw .invalid("currency", "currency is required.") }
        guard case .string(let code) = value else {
            throw .invalid("currency", "currency must be a string holding an ISO 4217 code, such as \"DOP\".")
        }
        guard let currency = Currency(code: code) else {
            throw .invalid("currency", "currency must be an upper-case ISO 4217 code, such as \"DOP\".")
        }
        return currency
    }

    /// The amount in minor units, or `nil` when it is too large to hold: that is reported as above
    /// the merchant's limit, after the `400` checks.
    static func amount(_ value: JSONValue?, currency: Currency) throws(OrderRequestFault) -> Int64? {
        let text: String
        switch value {
        case nil: throw .invalid("amount", "amount is required.")
        case .number(let number)?: text = number
        case .string(let string)?: text = string
        default: throw .invalid("amount", "amount must be a number or a decimal string, such as 500 or \"500.50\".")
        }
        do throws(AmountParseFailure) {
            return try MinorUnits.parse(text, currency: currency)
        } catch {
            switch error {
            case .malformed:
                throw .invalid("amount", "amount must be a decimal number, such as 500 or \"500.50\".")
            case .notPositive:
                throw .invalid("amount", "amount must be greater than zero.")
            case .tooPrecise:
                throw .invalid(
                    "amount",
                    "amount has more decimals than \(currency.code) allows (\(currency.minorUnitDigits))."
                )
            case .tooLarge:
                return nil
            }
        }
    }

    static func callbackURL(_ value: JSONValue?, environment: GatewayEnvironment) throws(OrderRequestFault) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let url)?:
            if let refusal = CallbackURLPolicy.refusal(for: url, environment: environment) {
                throw .invalid("callback_url", refusal)
            }
            return url
        default: throw .invalid("callback_url", "callback_url must be a string or null.")
        }
    }

    static func payerDetails(
        _ value: JSONValue?,
        byteCount: Int,
        kind: OrderKind
    ) throws(OrderRequestFault) -> JSONValue? {
        switch value {
        case nil, .null?:
            // A payout needs to know where it goes; a deposit's payer may stay anonymous.
            guard kind == .deposit else {
                throw .invalid("request", "request is required for a withdrawal: the payout's destination.")
            }
            return nil
        case .object?: break
        default: throw .invalid("request", "request must be a JSON object or null.")
        }
        guard let value else { return nil }
        guard byteCount <= OrderRequest.payerDetailsBytesMax else {
            throw .invalid("request", "request must be at most \(OrderRequest.payerDetailsBytesMax) bytes as sent.")
        }
        if let email = value["email"] { try checkEmail(email) }
        if let idNumber = value["id_number"] { try checkIDNumber(idNumber) }
        if kind == .withdrawal {
            for name in payoutFieldNames {
                if let field = value[name] { try checkPayoutField(field, name: name) }
            }
        }
        return value
    }

    private static func checkEmail(_ value: JSONValue) throws(OrderRequestFault) {
        guard case .string(let text) = value, looksLikeEmail(text) else {
            throw .invalid("request.email", "request.email must be a string that looks like name@example.com.")
        }
    }

    /// A plausibility check, not RFC 5322: one `@`, a non-empty local part, a domain of non-empty
    /// dot-separated labels with at least one dot, no whitespace or control characters.
    static func looksLikeEmail(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= emailBytesMax, !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return false }
        let parts = bytes.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let labels = parts[1].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    private static func checkIDNumber(_ value: JSONValue) throws(OrderRequestFault) {
        guard case .string(let text) = value, isIDNumber(text) else {
            throw .invalid(
                "request.id_number",
                "request.id_number must be a cédula (11 digits, or 001-0000000-1)"
                    + " or a passport number (6 to 20 letters or digits)."
            )
        }
    }

    /// A Dominican cédula, plain or dashed 3-7-1, or a passport number; no check digit, since the
    /// seed's own example `00100000001` has none that validates.
    static func isIDNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.count == 13, bytes[3] == UInt8(ascii: "-"), bytes[11] == UInt8(ascii: "-") {
            return bytes.enumerated().allSatisfy { $0.offset == 3 || $0.offset == 11 || $0.element.isASCIIDigit }
        }
        if bytes.count == 11, bytes.allSatisfy(\.isASCIIDigit) { return true }
        return (6...20).contains(bytes.count) && bytes.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit }
    }

    private static func checkPayoutField(_ value: JSONValue, name: String) throws(OrderRequestFault) {
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= payoutFieldBytesMax else {
            throw .invalid(
                "request.\(name)",
                "request.\(name) must be a non-empty string of at most \(payoutFieldBytesMax) bytes."
            )
        }
    }
}
