import ElMomentoCore
import ElMomentoStore

/// `elmomento admin callbacks list|retry`: what was sent to merchants, and sending again
/// what gave up (SPEC 6, 8). The running server sends; these commands only read and
/// schedule.
enum AdminCallbackCommands {
    static let commands: [Command] = [list, show, retry]

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

    static let show = Command(
        spec: CommandSpec(
            words: ["admin", "callbacks", "show"], summary: "Show a callback and every attempt to send it.",
            arguments: ["ID"], options: StoreOptions.specs + [StoreOptions.jsonSpec])
    ) { arguments in
        let id = arguments.positionals[0]
        let store = try StoreOptions.open(arguments)
        guard let history = try waitFor({ try await store.callbackHistory(webhookID: id) }) else {
            throw UsageError(message: StoreError.callbackNotFound(id).description, suggestsHelp: false)
        }
        if arguments.has("json") {
            printJSON(jsonObject(history.callback).appending([("attempts", .array(history.attempts.map(jsonObject)))]))
            return 0
        }
        let callback = history.callback
        print("\(callback.webhookID) \(callback.eventName) of \(callback.orderID) (\(callback.merchantSlug))")
        print("to \(callback.url): \(callback.state.rawValue), \(callback.attemptCount) attempt(s) counted")
        print("AT".padded(26) + "STATUS".padded(8) + "LATENCY".padded(10) + "ERROR")
        for attempt in history.attempts {
            print(
                RFC3339.format(millisecondsSince1970: attempt.atMilliseconds).padded(26)
                    + (attempt.statusCode.map(String.init) ?? "-").padded(8)
                    + "\(attempt.latencyMilliseconds) ms".padded(10) + (attempt.error ?? ""))
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

    private static func jsonObject(_ attempt: CallbackAttempt) -> JSONValue {
        .object([
            ("at", .string(RFC3339.format(millisecondsSince1970: attempt.atMilliseconds))),
            ("status_code", attempt.statusCode.map { .integer($0) } ?? .null),
            ("latency_ms", .integer(attempt.latencyMilliseconds)), ("error", .optional(attempt.error)),
        ])
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
