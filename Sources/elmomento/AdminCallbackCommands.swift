import ElMomentoCore
import ElMomentoStore

/// `elmomento admin callbacks list|retry`: what was sent to merchants, and sending again
/// what gave up (SPEC 6, 8). The running server sends; these commands only read and
/// schedule.
enum AdminCallbackCommands {
    static let commands: [Command] = [list, retry]

    static let list = Command(
        spec: CommandSpec(
            words: ["admin", "callbacks", "list"], summary: "List callbacks, newest first.", arguments: [],
            options: [
                OptionSpec(name: "failed", valueName: nil, help: "Only callbacks that gave up."),
                OptionSpec(name: "limit", valueName: "N", help: "At most this many (default 50, at most 1000)."),
            ] + StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let limit = try arguments.integer("limit", in: 1...1000) ?? 50
        let failedOnly = arguments.has("failed")
        let store = try StoreOptions.open(arguments)
        let callbacks = try waitFor { try await store.callbacks(failedOnly: failedOnly, limit: limit) }
        if arguments.has("json") {
            printJSON(.array(callbacks.map(jsonObject)))
            return 0
        }
        print(
            "ID".padded(31) + "EVENT".padded(23) + "ORDER".padded(31) + "STATE".padded(10) + "ATTEMPTS".padded(9)
                + "LAST".padded(14) + "NEXT / UPDATED")
        for callback in callbacks {
            let last = callback.lastStatusCode.map(String.init) ?? (callback.lastError == nil ? "-" : "error")
            let time = callback.state == .pending ? callback.nextAttemptAtMilliseconds : callback.updatedAtMilliseconds
            print(
                callback.webhookID.padded(31) + callback.eventName.padded(23) + callback.orderID.padded(31)
                    + callback.state.rawValue.padded(10) + String(callback.attemptCount).padded(9) + last.padded(14)
                    + RFC3339.format(millisecondsSince1970: time))
        }
        return 0
    }

    static let retry = Command(
        spec: CommandSpec(
            words: ["admin", "callbacks", "retry"],
            summary: "Send a callback again now, with a fresh retry schedule.", arguments: ["ID"],
            options: StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let id = arguments.positionals[0]
        let store = try StoreOptions.open(arguments)
        try mapStoreErrors {
            try waitFor { try await store.retryCallback(webhookID: id, atMilliseconds: currentMilliseconds()) }
        }
        if arguments.has("json") {
            printJSON(.object([("webhook_id", .string(id)), ("state", .string("pending"))]))
        } else {
            print("\(id) is due now; the running server sends it within seconds.")
        }
        return 0
    }

    private static func jsonObject(_ callback: CallbackRecord) -> JSONValue {
        .object([
            ("webhook_id", .string(callback.webhookID)), ("event", .string(callback.eventName)),
            ("order", .string(callback.orderID)), ("merchant", .string(callback.merchantSlug)),
            ("url", .string(callback.url)), ("state", .string(callback.state.rawValue)),
            ("attempts", .integer(callback.attemptCount)),
            (
                "next_attempt_at",
                callback.state == .pending
                    ? .string(RFC3339.format(millisecondsSince1970: callback.nextAttemptAtMilliseconds)) : .null
            ),
            ("last_status_code", callback.lastStatusCode.map { .integer($0) } ?? .null),
            ("last_error", .optional(callback.lastError)),
        ])
    }
}
