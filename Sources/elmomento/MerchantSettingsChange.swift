import ElMomentoCore

/// The merchant settings an `admin merchant create|update` command line asks for,
/// checked as a whole before anything is written.
struct MerchantSettingsChange: Sendable {
    private var rateLimitPerHour: Int?
    private var currencyCodes: [String]?
    private var maxAmountMajor: String?
    private var depositFeeBasisPoints: Int?
    private var depositFeeFixedMajor: String?
    private var withdrawalFeeBasisPoints: Int?
    private var withdrawalFeeFixedMajor: String?
    private var requiresSignatureVersion2: Bool?
    private var depositTimeToLiveMinutes: Int?

    /// The largest fixed fee or order maximum accepted, in major units.
    static let majorAmountDigitsMax = 12

    init(_ arguments: ParsedArguments) throws(UsageError) {
        rateLimitPerHour = try arguments.integer("rate-limit", in: 1...1_000_000_000)
        if let list = arguments.string("currencies") {
            currencyCodes = try Self.currencyCodes(list)
        }
        maxAmountMajor = try Self.majorAmount(arguments, "max-amount", atLeastOne: true)
        let bothBasisPoints = try arguments.integer("fee-bps", in: 0...10_000)
        let bothFixed = try Self.majorAmount(arguments, "fee-fixed", atLeastOne: false)
        depositFeeBasisPoints = try arguments.integer("deposit-fee-bps", in: 0...10_000) ?? bothBasisPoints
        depositFeeFixedMajor = try Self.majorAmount(arguments, "deposit-fee-fixed", atLeastOne: false) ?? bothFixed
        withdrawalFeeBasisPoints = try arguments.integer("withdrawal-fee-bps", in: 0...10_000) ?? bothBasisPoints
        withdrawalFeeFixedMajor =
            try Self.majorAmount(arguments, "withdrawal-fee-fixed", atLeastOne: false) ?? bothFixed
        depositTimeToLiveMinutes = try arguments.integer("deposit-ttl-minutes", in: 1...525_600)
        switch (arguments.has("require-signature-v2"), arguments.has("allow-signature-v1")) {
        case (true, true):
            throw UsageError(message: "--require-signature-v2 and --allow-signature-v1 contradict each other")
        case (true, false): requiresSignatureVersion2 = true
        case (false, true): requiresSignatureVersion2 = false
        case (false, false): requiresSignatureVersion2 = nil
        }
    }

    /// `settings` with every asked-for change made.
    func applied(to settings: MerchantSettings) -> MerchantSettings {
        var settings = settings
        settings.rateLimitPerHour = rateLimitPerHour ?? settings.rateLimitPerHour
        settings.currencyCodes = currencyCodes ?? settings.currencyCodes
        settings.maxAmountMajor = maxAmountMajor ?? settings.maxAmountMajor
        settings.depositFee.basisPoints = depositFeeBasisPoints ?? settings.depositFee.basisPoints
        settings.depositFee.fixedMajor = depositFeeFixedMajor ?? settings.depositFee.fixedMajor
        settings.withdrawalFee.basisPoints = withdrawalFeeBasisPoints ?? settings.withdrawalFee.basisPoints
        settings.withdrawalFee.fixedMajor = withdrawalFeeFixedMajor ?? settings.withdrawalFee.fixedMajor
        settings.requiresSignatureVersion2 = requiresSignatureVersion2 ?? settings.requiresSignatureVersion2
        settings.depositTimeToLiveMinutes = depositTimeToLiveMinutes ?? settings.depositTimeToLiveMinutes
        return settings
    }

    private static func currencyCodes(_ list: String) throws(UsageError) -> [String] {
        let codes = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for code in codes where Currency(code: code) == nil {
            throw UsageError(message: "--currencies: \"\(code)\" is not an ISO 4217 currency code (such as DOP)")
        }
        guard Set(codes).count == codes.count else { throw UsageError(message: "--currencies lists a code twice") }
        return codes
    }

    /// A decimal amount in major units (`1000000.00`, `1.5`), as plain digits: no sign,
    /// no exponent, so that it reads the same to people and to the order checks. A
    /// maximum is at least 1, so that it is a whole amount in every currency.
    private static func majorAmount(
        _ arguments: ParsedArguments, _ name: String, atLeastOne: Bool
    ) throws(UsageError) -> String? {
        guard let text = arguments.string(name) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy(\.isASCIIDigit) }
        guard parts.count <= 2, parts.allSatisfy(isDigits), parts[0].count <= majorAmountDigitsMax,
            parts.count == 1 || parts[1].count <= 6
        else {
            throw UsageError(message: "--\(name) must be an amount in major units such as 1000000.00, not \"\(text)\"")
        }
        guard !atLeastOne || parts[0].contains(where: { $0 != "0" }) else {
            throw UsageError(message: "--\(name) must be at least 1, not \"\(text)\"")
        }
        return text
    }
}
