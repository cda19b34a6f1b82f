import ElMomentoTestSupport
import Foundation
import Testing

/// `elmomento client …` as a merchant meets it from a shell, against the real gateway (SPEC 8).
@Suite struct ClientCommandTests {
    /// Runs `elmomento client …` as the demo merchant, with credentials from the environment.
    private func client(_ arguments: [String], _ gateway: GatewayProcess) async throws -> CommandResult {
        try await runElmomento(
            ["client"] + arguments,
            environment: [
                "ELMOMENTO_URL": "http://127.0.0.1:\(gateway.port)", "ELMOMENTO_MERCHANT": "1xbet",
                "ELMOMENTO_SECRET": gateway.demoSecret ?? "",
            ])
    }

    private func json(_ result: CommandResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    }

    @Test func depositsAreCreatedShownAndListedWithCredentialsFromTheEnvironment() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let create = [
                "deposit", "create", "--amount", "500.50", "--currency", "DOP", "--order-id", "cli-1",
                "--callback-url", "https://google.com", "--request", #"{"email": "ana@example.com"}"#,
            ]
            let created = try await client(create, gateway)
            #expect(created.status == 0, "\(created.standardError)")
            #expect(created.standardOutput.hasPrefix("Created deposit cli-1."))
            #expect(created.standardOutput.contains("amount          500.5 DOP"))
            let replayed = try await client(create + ["--json"], gateway)
            #expect(replayed.status == 0)
            let order = try #require(try json(replayed) as? [String: Any])
            #expect(order["orderID"] as? String == "cli-1")
            #expect(replayed.standardOutput.contains(#""amount":500.5,"#), "the gateway's JSON, unchanged")

