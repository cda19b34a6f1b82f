import ElMomentoCore
import ElMomentoStore

/// `elmomento admin order …`: operators look at orders and move them through their
/// lifecycle (SPEC 4, 8). Ids are the gateway's (`dep_…`, `wd_…`).
enum AdminOrderCommands {
    static let commands: [Command] =
        [list, show]
        + [
            (OrderAction.complete, "Complete a pending deposit or a processing withdrawal."),
            (.fail, "Fail a pending deposit or a processing withdrawal (its funds are released)."),
            (.approve, "Approve a pending withdrawal: it goes to processing."),
            (.reject, "Reject a pending withdrawal (its funds are released)."),
            (.cancel, "Cancel a pending deposit."),
        ].map(action)

    static let list = Command(
        spec: CommandSpec(
            words: ["admin", "order", "list"], summary: "List orders, newest first.", arguments: [],
            options: [
                OptionSpec(name: "merchant", valueName: "SLUG", help: "Only this merchant's orders."),
                OptionSpec(name: "status", valueName: "S", help: "Only orders in this status."),
                OptionSpec(name: "limit", valueName: "N", help: "At most this many (default 50, at most 1000)."),
            ] + StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let status = try arguments.choice("status", of: OrderStatus.self)
        let limit = try arguments.integer("limit", in: 1...1000) ?? 50
        let merchant = arguments.string("merchant")
        let store = try StoreOptions.open(arguments)
        if let merchant, try waitFor({ try await store.merchants() }).allSatisfy({ $0.slug != merchant }) {
            throw UsageError(message: StoreError.merchantNotFound(merchant).description, suggestsHelp: false)
        }
        let orders = try waitFor {
            try await store.operatorOrders(merchantSlug: merchant, status: status, limit: limit)
        }
        if arguments.has("json") {
            printJSON(.array(orders.map { $0.jsonObject() }))
            return 0
        }
        print(
            "ID".padded(31) + "MERCHANT".padded(14) + "TYPE".padded(11) + "STATUS".padded(11) + "AMOUNT".padded(16)
                + "ORDERID".padded(24) + "CREATED")
        for entry in orders {
            let order = entry.order
            print(
                order.id.padded(31) + entry.merchantSlug.padded(14) + order.kind.rawValue.padded(11)
                    + order.status.rawValue.padded(11) + amount(order).padded(16) + order.orderID.padded(24)
                    + RFC3339.format(millisecondsSince1970: order.createdAtMilliseconds))
        }
        return 0
    }

    static let show = Command(
        spec: CommandSpec(
            words: ["admin", "order", "show"], summary: "Show an order and its status changes.", arguments: ["ID"],
            options: StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let id = arguments.positionals[0]
        let store = try StoreOptions.open(arguments)
        guard let history = try waitFor({ try await store.orderHistory(id: id) }) else {
            throw UsageError(message: StoreError.orderNotFound(id).description, suggestsHelp: false)
        }
        if arguments.has("json") {
            printJSON(history.order.jsonObject().appending([("changes", .array(history.changes.map(jsonObject)))]))
            return 0
        }
        printOrder(history.order)
        print("Changes:")
        if history.changes.isEmpty { print("  none") }
        for change in history.changes {
            print(
                "  \(change.sequence). \(RFC3339.format(millisecondsSince1970: change.atMilliseconds)) "
                    + "\(change.previousStatus.rawValue) → \(change.status.rawValue) by \(change.actor.rawValue)"
                    + (change.reason.map { ": \($0)" } ?? "") + "  [\(change.webhookID)]")
        }
        return 0
    }

    /// `admin order complete|fail|approve|reject|cancel ID`; `fail` and `reject` need a reason,
    /// which the merchant sees as `failure_reason`.
    private static func action(_ action: OrderAction, summary: String) -> Command {
        let needsReason = action == .fail || action == .reject
        return Command(
            spec: CommandSpec(
                words: ["admin", "order", action.rawValue], summary: summary, arguments: ["ID"],
                options: [
                    OptionSpec(
                        name: "reason", valueName: "R",
                        help: needsReason
                            ? "Why; the merchant sees it as failure_reason (required)." : "Why, for the audit trail.")
                ] + StoreOptions.specs + [StoreOptions.jsonSpec])
        ) { arguments in
            let id = arguments.positionals[0]
            let reason = try reasonOption(arguments, required: needsReason)
            let store = try StoreOptions.open(arguments)
            let event: OrderEvent
            do {
                event = try mapStoreErrors {
                    try waitFor {
                        let now = currentMilliseconds()
                        return try await store.changeOrder(id: id, atMilliseconds: now) {
                            try $0.applying(action, by: .operator, reason: reason, atMilliseconds: now)
                        }
                    }
                }
            } catch let refusal as OrderTransitionRefused {
                printError("elmomento admin order \(action.rawValue): \(refusal); nothing changed")
                return 1
            }
            let order = event.change.order
            if arguments.has("json") {
                guard let changed = try waitFor({ try await store.orderHistory(id: id) }) else { return 1 }
                printJSON(changed.order.jsonObject())
            } else {
                print("\(order.id) is now \(order.status.rawValue) (was \(event.change.previousStatus.rawValue)).")
            }
            return 0
        }
    }

    private static func reasonOption(_ arguments: ParsedArguments, required: Bool) throws(UsageError) -> String? {
        guard let reason = arguments.string("reason") else {
            if required { throw UsageError(message: "--reason is required: the merchant sees it as failure_reason") }
            return nil
        }
        guard !reason.allSatisfy(\.isWhitespace), reason.utf8.count <= AdminLedgerCommands.reasonBytesMax else {
            throw UsageError(message: "--reason must be 1 to \(AdminLedgerCommands.reasonBytesMax) bytes of text")
        }
        return reason
    }

    private static func amount(_ order: Order) -> String {
        MinorUnits.format(order.amountMinorUnits, currency: order.currency) + " " + order.currency.code
    }

    private static func printOrder(_ entry: MerchantOrder) {
        let order = entry.order
        let rows: [(String, String?)] = [
            ("id", order.id), ("merchant", entry.merchantSlug), ("orderID", order.orderID),
            ("type", order.kind.rawValue), ("status", order.status.rawValue), ("amount", amount(order)),
            ("fee", MinorUnits.format(order.feeMinorUnits, currency: order.currency)),
            ("callback_url", order.callbackURL), ("payment_url", order.paymentURL),
            ("failure_reason", order.failureReason),
            ("created_at", RFC3339.format(millisecondsSince1970: order.createdAtMilliseconds)),
            ("updated_at", RFC3339.format(millisecondsSince1970: order.updatedAtMilliseconds)),
        ]
        for (name, value) in rows { print(name.padded(16) + (value ?? "-")) }
    }

    private static func jsonObject(_ change: OrderHistory.Entry) -> JSONValue {
        .object([
            ("webhook_id", .string(change.webhookID)), ("sequence", .integer(change.sequence)),
            ("from", .string(change.previousStatus.rawValue)), ("to", .string(change.status.rawValue)),
            ("actor", .string(change.actor.rawValue)), ("reason", .optional(change.reason)),
            ("at", .string(RFC3339.format(millisecondsSince1970: change.atMilliseconds))),
        ])
    }
}
