import ElMomentoClient

/// How `client` commands print what the gateway answered: aligned text for a person, or
/// with `--json` the gateway's own JSON, unchanged, for a script.
enum ClientOutput {
    /// One order, a field a line.
    static func printOrder(_ order: ElMomentoOrder, _ arguments: ParsedArguments) {
        guard !arguments.has("json") else {
            print(order.json)
            return
        }
        var fields: [(String, String)] = [
            ("id", order.id), ("orderID", order.orderID), ("type", order.type.rawValue),
            ("status", order.status.rawValue), ("amount", "\(order.amount) \(order.currency)"),
            ("fee", "\(order.fee) \(order.currency)"), ("callback_url", order.callbackURL ?? "-"),
        ]
        if let paymentURL = order.paymentURL { fields.append(("payment_url", paymentURL)) }
        fields += [
            ("request", order.request?.description ?? "-"), ("environment", order.environment),
            ("failure_reason", order.failureReason ?? "-"), ("created_at", order.createdAt),
            ("updated_at", order.updatedAt),
        ]
        for (name, value) in fields { print(name.padded(16) + value) }
    }

    /// Orders, one a line, or a JSON array of them.
    static func printOrders(_ orders: [ElMomentoOrder], _ arguments: ParsedArguments) {
        guard !arguments.has("json") else {
            print(ElMomentoJSON.array(orders.map(\.json)))
            return
        }
        printTable(
            ["ORDER ID", "ID", "STATUS", "AMOUNT", "CURRENCY", "CREATED"],
            orders.map { [$0.orderID, $0.id, $0.status.rawValue, $0.amount, $0.currency, $0.createdAt] })
    }

    /// Events, one a line, or a JSON array of them.
    static func printEvents(_ events: [ElMomentoEvent], _ arguments: ParsedArguments) {
        guard !arguments.has("json") else {
            print(ElMomentoJSON.array(events.map(\.order.json)))
            return
        }
        printTable(
            ["WEBHOOK ID", "EVENT", "SEQUENCE", "ORDER ID", "AMOUNT", "CURRENCY", "UPDATED"],
            events.map {
                [
                    $0.webhookID, $0.event, String($0.sequence), $0.order.orderID, $0.order.amount, $0.order.currency,
                    $0.order.updatedAt,
                ]
            })
    }

    /// Balances per currency, or the gateway's `{"balances": […]}`.
    static func printBalances(_ balances: [ElMomentoBalance], _ arguments: ParsedArguments) {
        guard !arguments.has("json") else {
            let entries = balances.map { balance in
                ElMomentoJSON.object([
                    ("currency", .string(balance.currency)), ("available", .number(balance.available)),
                    ("reserved", .number(balance.reserved)),
                ])
            }
            print(ElMomentoJSON.object([("balances", .array(entries))]))
            return
        }
        printTable(["CURRENCY", "AVAILABLE", "RESERVED"], balances.map { [$0.currency, $0.available, $0.reserved] })
    }

    /// `rows` under `headings`, each column as wide as its widest cell.
    private static func printTable(_ headings: [String], _ rows: [[String]]) {
        let widths = headings.indices.map { column in
            ([headings[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        for row in [headings] + rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padded(widths[column] + 1)
            }
            print(cells.joined())
        }
    }
}