            let shown = try await client(["deposit", "show", "cli-1", "--json"], gateway)
            #expect(shown.standardOutput == replayed.standardOutput)
            for index in 2...3 {
                let more = ["deposit", "create", "--amount", "1", "--currency", "USD", "--order-id", "cli-\(index)"]
                #expect(try await client(more, gateway).status == 0)
            }
            let listed = try await client(["deposit", "list", "--limit", "2", "--json"], gateway)
            let orders = try #require(try json(listed) as? [[String: Any]])
            #expect(orders.compactMap { $0["orderID"] as? String } == ["cli-3", "cli-2"])
            let table = try await client(["deposit", "list", "--status", "pending"], gateway)
            let lines = table.standardOutput.split(separator: "\n")
            #expect(lines.count == 4 && lines[0].hasPrefix("ORDER ID"))
            #expect(lines[3].hasPrefix("cli-1 ") && lines[3].contains(" pending ") && lines[3].contains(" 500.5 "))
            #expect(try await client(["withdrawal", "list", "--json"], gateway).standardOutput == "[]\n")
        }
    }

    @Test func withdrawalsAndBalanceWithCredentialsFromFlags() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let flags = ["--url", "http://127.0.0.1:\(gateway.port)", "--merchant", "1xbet"]
            let environment = ["ELMOMENTO_SECRET": gateway.demoSecret ?? "", "ELMOMENTO_URL": "http://127.0.0.1:9"]
            let credited = try await runElmomento([
                "admin", "balance", "credit", "1xbet", "--currency", "DOP", "--amount", "1000", "--reason", "float",
                "--database", gateway.databasePath,
            ])
            #expect(credited.status == 0)
            let created = try await runElmomento(
                [
                    "client", "withdrawal", "create", "--amount", "250.25", "--currency", "DOP", "--order-id", "pay-1",
                    "--request", #"{"bank": "BHD", "account_number": "0123456789"}"#,
                ] + flags, environment: environment)
            #expect(created.status == 0, "the --url flag wins over ELMOMENTO_URL: \(created.standardError)")
            #expect(created.standardOutput.contains("type            withdrawal"))
            let balance = try await runElmomento(["client", "balance", "--json"] + flags, environment: environment)
            #expect(
                balance.standardOutput
                    == #"{"balances":[{"currency":"DOP","available":749.75,"reserved":250.25},"#
                    + #"{"currency":"USD","available":0,"reserved":0}]}"# + "\n")
            let table = try await runElmomento(["client", "balance"] + flags, environment: environment)
            #expect(
                table.standardOutput == "CURRENCY AVAILABLE RESERVED\nDOP      749.75    250.25\nUSD      0         0\n"
            )
        }
    }

    @Test func apiErrorsExitWith1NamingTheCodeAndTheRequestID() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let create = ["deposit", "create", "--currency", "DOP", "--order-id", "dup"]
            #expect(try await client(create + ["--amount", "5"], gateway).status == 0)
            let conflict = try await client(create + ["--amount", "6"], gateway)
            #expect(conflict.status == 1)
            #expect(conflict.standardError.contains("409 order_id_conflict"))
            #expect(conflict.standardError.contains("field orderID"))
            #expect(conflict.standardError.contains("request req_"))
            #expect(conflict.standardOutput.isEmpty)

            let missing = try await client(["withdrawal", "show", "nobody"], gateway)
            #expect(missing.status == 1 && missing.standardError.contains("404 order_not_found"))
            let wrongSecret = try await runElmomento(
                ["client", "balance", "--secret", "sk_test_not_the_secret"],
                environment: ["ELMOMENTO_URL": "http://127.0.0.1:\(gateway.port)", "ELMOMENTO_MERCHANT": "1xbet"])
            #expect(wrongSecret.status == 1 && wrongSecret.standardError.contains("401 invalid_signature"))
            #expect(!wrongSecret.standardError.contains("sk_test_not_the_secret"), "a secret is never printed")
        }
    }

    @Test func aMerchantRequiringVersion2RefusesTheVersion1Option() async throws {
        let database = GatewayProcess.temporaryDatabasePath()
        let created = try await runElmomento([
            "admin", "merchant", "create", "strict", "--require-signature-v2", "--json", "--database", database,
        ])
        let secret = try #require((try json(created) as? [String: Any])?["secret"] as? String)
        try await withGateway(databasePath: database) { gateway in
            let credentials = [
                "--url", "http://127.0.0.1:\(gateway.port)", "--merchant", "strict", "--secret", secret,
            ]
            let refused = try await runElmomento(["client", "balance", "--signature-version", "1"] + credentials)
            #expect(refused.status == 1 && refused.standardError.contains("401 invalid_signature"))
            #expect(!refused.standardError.contains(secret), "a secret is never printed")
            #expect(
                try await runElmomento(["client", "balance"] + credentials).status == 0, "version 2 is the default")
        }
    }

    @Test
    func eventsListEachStatusChangeAndResumeAfterACursor() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let created = try await client(
                ["deposit", "create", "--amount", "20", "--currency", "DOP", "--order-id", "ev-1", "--json"], gateway)
            let id = try #require((try json(created) as? [String: Any])?["id"] as? String)
            let completed = try await runElmomento([
                "admin", "order", "complete", id, "--database", gateway.databasePath,
            ])
            try #require(completed.status == 0, "\(completed.standardError)")
            let listed = try await client(["events", "--json"], gateway)
            let events = try #require(try json(listed) as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events.first?["event"] as? String == "deposit.completed")
            let webhookID = try #require(events.first?["webhook_id"] as? String)
            let table = try await client(["events"], gateway)
            #expect(table.standardOutput.contains("\(webhookID) deposit.completed 1"))
            #expect(try await client(["events", "--after", webhookID, "--json"], gateway).standardOutput == "[]\n")
        }
    }

    @Test func theGatewayUnreachableIsExit1() async throws {
        let result = try await runElmomento(
            ["client", "balance", "--url", "http://127.0.0.1:9", "--merchant", "shop", "--secret", "sk_test_x"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("transport_failed"))
    }

    @Test(arguments: [
        (["client", "balance"], "no url given: pass --url or set ELMOMENTO_URL"),
        (["client", "balance", "--url", "http://127.0.0.1:9"], "no merchant given"),
        (["client", "balance", "--url", "http://127.0.0.1:9", "--merchant", "shop"], "no secret given"),
        (["client", "balance", "--url", "ftp://x", "--merchant", "shop", "--secret", "s"], "must be http"),
        (["client", "balance", "--url", "http://x", "--merchant", "Shop!", "--secret", "s"], "merchant slug"),
        (
            ["client", "balance", "--url", "http://x", "--merchant", "s", "--secret", "s", "--signature-version", "3"],
            "--signature-version must be 1 or 2"
        ),
        (["client", "deposit", "create", "--currency", "DOP", "--order-id", "o"], "--amount is required"),
        (["client", "deposit", "create", "--amount", "5e2", "--currency", "DOP", "--order-id", "o"], "--amount must"),
        (["client", "deposit", "create", "--amount", "5", "--currency", "dop", "--order-id", "o"], "--currency must"),
        (["client", "deposit", "create", "--amount", "5", "--currency", "DOP"], "--order-id is required"),
        (
            [
                "client", "withdrawal", "create", "--amount", "5", "--currency", "DOP", "--order-id", "o", "--request",
                "[1]",
            ],
            "--request must be a JSON object"
        ),
        (["client", "deposit", "list", "--status", "paid"], "--status must be one of"),
        (["client", "deposit", "list", "--limit", "0"], "--limit must be"),
        (["client", "deposit", "show"], "missing <ORDER_ID>"),
        (["client", "sign", "--secret", "s"], "--timestamp is required"),
        (["client", "sign", "--secret", "s", "--timestamp", "soon"], "--timestamp must be"),
        (
            ["client", "sign", "--secret", "s", "--timestamp", "1", "--method", "GET"],
            "--method and --path go together"
        ),
        (["client", "sign", "--secret", "s", "--timestamp", "1", "--body", "/nonexistent"], "cannot read"),
        (["client", "refund"], "unknown command"),
    ])
    func badArgumentsExitWith2AndSayWhy(_ arguments: [String], _ expected: String) async throws {
        let unset = ["ELMOMENTO_URL": "", "ELMOMENTO_MERCHANT": "", "ELMOMENTO_SECRET": ""]
        let result = try await runElmomento(arguments, environment: unset)
        #expect(result.status == 2)
        #expect(result.standardError.contains(expected), "stderr: \(result.standardError)")
    }

    @Test(arguments: [
        "deposit create", "deposit list", "deposit show", "withdrawal create", "withdrawal list", "withdrawal show",
        "balance", "events", "sign", "deposit", "withdrawal", "",
    ])
    func everyClientCommandHasHelp(_ words: String) async throws {
        let result = try await runElmomento(["client"] + words.split(separator: " ").map(String.init) + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("Usage: elmomento client"))
    }
}
