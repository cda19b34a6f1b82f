import ElMomentoTestSupport
import Foundation
import Testing

/// The merchant API on the real binary, as a merchant integrating from the seed
/// document would use it.
@Suite struct MerchantAPITests {
    @Test func theSeedsCurlRequestSignedWithOpenSSLCreatesAnOrder() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let secret = try #require(gateway.demoSecret)
            // The seed's request, byte for byte (its line breaks too), with a loopback callback.
            let body = """
                {
                "amount": 500,
                "orderID": "Somerandomstring",
                "currency": "DOP",
                "callback_url": "http://127.0.0.1:9/callback",
                "request": {
                "email": "ceterasddsare@hotmail.com",
                "id_number": "00100000001"
                }
                }
                """
            let script = """
                TS=$(date +%s)
                SIG=$(printf '%s%s' "$TS" "$BODY" | openssl dgst -sha512 -hmac "$SECRET" | sed 's/^.*= //')
                curl -s -w '\\n%{http_code}' -X POST "http://127.0.0.1:$PORT/api/1xbet/orders/" \\
                    -H 'Content-Type: application/json' -H "Signature: $SIG" -H "X-Timestamp: $TS" -d "$BODY"
                """
            let result = try await runShell(
                script, environment: ["BODY": body, "SECRET": secret, "PORT": String(gateway.port)])
            let lines = result.split(separator: "\n")
            #expect(lines.last == "201")
            let order = try #require(
                try JSONSerialization.jsonObject(with: Data(lines.dropLast().joined(separator: "\n").utf8))
                    as? [String: Any])
            #expect(order["orderID"] as? String == "Somerandomstring")
            #expect(order["amount"] as? Int == 500)
            #expect(order["status"] as? String == "pending")
            #expect((order["id"] as? String)?.hasPrefix("dep_") == true)
            let paymentURL = try #require(order["payment_url"] as? String)
            let token = paymentURL.dropFirst("http://127.0.0.1:\(gateway.port)/pay/".count)
            #expect(paymentURL.hasPrefix("http://127.0.0.1:\(gateway.port)/pay/"))
            #expect(token.count == 48 && token.allSatisfy(\.isHexDigit), "an unguessable token, never the order id")
            #expect((order["request"] as? [String: Any])?["id_number"] as? String == "00100000001")
        }
    }

    @Test func aCreatedOrderIsFoundAndListed() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            for index in 1...5 {
                #expect(try await client.createDeposit(orderID: "list-\(index)", amount: "\(index)00.5").status == 201)
            }
            let one = try await client.send("GET", client.ordersPath("list-3/"))
            #expect(one.status == 200)
            #expect(one.json?["amount"] as? Double == 300.5)

            var seen: [String] = []
            var cursor: String?
            repeat {
                let target = client.ordersPath("?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                let page = try await client.send("GET", target)
                #expect(page.status == 200)
                let data = try #require(page.json?["data"] as? [[String: Any]])
                seen += data.compactMap { $0["orderID"] as? String }
                cursor = page.json?["next_cursor"] as? String
                #expect((page.json?["has_more"] as? Bool) == (cursor != nil))
            } while cursor != nil
            #expect(seen == ["list-5", "list-4", "list-3", "list-2", "list-1"])
        }
    }

    @Test func fiftyConcurrentCreatesOfOneOrderIDMakeOneOrder() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            let responses = try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.createDeposit(orderID: "race-1", amount: "250") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.filter { $0.status == 201 }.count == 1)
            let replays = responses.filter { $0.status == 200 }
            #expect(replays.count == 49)
            #expect(replays.allSatisfy { $0.header("Idempotent-Replayed") == "true" })
            #expect(Set(responses.compactMap { $0.json?["id"] as? String }).count == 1)
        }
    }

    @Test func aRepeatedOrderIDIsAReplayWhateverTheSpellingAndAConflictWhenItDiffers() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            #expect(try await client.createDeposit(orderID: "same", amount: "500").status == 201)
            let respelled = """
                {"request": {"id_number": "00100000001", "email": "ceterasddsare@hotmail.com"},
                 "callback_url": "http://127.0.0.1:9/callback", "currency": "DOP", "orderID": "same", "amount": "500.00"}
                """
            let replay = try await client.send("POST", client.ordersPath(), body: respelled)
            #expect(replay.status == 200)
            #expect(replay.header("Idempotent-Replayed") == "true")
            let conflict = try await client.createDeposit(orderID: "same", amount: "501")
            #expect(conflict.status == 409)
            #expect(conflict.error?["code"] as? String == "order_id_conflict")
        }
    }

    @Test(arguments: [-28, 28])
    func aTimestampWithinTheWindowIsAccepted(_ offset: Int) async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            let response = try await client.send("GET", client.ordersPath(), timestampOffsetSeconds: offset)
            #expect(response.status == 200)
        }
    }

    @Test(arguments: [-32, 32])
    func aTimestampOutsideTheWindowIsRefused(_ offset: Int) async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            let response = try await client.send("GET", client.ordersPath(), timestampOffsetSeconds: offset)
            #expect(response.status == 401)
            #expect(response.error?["code"] as? String == "timestamp_out_of_window")
        }
    }
}

/// Runs `script` with `sh` and returns what it printed.
func runShell(_ script: String, environment: [String: String]) async throws -> String {
    try await runProgram("/bin/sh", ["-c", script], environment: environment, timeoutSeconds: 30).standardOutput
}
