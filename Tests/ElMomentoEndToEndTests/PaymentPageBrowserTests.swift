import ElMomentoTestSupport
import Foundation
import Testing

/// The hosted payment page in a real browser (Debian's headless Chromium, driven by
/// selenium), as a payer meets it: the sandbox page shows the amount, merchant and
/// reference, and its "Simulate payment" button completes the deposit and sends the
/// merchant its callback. The screenshots are kept in `.build/screenshots/` to look at.
@Suite struct PaymentPageBrowserTests {
    @Test func simulatePaymentInABrowserCompletesTheDepositAndSendsTheCallback() async throws {
        let database = GatewayProcess.temporaryDatabasePath()
        let created = try await runElmomento([
            "admin", "merchant", "create", "casino", "--json", "--database", database,
        ])
        let secret = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any])?["secret"]
                as? String)
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let python = try await pythonTool("python")
        let screenshots = Repository.file(".build/screenshots")
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)

        try await withGateway(arguments: LifecycleAndCallbackTests.fastCallbacks, databasePath: database) { gateway in
            let client = MerchantClient(port: gateway.port, merchant: "casino", secret: secret)
            let response = try await client.createDeposit(
                orderID: "browser-1", amount: "1250.5", callbackURL: receiver.url)
            try #require(response.status == 201, "\(response.bodyText)")
            let id = try #require(response.json?["id"] as? String)
            let paymentURL = try #require(response.json?["payment_url"] as? String)

            let browser = try await runProgram(
                python,
                [
                    Repository.file("scripts/browser/pay_in_browser.py").path, paymentURL, "simulate-payment",
                    screenshots.path,
                ], timeoutSeconds: 120)
            try #require(browser.status == 0, "the browser run failed: \(browser.standardError)")
            let seen = try #require(
                try JSONSerialization.jsonObject(with: Data(browser.standardOutput.utf8)) as? [String: String])
            for shown in ["1250.50 DOP", "casino", id, "browser-1", "pending", "Simulate payment", "Simulate failure"] {
                #expect(seen["before"]?.contains(shown) == true, "the page shows \(shown): \(seen["before"] ?? "")")
            }
            #expect(seen["status"] == "completed" && seen["after"]?.contains("Payment received") == true)
            for name in ["payment-page.png", "after-click.png"] {
                let png = try Data(contentsOf: screenshots.appendingPathComponent(name))
                #expect(
                    png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 5_000, "\(name) is a real screenshot")
            }

            #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 10))
            #expect(receiver.requests.first?.bodyText.contains(#""event":"deposit.completed""#) == true)
            let shown = try await client.send("GET", client.ordersPath("browser-1/"))
            #expect(shown.json?["status"] as? String == "completed")
            let history = try await runElmomento(["admin", "order", "show", id, "--json", "--database", database])
            #expect(history.standardOutput.contains(#""actor":"payer_page""#), "the payer settled it")
        }
    }
}
