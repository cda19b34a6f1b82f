import ElMomentoCore
import ElMomentoServer
import ElMomentoStore

/// `elmomento admin merchant …`: provisioning merchants and their secrets (SPEC 8).
enum AdminMerchantCommands {

    private static let settingOptions = [
        OptionSpec(name: "rate-limit", valueName: "N", help: "Requests admitted in any rolling hour (default 1000)."),
        OptionSpec(name: "currencies", valueName: "LIST", help: "ISO 4217 codes, comma-separated (default DOP,USD)."),
        OptionSpec(
            name: "max-amount", valueName: "A",
            help: "Largest order, in major units of its currency (default 1000000.00)."),
        OptionSpec(name: "fee-bps", valueName: "N", help: "Fee in basis points, for deposits and withdrawals."),
        OptionSpec(name: "fee-fixed", valueName: "A", help: "Fixed fee in major units, for deposits and withdrawals."),
        OptionSpec(name: "deposit-fee-bps", valueName: "N", help: "Deposit fee in basis points."),
        OptionSpec(name: "deposit-fee-fixed", valueName: "A", help: "Fixed deposit fee in major units."),
        OptionSpec(name: "withdrawal-fee-bps", valueName: "N", help: "Withdrawal fee in basis points."),
        OptionSpec(name: "withdrawal-fee-fixed", valueName: "A", help: "Fixed withdrawal fee in major units."),
        OptionSpec(
            name: "deposit-ttl-minutes", valueName: "N", help: "Minutes a deposit waits for its payer (default 30)."),
        OptionSpec(
            name: "require-signature-v2", valueName: nil,
            help: "Accept only Signature-Version: 2 (method, path and query signed too)."),
    ]

    static let commands: [Command] = [create, update, list, show, disable, enable, rotateSecret]

    private static func spec(_ word: String, _ summary: String, slug: Bool = true, options: [OptionSpec] = [])
        -> CommandSpec
    {
        CommandSpec(
            words: ["admin", "merchant", word], summary: summary, arguments: slug ? ["SLUG"] : [],
            options: options + StoreOptions.specs + [StoreOptions.jsonSpec])
    }

    static let create = Command(
        spec: spec(
            "create", "Create a merchant and print its secret, once.",
            options: [
                OptionSpec(
                    name: "secret", valueName: "S",
                    help: "Use this secret instead of generating one (sk_test_/sk_live_…)."),
                StoreOptions.keyFileSpec,
            ] + settingOptions)
    ) { arguments in
        let slug = arguments.positionals[0]
        guard Merchant.isValidSlug(slug) else {
            throw UsageError(message: "SLUG must be 1–63 characters of a-z, 0-9 and -, starting with a letter or digit")
        }
        let settings = try MerchantSettingsChange(arguments).applied(to: MerchantSettings())
        let store = try StoreOptions.open(arguments)
        let secret: String
        if let given = arguments.string("secret") {
            do {
                try MerchantSecret.check(given, for: store.environment)
            } catch {
                throw UsageError(message: "--secret: \(error)", suggestsHelp: false)
            }
            secret = given
        } else {
            secret = MerchantSecret.generate(for: store.environment)
        }
        let sealed = try StoreOptions.vault(arguments, store: store).seal(secret, context: slug)
        let merchant = try mapStoreErrors {
            try waitFor {
                try await store.createMerchant(
                    slug: slug, settings: settings, sealedSecret: sealed, atMilliseconds: currentMilliseconds())
            }
        }
        if arguments.has("json") {
            printJSON(.object([("slug", .string(merchant.slug)), ("secret", .string(secret))]))
        } else {
            print("Created merchant \(merchant.slug) (\(store.environment.rawValue)).")
            print("Secret, shown this once: \(secret)")
        }
        return 0
    }

    static let update = Command(
        spec: spec(
            "update", "Change a merchant's limits, currencies and fees.",
            options: settingOptions + [
                OptionSpec(
                    name: "allow-signature-v1", valueName: nil,
                    help: "Accept version 1 signatures again (undoes --require-signature-v2).")
            ])
    ) { arguments in
        let change = try MerchantSettingsChange(arguments)
        let merchant = try changeMerchant(arguments.positionals[0], in: try StoreOptions.open(arguments)) { merchant in
            merchant.settings = change.applied(to: merchant.settings)
        }
        printMerchant(merchant, arguments)
        return 0
    }

    static let list = Command(spec: spec("list", "List every merchant.", slug: false)) { arguments in
        let store = try StoreOptions.open(arguments)
        let merchants = try waitFor { try await store.merchants() }
        if arguments.has("json") {
            printJSON(.array(merchants.map { $0.jsonObject() }))
        } else {
            print("SLUG".padded(24) + "ENABLED".padded(9) + "RATE/HOUR".padded(11) + "CURRENCIES")
            for merchant in merchants {
                print(
                    merchant.slug.padded(24) + (merchant.isEnabled ? "yes" : "no").padded(9)
                        + String(merchant.settings.rateLimitPerHour).padded(11)
                        + merchant.settings.currencyCodes.joined(separator: ","))
            }
        }
        return 0
    }

