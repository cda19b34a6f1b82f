import ElMomentoCore
import ElMomentoHTTP
import Foundation
import Testing

@testable import ElMomentoServer

/// Withdrawals and balances in process: a withdrawal reserves its amount and fee or is
/// refused, and the balance endpoint shows where the money is.
@Suite struct WithdrawalRoutesTests {
    let dop = Currency(code: "DOP")!

    /// The gateway with `shop` funded with `amount` DOP minor units, and a withdrawal fee
    /// of 1% plus 1.00.
    private func fundedGateway(_ amount: Int64) async throws -> TestGateway {
        var settings = MerchantSettings()
        settings.withdrawalFee = FeeRule(basisPoints: 100, fixedMajor: "1")
        let gateway = try await TestGateway(settings: settings)
        _ = try await gateway.store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 1) { [dop] merchant in
            .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: amount, reason: "float")
        }
        return gateway
    }

    private func balance(_ gateway: TestGateway) async throws -> [String: Any] {
        let response = await gateway.send(gateway.request("GET", "/api/shop/balance/"))
        #expect(response.status == 200, "\(response.text)")
        let balances = try #require(response.json?["balances"] as? [[String: Any]])
        return try #require(balances.first { $0["currency"] as? String == "DOP" })
    }

    @Test func aWithdrawalReservesItsAmountPlusFeeAndCarriesItsPayoutDetails() async throws {
        let gateway = try await fundedGateway(100_000)
        let body = """
            {"amount": 500, "orderID": "w-1", "currency": "DOP",
             "request": {"bank": "BHD", "account_number": "0123456789", "account_type": "savings",
                         "holder_name": "Ana Pérez"}}
            """
        let response = await gateway.send(gateway.request("POST", "/api/shop/withdrawalorders/", body: body))
        #expect(response.status == 201, "\(response.text)")
        let order = try #require(response.json)
        #expect((order["id"] as? String)?.hasPrefix("wd_") == true)
        #expect(order["type"] as? String == "withdrawal")
        #expect(order["fee"] as? Double == 6)
        #expect(order["payment_url"] == nil)
        #expect((order["request"] as? [String: Any])?["holder_name"] as? String == "Ana Pérez")
        let dop = try await balance(gateway)
        #expect(dop["available"] as? Double == 494 && dop["reserved"] as? Double == 506)

        let shown = await gateway.send(gateway.request("GET", "/api/shop/withdrawalorders/w-1/"))
        #expect(shown.status == 200 && shown.json?["id"] as? String == order["id"] as? String)
        let listed = await gateway.send(gateway.request("GET", "/api/shop/withdrawalorders/"))
        #expect((listed.json?["data"] as? [[String: Any]])?.count == 1)
        // Deposits are another list: the same orderID is free there.
        #expect(await gateway.send(gateway.request("GET", "/api/shop/orders/w-1/")).errorCode == "order_not_found")
        let deposit = await gateway.send(
            gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "w-1")))
        #expect(deposit.status == 201)
    }

    @Test func aWithdrawalOverTheBalanceIsRefusedAndStoresNothing() async throws {
        // 500.00 fits, but its fee of 6.00 does not.
        let gateway = try await fundedGateway(50_000)
        let body = #"{"amount": 500, "orderID": "w-big", "currency": "DOP", "request": {"bank": "BHD"}}"#
        let refused = await gateway.send(gateway.request("POST", "/api/shop/withdrawalorders/", body: body))
        #expect(refused.status == 422 && refused.errorCode == "insufficient_funds", "\(refused.text)")
        #expect(refused.text.contains("506 DOP") && refused.text.contains("500 DOP"))
        #expect(await gateway.send(gateway.request("GET", "/api/shop/withdrawalorders/w-big/")).status == 404)
        let dop = try await balance(gateway)
        #expect(dop["available"] as? Double == 500 && dop["reserved"] as? Double == 0)
        #expect(try await gateway.store.verifyLedger().movementCount == 1)

        // The orderID was never taken: funded, the same request is created.
        _ = try await gateway.store.recordMovement(slug: "shop", reference: nil, atMilliseconds: 2) {
            [dop = self.dop] merchant in
            .credit(merchantID: merchant.id, currency: dop, amountMinorUnits: 600, reason: "top-up")
        }
        let created = await gateway.send(gateway.request("POST", "/api/shop/withdrawalorders/", body: body))
        #expect(created.status == 201)
        // A replay neither reserves again nor is refused for the balance it left.
        let replayed = await gateway.send(gateway.request("POST", "/api/shop/withdrawalorders/", body: body))
        #expect(replayed.status == 200 && replayed.headers["Idempotent-Replayed"] == "true")
        let after = try await balance(gateway)
        #expect(after["available"] as? Double == 0 && after["reserved"] as? Double == 506)
        #expect(try await gateway.store.verifyLedger().differences.isEmpty)
    }

    @Test func aWithdrawalWithoutItsDestinationIsRefused() async throws {
        let gateway = try await fundedGateway(100_000)
        for request in ["", #", "request": null"#] {
            let body = #"{"amount": 5, "orderID": "w-1", "currency": "DOP""# + request + "}"
            let refused = await gateway.send(gateway.request("POST", "/api/shop/withdrawalorders/", body: body))
            #expect(refused.status == 400 && refused.errorCode == "validation_failed")
            #expect((refused.json?["error"] as? [String: Any])?["field"] as? String == "request")
        }
    }

    @Test func theBalanceListsEveryEnabledCurrencyEvenUnfunded() async throws {
        let gateway = try await TestGateway()
        let response = await gateway.send(gateway.request("GET", "/api/shop/balance"))
        #expect(
            response.text
                == #"{"balances":[{"currency":"DOP","available":0,"reserved":0},"#
                + #"{"currency":"USD","available":0,"reserved":0}]}"#)
        #expect(await gateway.send(gateway.request("POST", "/api/shop/balance/", body: "{}")).status == 405)
        var unsigned = gateway.request("GET", "/api/shop/balance/")
        unsigned.headers = HTTPHeaders()
        #expect(await gateway.send(unsigned).errorCode == "missing_timestamp")
    }
}
