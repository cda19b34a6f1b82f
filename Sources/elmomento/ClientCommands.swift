import ElMomentoClient
import ElMomentoSigning
import Foundation

/// `elmomento client …`: the merchant's side of the API from a shell (SPEC 8).
enum ClientCommands {
    /// The most events one `client events` prints.
    static let eventsLimitMax = 1000

    static let commands: [Command] = ClientOrderCommands.commands + [balance, events, sign]

    static let balance = Command(
        spec: CommandSpec(
            words: ["client", "balance"], summary: "Show your balance in each currency.", arguments: [],
            options: ClientOptions.credentialSpecs + [ClientOptions.jsonSpec])
    ) { arguments in
        let client = try ClientOptions.client(arguments)
        ClientOutput.printBalances(try waitFor { try await client.balance() }, arguments)
        return 0
    }

    static let events = Command(
        spec: CommandSpec(
            words: ["client", "events"], summary: "List your orders' status changes, oldest first.", arguments: [],
            options: [
                OptionSpec(
                    name: "after", valueName: "CURSOR",
                    help: "Only the events after this one (a webhook_id, such as the last one printed)."),
                OptionSpec(
                    name: "limit", valueName: "N", help: "At most N events, 1 to \(eventsLimitMax) (default 100)."),
            ] + ClientOptions.credentialSpecs + [ClientOptions.jsonSpec])
    ) { arguments in
        let limit = try arguments.integer("limit", in: 1...eventsLimitMax) ?? 100
        let after = arguments.string("after")
        let client = try ClientOptions.client(arguments)
        let events = try waitFor {
            var events: [ElMomentoEvent] = []
            for try await event in client.events(after: after, pageSize: min(limit, 100)) {
                events.append(event)
                if events.count == limit { break }
            }
            return events
        }
        ClientOutput.printEvents(events, arguments)
        if events.count == limit, let last = events.last, !arguments.has("json") {
            printError("There may be more: run again with --after \(last.webhookID)")
        }
        return 0
    }

    static let sign = Command(
        spec: CommandSpec(
            words: ["client", "sign"],
            summary: "Print the Signature header's value for a request you send yourself (curl).",
            arguments: [],
            options: [
                OptionSpec(
                    name: "timestamp", valueName: "T", help: "The X-Timestamp you send: Unix seconds (required)."),
                OptionSpec(
                    name: "body", valueName: "FILE",
                    help: "A file holding the exact body bytes you send; none for a GET."),
                OptionSpec(
                    name: "method", valueName: "M", help: "For a version 2 signature: the method (with --path)."),
                OptionSpec(
                    name: "path", valueName: "P",
                    help: "For a version 2 signature: the path and query as sent, such as /api/1xbet/orders/."),
                ClientOptions.secretSpec,
            ])
    ) { arguments in
        guard let timestamp = arguments.string("timestamp") else {
            throw UsageError(message: "--timestamp is required")
        }
        guard timestamp.wholeMatch(of: /[0-9]{1,12}/) != nil else {
            throw UsageError(message: "--timestamp must be Unix time in whole seconds, not \"\(timestamp)\"")
        }
        let body = try bodyOption(arguments)
        let signer = RequestSignature(secret: try ClientOptions.secret(arguments))
        switch (arguments.string("method"), arguments.string("path")) {
        case (nil, nil):
            print(signer.sign(timestamp: timestamp, body: body))
        case (let method?, let path?):
            guard method.wholeMatch(of: /[A-Za-z]+/) != nil else {
                throw UsageError(message: "--method must be an HTTP method such as POST, not \"\(method)\"")
            }
            guard path.hasPrefix("/") else {
                throw UsageError(message: "--path must start with /, as on the request line, not \"\(path)\"")
            }
            print(signer.signVersion2(timestamp: timestamp, method: method.uppercased(), target: path, body: body))
        default:
            throw UsageError(message: "--method and --path go together, for a version 2 signature")
        }
        return 0
    }

    /// The bytes of the file `--body` names (`/dev/stdin` reads a pipe); none without it.
    private static func bodyOption(_ arguments: ParsedArguments) throws(UsageError) -> [UInt8] {
        guard let path = arguments.string("body") else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError(message: "--body: cannot read \(path)", suggestsHelp: false)
        }
        return Array(data)
    }
}