    static let show = Command(spec: spec("show", "Show one merchant, without its secret.")) { arguments in
        let store = try StoreOptions.open(arguments)
        let slug = arguments.positionals[0]
        let now = currentMilliseconds()
        guard
            let merchant = try waitFor({ try await store.merchantCredentials(slug: slug, atMilliseconds: now) })?
                .merchant
        else {
            throw UsageError(message: StoreError.merchantNotFound(slug).description, suggestsHelp: false)
        }
        printMerchant(merchant, arguments)
        return 0
    }

    static let disable = Command(spec: spec("disable", "Refuse the merchant's requests (403).")) { arguments in
        let merchant = try changeMerchant(arguments.positionals[0], in: try StoreOptions.open(arguments)) {
            $0.isEnabled = false
        }
        printMerchant(merchant, arguments)
        return 0
    }

    static let enable = Command(spec: spec("enable", "Accept the merchant's requests again.")) { arguments in
        let merchant = try changeMerchant(arguments.positionals[0], in: try StoreOptions.open(arguments)) {
            $0.isEnabled = true
        }
        printMerchant(merchant, arguments)
        return 0
    }

    static let rotateSecret = Command(
        spec: spec(
            "rotate-secret", "Give the merchant a new secret; the old one works for the grace period.",
            options: [
                OptionSpec(
                    name: "grace-hours", valueName: "H", help: "How long the old secret stays valid (default 24)."),
                StoreOptions.keyFileSpec,
            ])
    ) { arguments in
        let slug = arguments.positionals[0]
        let graceHours = try arguments.integer("grace-hours", in: 0...720) ?? 24
        let store = try StoreOptions.open(arguments)
        let secret = MerchantSecret.generate(for: store.environment)
        let sealed = try StoreOptions.vault(arguments, store: store).seal(secret, context: slug)
        let rotatedAt = currentMilliseconds()
        let validUntil = rotatedAt + Int64(graceHours) * 3_600_000
        let merchant = try mapStoreErrors {
            try waitFor {
                try await store.rotateSecret(
                    slug: slug, sealedSecret: sealed, previousValidUntilMilliseconds: validUntil,
                    atMilliseconds: rotatedAt)
            }
        }
        let until = RFC3339.format(millisecondsSince1970: validUntil)
        if arguments.has("json") {
            printJSON(
                .object([
                    ("slug", .string(merchant.slug)), ("secret", .string(secret)),
                    ("previous_secret_valid_until", .string(until)),
                ]))
        } else {
            print("New secret for \(merchant.slug), shown this once: \(secret)")
            print("The previous secret stays valid until \(until).")
        }
        return 0
    }

    private static func changeMerchant(
        _ slug: String, in store: SQLiteStore, _ change: @escaping @Sendable (inout Merchant) -> Void
    ) throws -> Merchant {
        try mapStoreErrors {
            try waitFor { try await store.updateMerchant(slug: slug, atMilliseconds: currentMilliseconds(), change) }
        }
    }

    private static func printMerchant(_ merchant: Merchant, _ arguments: ParsedArguments) {
        if arguments.has("json") {
            printJSON(merchant.jsonObject())
            return
        }
        let settings = merchant.settings
        let lines: [(String, String)] = [
            ("slug", merchant.slug),
            ("enabled", merchant.isEnabled ? "yes" : "no"),
            ("rate limit", "\(settings.rateLimitPerHour) per hour"),
            ("currencies", settings.currencyCodes.joined(separator: ", ")),
            ("max amount", settings.maxAmountMajor),
            ("deposit fee", "\(settings.depositFee.basisPoints) bps + \(settings.depositFee.fixedMajor)"),
            ("withdrawal fee", "\(settings.withdrawalFee.basisPoints) bps + \(settings.withdrawalFee.fixedMajor)"),
            ("signature", settings.requiresSignatureVersion2 ? "version 2 only" : "version 1 or 2"),
            ("created at", RFC3339.format(millisecondsSince1970: merchant.createdAtMilliseconds)),
            ("updated at", RFC3339.format(millisecondsSince1970: merchant.updatedAtMilliseconds)),
        ]
        for (name, value) in lines { print(name.padded(16) + value) }
    }
}

/// A slug that is missing or taken, or a movement's reference already used by another, is
/// the operator's mistake: exit 2.
func mapStoreErrors<Value>(_ work: () throws -> Value) throws -> Value {
    do {
        return try work()
    } catch let error as StoreError {
        switch error {
        case .merchantExists, .merchantNotFound, .movementReferenceUsed(_, bySameMovement: false), .orderNotFound,
            .callbackNotFound:
            throw UsageError(message: error.description, suggestsHelp: false)
        default: throw error
        }
    }
}

/// The time an operator's command happens, in milliseconds since 1970.
func currentMilliseconds() -> Int64 {
    Int64(SystemClock().millisecondsSince1970())
}

func printJSON(_ value: JSONValue) {
    print(String(decoding: value.encoded(), as: UTF8.self))
}

extension String {
    /// The string followed by spaces up to `width` characters, for columns.
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
