import ElMomentoSigning
import ElMomentoTestSupport
import Foundation
import Testing

/// Orders moving through their lifecycle on the real binary, and the callbacks that tell
/// merchants (SPEC 4, 5, 6): received by a real HTTP receiver on loopback, signed with the
/// merchant's secret, retried, and delivered after a `kill -9`.
@Suite struct LifecycleAndCallbackTests {
    let database = GatewayProcess.temporaryDatabasePath()
    /// Retries within milliseconds rather than seconds, and due callbacks looked for often.
    static let fastCallbacks = [
        "--callback-backoff-base-seconds", "0.02", "--callback-poll-interval-ms", "20", "--callback-timeout-seconds",
        "2",
    ]

    @Test func aCompletedDepositCreditsTheBalanceAndDeliversACallbackSignedWithTheMerchantsSecret() async throws {
        let secret = try await createMerchant("shop", ["--deposit-fee-bps", "250"])
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        try await withGateway(arguments: Self.fastCallbacks, databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "shop", secret: secret)
            let id = try await createDeposit(client, "pay-1", amount: "500", callbackURL: receiver.url)
            let completed = try await admin(["order", "complete", id])
            #expect(completed.status == 0, "\(completed.standardError)")
            #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 10))

            let callback = try #require(receiver.requests.first)
            expectSigned(callback, with: secret)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(callback.body)) as? [String: Any])
            #expect(body["id"] as? String == id && body["status"] as? String == "completed")
            #expect(body["event"] as? String == "deposit.completed" && body["sequence"] as? Int == 1)
            #expect(body["webhook_id"] as? String == callback.header("Webhook-Id"))
            #expect(body["fee"] as? Double == 12.5)

            let balance = try await client.send("GET", client.balancePath)
            #expect(
                balance.bodyText.contains(#"{"currency":"DOP","available":487.5,"reserved":0}"#), "\(balance.bodyText)")
            // The events list holds the callback's body, byte for byte.
            let events = try await client.send("GET", "/api/shop/events/")
            #expect(events.bodyText == #"{"data":["# + callback.bodyText + #"],"has_more":false,"next_cursor":null}"#)
        }
        #expect(try await admin(["ledger", "verify"]).status == 0)
    }

    @Test func aReceiverThatFailsTwiceGetsTheSameCallbackThreeTimes() async throws {
        let secret = try await createMerchant("shop")
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.answers = [
            CallbackReceiver.Answer(status: 500), CallbackReceiver.Answer(status: 503, headers: [("Retry-After", "0")]),
        ]
        try await withGateway(arguments: Self.fastCallbacks, databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "shop", secret: secret)
            let id = try await createDeposit(client, "pay-1", callbackURL: receiver.url)
            #expect(try await admin(["order", "fail", id, "--reason", "Card declined"]).status == 0)
            #expect(await receiver.waitForRequests(count: 3, timeoutSeconds: 10))
            let attempts = receiver.requests
            #expect(attempts.count == 3)
            #expect(Set(attempts.compactMap { $0.header("Webhook-Id") }).count == 1, "one id across retries")
            #expect(Set(attempts.map(\.body)).count == 1, "the same body bytes every time")
            for attempt in attempts { expectSigned(attempt, with: secret) }
            #expect(try await eventually(within: 5) { try await callbackStates() == ["delivered/3"] })
            let webhookID = try #require(attempts.first?.header("Webhook-Id"))
            let shown = try await admin(["callbacks", "show", webhookID, "--json"])
            let history = try JSONSerialization.jsonObject(with: Data(shown.standardOutput.utf8)) as? [String: Any]
            let statuses = (history?["attempts"] as? [[String: Any]])?.map { $0["status_code"] as? Int }
            #expect(statuses == [500, 503, 200], "every attempt is recorded")
        }
    }

    @Test func aCallbackCommittedWhileTheReceiverIsDownArrivesAfterKillNineAndRestart() async throws {
        let secret = try await createMerchant("shop")
        let port = try CallbackReceiver.freePort()
        let first = try await onOwnThread { [database] in
            try GatewayProcess(arguments: Self.fastCallbacks, databasePath: database)
        }
        let client = MerchantClient(port: first.port, merchant: "shop", secret: secret)
        let id = try await createDeposit(client, "pay-1", callbackURL: "http://127.0.0.1:\(port)/callback")
        #expect(try await admin(["order", "complete", id]).status == 0)
        // The receiver is down: attempts fail and are recorded, still pending.
        #expect(try await eventually(within: 10) { try await callbackStates().first?.hasPrefix("pending/") == true })
        kill(first.processIdentifier, SIGKILL)
        _ = try? await first.waitForExit(timeoutSeconds: 5)

        let receiver = try CallbackReceiver(port: port)
        defer { receiver.stop() }
        try await withGateway(arguments: Self.fastCallbacks, databasePath: database) { _ in
            #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 20))
            let body = try JSONSerialization.jsonObject(with: Data(receiver.requests[0].body)) as? [String: Any]
            #expect(body?["id"] as? String == id && body?["event"] as? String == "deposit.completed")
            expectSigned(receiver.requests[0], with: secret)
        }
    }

    /// One merchant's receiver that never answers holds its share of the attempts, not all of
    /// them: another merchant's callback goes out while the first's attempts still hang.
    @Test func aMerchantWhoseReceiverHangsDoesNotDelayAnotherMerchantsCallbacks() async throws {
        let slowSecret = try await createMerchant("slow")
        let fastSecret = try await createMerchant("fast")
        let hanging = try CallbackReceiver()
        defer { hanging.stop() }
        hanging.defaultAnswer = CallbackReceiver.Answer(delaySeconds: 30)
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        // A timeout longer than the test, so that the hanging attempt is never retried meanwhile.
        let arguments = [
            "--callback-poll-interval-ms", "20", "--callback-timeout-seconds", "60", "--callbacks-in-flight-max", "2",
            "--callbacks-in-flight-per-merchant-max", "1",
        ]
        try await withGateway(arguments: arguments, databasePath: database) { gateway in
            let slow = MerchantClient(port: gateway.port, merchant: "slow", secret: slowSecret)
            for index in 0..<4 {
                let id = try await createDeposit(slow, "slow-\(index)", callbackURL: hanging.url)
                #expect(try await admin(["order", "complete", id]).status == 0)
            }
            #expect(await hanging.waitForRequests(count: 1, timeoutSeconds: 10))
            let fast = MerchantClient(port: gateway.port, merchant: "fast", secret: fastSecret)
            let id = try await createDeposit(fast, "fast-1", callbackURL: receiver.url)
            #expect(try await admin(["order", "complete", id]).status == 0)
            #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 10))
            #expect(hanging.requests.count == 1 && hanging.concurrentRequestsMax == 1, "the slow merchant's share")
            // Its attempt ends now, rather than holding the server's stop for the timeout.
            hanging.stop()
        }
    }

    @Test func withdrawalsMoveTheBalanceAtEachStepAndTellTheMerchantInOrder() async throws {
        let secret = try await createMerchant("shop", ["--withdrawal-fee-fixed", "1.00"])
        #expect(
            try await admin(["balance", "credit", "shop", "--currency", "DOP", "--amount", "1000", "--reason", "float"])
                .status == 0)
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        try await withGateway(arguments: Self.fastCallbacks, databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "shop", secret: secret)
            let paid = try await createWithdrawal(client, "out-1", amount: "300", callbackURL: receiver.url)
            let refused = try await createWithdrawal(client, "out-2", amount: "200", callbackURL: receiver.url)
            #expect(try await balance(client) == "498/502")
            #expect(try await admin(["order", "complete", paid]).status == 1, "approved before it completes")
            #expect(try await admin(["order", "approve", paid]).status == 0)
            #expect(try await balance(client) == "498/502", "approval moves no money")
            #expect(try await admin(["order", "complete", paid]).status == 0)
            #expect(try await balance(client) == "498/201")
            #expect(try await admin(["order", "reject", refused, "--reason", "Account closed"]).status == 0)
            #expect(try await balance(client) == "699/0")

            #expect(await receiver.waitForRequests(count: 3, timeoutSeconds: 10))
            let events = receiver.requests.compactMap { request in
                (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]).map {
                    "\($0["orderID"] ?? "")#\($0["sequence"] ?? 0) \($0["event"] ?? "")"
                }
            }
            let paidEvents = events.filter { $0.hasPrefix("out-1") }
            #expect(paidEvents == ["out-1#1 withdrawal.processing", "out-1#2 withdrawal.completed"])
            #expect(events.contains("out-2#1 withdrawal.rejected"))
            let shown = try await client.send("GET", client.withdrawalOrdersPath("out-2/"))
            #expect(shown.json?["failure_reason"] as? String == "Account closed")
        }
        #expect(try await admin(["ledger", "verify"]).status == 0)
    }

    @Test func aTerminalOrderRefusesEveryActionAndTheOperatorIsToldWhy() async throws {
        let secret = try await createMerchant("shop")
        try await withGateway(databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "shop", secret: secret)
            let id = try await createDeposit(client, "pay-1")
            #expect(
                try await admin(["order", "cancel", id, "--json"]).standardOutput.contains(#""status":"cancelled""#))
            for action in [
                ["complete"], ["fail", "--reason", "x"], ["approve"], ["reject", "--reason", "x"], ["cancel"],
            ] {
                let refused = try await admin(["order"] + action + [id])
                #expect(refused.status == 1, "\(action)")
                #expect(refused.standardError.contains("its status is final"), "\(refused.standardError)")
            }
            #expect(try await admin(["order", "complete", "dep_unknown"]).status == 2)
            #expect(try await admin(["order", "list", "--merchant", "nosuch"]).status == 2)
            #expect(try await admin(["order", "fail", id]).status == 2, "--reason is required")
            let shown = try await admin(["order", "show", id, "--json"])
            #expect(
                shown.standardOutput.contains(#""merchant":"shop""#)
                    && shown.standardOutput.contains(#""actor":"operator""#))
        }
    }

    @Test func sandboxDepositsSettleByThemselvesWhenAskedTo() async throws {
        let secret = try await createMerchant("shop")
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let arguments = Self.fastCallbacks + ["--sandbox-auto-settle", "1", "--deposit-sweep-interval-ms", "50"]
        try await withGateway(arguments: arguments, databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "shop", secret: secret)
            _ = try await createDeposit(client, "pay-1", callbackURL: receiver.url)
            #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 10))
            #expect(receiver.requests.first?.bodyText.contains(#""event":"deposit.completed""#) == true)
        }
        let production = try await runElmomento(
            [
                "serve", "--environment", "production", "--sandbox-auto-settle", "5", "--database",
                GatewayProcess.temporaryDatabasePath(),
            ])
        #expect(production.status == 2 && production.standardError.contains("sandbox only"))
    }

    // MARK: - Helpers

    private func admin(_ arguments: [String]) async throws -> CommandResult {
        try await runElmomento(["admin"] + arguments + ["--database", database])
    }

    private func createMerchant(_ slug: String, _ options: [String] = []) async throws -> String {
        let result = try await admin(["merchant", "create", slug, "--json"] + options)
        try #require(result.status == 0, "merchant create: \(result.standardError.redactingSecrets)")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return try #require(object?["secret"] as? String)
    }

    private func createDeposit(
        _ client: MerchantClient, _ orderID: String, amount: String = "500",
        callbackURL: String = "http://127.0.0.1:9/callback"
    ) async throws -> String {
        let response = try await client.createDeposit(orderID: orderID, amount: amount, callbackURL: callbackURL)
        try #require(response.status == 201, "\(response.bodyText)")
        return try #require(response.json?["id"] as? String)
    }

    private func createWithdrawal(
        _ client: MerchantClient, _ orderID: String, amount: String, callbackURL: String
    ) async throws -> String {
        let response = try await client.createWithdrawal(orderID: orderID, amount: amount, callbackURL: callbackURL)
        try #require(response.status == 201, "\(response.bodyText)")
        return try #require(response.json?["id"] as? String)
    }

    /// DOP `available/reserved`, as the merchant's API shows them.
    private func balance(_ client: MerchantClient) async throws -> String {
        let balances = try await client.send("GET", client.balancePath).json?["balances"] as? [[String: Any]]
        let dop = balances?.first { $0["currency"] as? String == "DOP" }
        return "\(dop?["available"] ?? "?")/\(dop?["reserved"] ?? "?")"
    }

    /// Each callback's `state/attempts`, newest first, as `admin callbacks list --json` shows them.
    private func callbackStates() async throws -> [String] {
        let listed = try await admin(["callbacks", "list", "--json"])
        let callbacks = try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]]
        return (callbacks ?? []).map { "\($0["state"] ?? "?")/\($0["attempts"] ?? "?")" }
    }

    /// The callback carries both signatures, each verifiable with the merchant's secret
    /// exactly as a merchant would: HMAC-SHA512 over timestamp + body, and Standard Webhooks.
    private func expectSigned(_ callback: CallbackReceiver.Request, with secret: String) {
        let timestamp = callback.header("X-Timestamp") ?? ""
        #expect(abs((Int(timestamp) ?? 0) - Int(Date().timeIntervalSince1970)) <= 30)
        #expect(
            RequestSignature(secret: secret).isValid(
                signature: callback.header("Signature") ?? "", timestamp: timestamp, body: callback.body))
        #expect(callback.header("webhook-timestamp") == timestamp)
        #expect(
            StandardWebhookSignature(secret: secret).isValid(
                signatureHeader: callback.header("webhook-signature") ?? "",
                webhookID: callback.header("webhook-id") ?? "", timestamp: timestamp, body: callback.body))
        #expect(callback.header("Content-Type") == "application/json")
    }
}
