import ElMomentoClient

/// `elmomento client deposit|withdrawal create|list|show`: a merchant's orders through the SDK
/// (SPEC 8).
enum ClientOrderCommands {
    /// The most orders one `list` prints.
    static let listLimitMax = 1000

    static let commands: [Command] = ElMomentoOrderType.allCases.flatMap { type in
        [create(type), list(type), show(type)]
    }

    private static func spec(
        _ type: ElMomentoOrderType, _ word: String, _ summary: String, arguments: [String] = [],
        options: [OptionSpec] = []
    ) -> CommandSpec {
        CommandSpec(
            words: ["client", type.rawValue, word], summary: summary, arguments: arguments,
            options: options + ClientOptions.credentialSpecs + [ClientOptions.jsonSpec])
    }

    private static func create(_ type: ElMomentoOrderType) -> Command {
        Command(
            spec: spec(
                type, "create",
                type == .deposit
                    ? "Create a deposit; repeating the command changes nothing."
                    : "Create a withdrawal, reserving amount plus fee; repeating the command changes nothing.",
                options: [
                    OptionSpec(
                        name: "amount", valueName: "A", help: "Amount in major units, such as 500.00 (required)."),
                    OptionSpec(name: "currency", valueName: "C", help: "ISO 4217 code, such as DOP (required)."),
                    OptionSpec(
                        name: "order-id", valueName: "ID",
                        help: "Your own id for the order, unique per type (required)."),
                    OptionSpec(name: "callback-url", valueName: "U", help: "Where status changes are sent."),
                    OptionSpec(
                        name: "request", valueName: "JSON",
                        help: type == .deposit
                            ? "Payer details, a JSON object: {\"email\": …, \"id_number\": …}."
                            : "Payer and payout details, a JSON object: {\"bank\": …, \"account_number\": …}."),
                ])
        ) { arguments in
            let request = try orderRequest(arguments)
            let client = try ClientOptions.client(arguments)
            let creation = try waitFor {
                type == .deposit ? try await client.createDeposit(request) : try await client.createWithdrawal(request)
            }
            if !arguments.has("json") {
                print(
                    creation.wasReplayed
                        ? "This \(type.rawValue) existed already (same orderID, same order): nothing changed."
                        : "Created \(type.rawValue) \(creation.order.orderID).")
            }
            ClientOutput.printOrder(creation.order, arguments)
            return 0
        }
    }

    private static func list(_ type: ElMomentoOrderType) -> Command {
        Command(
            spec: spec(
                type, "list", "List your \(type.rawValue)s, newest first.",
                options: [
                    OptionSpec(
                        name: "status", valueName: "S",
                        help: "Only this status: "
                            + ElMomentoOrderStatus.known.map(\.rawValue).joined(separator: ", ") + "."),
                    OptionSpec(
                        name: "limit", valueName: "N", help: "At most N orders, 1 to \(listLimitMax) (default 20)."),
                ])
        ) { arguments in
            let status = try statusOption(arguments)
            let limit = try arguments.integer("limit", in: 1...listLimitMax) ?? 20
            let client = try ClientOptions.client(arguments)
            let orders = try waitFor {
                let pageSize = min(limit, 100)
                let pages =
                    type == .deposit
                    ? client.listDeposits(status: status, pageSize: pageSize)
                    : client.listWithdrawals(status: status, pageSize: pageSize)
                var orders: [ElMomentoOrder] = []
                for try await order in pages {
                    orders.append(order)
                    if orders.count == limit { break }
                }
                return orders
            }
            ClientOutput.printOrders(orders, arguments)
            return 0
        }
    }

    private static func show(_ type: ElMomentoOrderType) -> Command {
        Command(spec: spec(type, "show", "Show one \(type.rawValue) by your orderID.", arguments: ["ORDER_ID"])) {
            arguments in
            let orderID = arguments.positionals[0]
            let client = try ClientOptions.client(arguments)
            let order = try waitFor {
                type == .deposit
                    ? try await client.deposit(orderID: orderID) : try await client.withdrawal(orderID: orderID)
            }
            ClientOutput.printOrder(order, arguments)
            return 0
        }
    }

    /// The order `--amount`, `--currency`, `--order-id`, `--callback-url` and `--request` describe.
    /// Only their form is checked here: the gateway judges the rest and names the field at fault.
    private static func orderRequest(_ arguments: ParsedArguments) throws(UsageError) -> ElMomentoOrderRequest {
        guard let amount = arguments.string("amount") else { throw UsageError(message: "--amount is required") }
        guard amount.wholeMatch(of: /[0-9]+(\.[0-9]+)?/) != nil else {
            throw UsageError(
                message: "--amount must be a positive decimal number such as 500 or 250.50, not \"\(amount)\"")
        }
        guard let currency = arguments.string("currency") else { throw UsageError(message: "--currency is required") }
        guard currency.wholeMatch(of: /[A-Z]{3}/) != nil else {
            throw UsageError(message: "--currency must be an ISO 4217 code such as DOP, not \"\(currency)\"")
        }
        guard let orderID = arguments.string("order-id"), !orderID.isEmpty else {
            throw UsageError(message: "--order-id is required")
        }
        var payer: ElMomentoJSON?
        if let text = arguments.string("request") {
            guard let json = try? ElMomentoJSON(parsing: Array(text.utf8)), case .object = json else {
                throw UsageError(message: "--request must be a JSON object, such as '{\"email\": \"ana@example.com\"}'")
            }
            payer = json
        }
        return ElMomentoOrderRequest(
            orderID: orderID, amount: amount, currency: currency, callbackURL: arguments.string("callback-url"),
            request: payer)
    }

    private static func statusOption(_ arguments: ParsedArguments) throws(UsageError) -> ElMomentoOrderStatus? {
        guard let text = arguments.string("status") else { return nil }
        let status = ElMomentoOrderStatus(rawValue: text)
        guard ElMomentoOrderStatus.known.contains(status) else {
            let known = ElMomentoOrderStatus.known.map(\.rawValue).joined(separator: ", ")
            throw UsageError(message: "--status must be one of \(known), not \"\(text)\"")
        }
        return status
    }
}
