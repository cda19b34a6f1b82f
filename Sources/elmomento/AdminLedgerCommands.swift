import ElMomentoCore
import ElMomentoStore

/// `elmomento admin balance …` and `admin ledger verify`: merchants' money (SPEC 5, 8).
enum AdminLedgerCommands {
    /// The longest reason an operator may record with a movement.
    static let reasonBytesMax = 500

    /// `credit` and `debit` come before the bare `admin balance SLUG`, which would take
    /// their word for a slug.
    static let commands: [Command] = [credit, debit, show, verify]

    static let show = Command(
        spec: CommandSpec(
            words: ["admin", "balance"], summary: "Show a merchant's balances.", arguments: ["SLUG"],
            options: StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let store = try StoreOptions.open(arguments)
        let slug = arguments.positionals[0]
        guard let sheet = try waitFor({ try await store.balanceSheet(slug: slug) }) else {
            throw UsageError(message: StoreError.merchantNotFound(slug).description, suggestsHelp: false)
        }
        printBalances(sheet, arguments)
        return 0
    }

    static let credit = adjustment(
        "credit", "Record money a merchant sent (a payout float), or a correction in its favour.")
    static let debit = adjustment(
        "debit", "Record money returned to a merchant, or a correction; never below zero.")

    private static func adjustment(_ word: String, _ summary: String) -> Command {
        Command(
            spec: CommandSpec(
                words: ["admin", "balance", word], summary: summary, arguments: ["SLUG"],
                options: [
                    OptionSpec(name: "currency", valueName: "C", help: "ISO 4217 code (required)."),
                    OptionSpec(
                        name: "amount", valueName: "A", help: "Amount in major units, such as 500 or 250.50 (required)."
                    ),
                    OptionSpec(name: "reason", valueName: "R", help: "Why, for the audit trail (required)."),
                    OptionSpec(
                        name: "reference", valueName: "REF",
                        help: "The transfer's reference: the same command again records nothing twice."),
                ] + StoreOptions.specs + [StoreOptions.jsonSpec])
        ) { arguments in
            let isCredit = word == "credit"
            let slug = arguments.positionals[0]
            let (currency, amount, reason) = try movementOptions(arguments)
            let reference = try referenceOption(arguments)
            let store = try StoreOptions.open(arguments)
            let sheet: BalanceSheet
            do {
                sheet = try mapStoreErrors {
                    try waitFor {
                        try await store.recordMovement(
                            slug: slug, reference: reference, atMilliseconds: currentMilliseconds()
                        ) { merchant in
                            try movement(
                                isCredit: isCredit, for: merchant, currency: currency, amount: amount, reason: reason)
                        }
                    }
                }
            } catch StoreError.movementReferenceUsed(let reference, bySameMovement: true) {
                // The same command again, after an answer that was lost: nothing more is recorded.
                guard let recorded = try waitFor({ try await store.balanceSheet(slug: slug) }) else {
                    throw UsageError(message: StoreError.merchantNotFound(slug).description, suggestsHelp: false)
                }
                if !arguments.has("json") { print("Already recorded with reference \(reference); nothing changed.") }
                printBalances(recorded, arguments)
                return 0
            } catch let shortfall as InsufficientFunds {
                let formatted = { MinorUnits.format($0, currency: currency) + " " + currency.code }
                printError(
                    "elmomento admin balance debit: \(slug) has \(formatted(shortfall.balanceMinorUnits)) available, "
                        + "less than \(formatted(amount)); nothing was recorded")
                return 1
            }
            if !arguments.has("json") {
                let verb = isCredit ? "Credited" : "Debited"
                print("\(verb) \(MinorUnits.format(amount, currency: currency)) \(currency.code) for \(slug).")
            }
            printBalances(sheet, arguments)
            return 0
        }
    }

    /// The credit or debit of `amount` minor units for `merchant`; a credit only in a currency
    /// the merchant has enabled, where it can use the money.
    private static func movement(
        isCredit: Bool, for merchant: Merchant, currency: Currency, amount: Int64, reason: String
    ) throws(UsageError) -> LedgerMovement {
        guard isCredit else {
            return .debit(merchantID: merchant.id, currency: currency, amountMinorUnits: amount, reason: reason)
        }
        guard merchant.settings.currencyCodes.contains(currency.code) else {
            throw UsageError(
                message: "\(currency.code) is not enabled for \(merchant.slug); enable it first with "
                    + "admin merchant update \(merchant.slug) --currencies", suggestsHelp: false)
        }
        return .credit(merchantID: merchant.id, currency: currency, amountMinorUnits: amount, reason: reason)
    }

    /// `--currency`, `--amount` and `--reason`, each required and checked.
    private static func movementOptions(
        _ arguments: ParsedArguments
    ) throws(UsageError) -> (Currency, Int64, String) {
        guard let code = arguments.string("currency") else { throw UsageError(message: "--currency is required") }
        guard let currency = Currency(code: code) else {
            throw UsageError(message: "--currency must be an ISO 4217 code such as DOP, not \"\(code)\"")
        }
        guard let amountText = arguments.string("amount") else { throw UsageError(message: "--amount is required") }
        let amount: Int64
        do throws(AmountParseFailure) {
            amount = try MinorUnits.parse(amountText, currency: currency)
        } catch .tooLarge {
            let most = MinorUnits.format(MinorUnits.countMax, currency: currency)
            throw UsageError(message: "--amount must be at most \(most) \(code), not \(amountText)")
        } catch {
            throw UsageError(
                message: "--amount must be a positive amount of \(code) with at most \(currency.minorUnitDigits) "
                    + "decimals, not \"\(amountText)\"")
        }
        guard let reason = arguments.string("reason"), !reason.allSatisfy(\.isWhitespace) else {
            throw UsageError(message: "--reason is required: say why, for the audit trail")
        }
        guard reason.utf8.count <= reasonBytesMax else {
            throw UsageError(message: "--reason must be at most \(reasonBytesMax) bytes")
        }
        return (currency, amount, reason)
    }

    /// `--reference`: 1–64 printable characters, when given.
    private static func referenceOption(_ arguments: ParsedArguments) throws(UsageError) -> String? {
        guard let reference = arguments.string("reference") else { return nil }
        guard (1...64).contains(reference.count), reference.unicodeScalars.allSatisfy({ (33...126).contains($0.value) })
        else {
            throw UsageError(message: "--reference must be 1 to 64 printable ASCII characters without spaces")
        }
        return reference
    }

    static let verify = Command(
        spec: CommandSpec(
            words: ["admin", "ledger", "verify"],
            summary: "Recompute every balance from the postings; exit 1 listing each difference.",
            arguments: [], options: StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let store = try StoreOptions.open(arguments)
        let report = try waitFor { try await store.verifyLedger() }
        if arguments.has("json") {
            printJSON(
                .object([
                    ("clean", .bool(report.differences.isEmpty)), ("accounts", .integer(report.accountCount)),
                    ("movements", .integer(report.movementCount)),
                    ("differences", .array(report.differences.map(JSONValue.string))),
                ]))
        } else if report.differences.isEmpty {
            print(
                "Ledger clean: \(report.accountCount) accounts and \(report.movementCount) movements agree with "
                    + "their postings.")
        } else {
            print("Ledger differences (\(report.differences.count)):")
            for difference in report.differences { print("  " + difference) }
        }
        return report.differences.isEmpty ? 0 : 1
    }

    /// The merchant's balances in its enabled currencies, and in any other that holds money.
    private static func printBalances(_ sheet: BalanceSheet, _ arguments: ParsedArguments) {
        let balances = MerchantBalance.listed(
            sheet.balances, currencyCodes: sheet.merchant.settings.currencyCodes, withOthersHoldingMoney: true)
        if arguments.has("json") {
            printJSON(MerchantBalance.jsonObject(balances))
            return
        }
        print("CURRENCY".padded(10) + "AVAILABLE".padded(20) + "RESERVED")
        for balance in balances {
            print(
                balance.currency.code.padded(10)
                    + MinorUnits.format(balance.availableMinorUnits, currency: balance.currency).padded(20)
                    + MinorUnits.format(balance.reservedMinorUnits, currency: balance.currency))
        }
    }
}
