import ElMomentoClient
import ElMomentoTestSupport
import Foundation
import Testing

/// The SDK against the real `elmomento` binary: what a merchant integrating with it gets.
@Suite struct GatewayClientTests {
    private let payer = ["email": "ceterasddsare@hotmail.com", "id_number": "00100000001"]

    @Test func aCreateIsAnsweredOnceAndThenReplayedAndAConflictIsTyped() async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret)
            let request = ElMomentoOrderRequest(
                orderID: "order-1", amount: "500.50", currency: "DOP", callbackURL: "https://google.com", payer: payer)
            let created = try await client.createDeposit(request)
            #expect(!created.wasReplayed)
            #expect(created.requestID?.hasPrefix("req_") == true)
            let order = created.order
            #expect(order.id.hasPrefix("dep_"))
            #expect((order.orderID, order.type, order.status) == ("order-1", .deposit, .pending))
            #expect((order.amount, order.fee, order.currency) == ("500.5", "0", "DOP"))
            #expect(order.callbackURL == "https://google.com")
            #expect(order.paymentURL?.contains("/pay/") == true && order.paymentURL?.contains(order.id) == false)
            #expect(order.request == .object(payer))
            #expect(order.environment == "sandbox" && order.failureReason == nil)

            let replayed = try await client.createDeposit(request)
            #expect(replayed.wasReplayed)
            #expect(replayed.order.id == order.id)

            var different = request
            different.amount = "501"
            let conflict = await #expect(throws: ElMomentoError.self) { try await client.createDeposit(different) }
            #expect(conflict?.kind == .api)
            #expect(conflict?.status == 409)
            #expect(conflict?.code == "order_id_conflict")
            #expect(conflict?.field == "orderID")
            #expect(conflict?.requestID?.hasPrefix("req_") == true)
        }
    }

    @Test func anOrderIsReadBackAndAMissingOneIsA404() async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret)
            let created = try await client.createDeposit(
                ElMomentoOrderRequest(orderID: "order:2", amount: "75", currency: "USD"))
            let read = try await client.deposit(orderID: "order:2")
            #expect(read == created.order)
            #expect(read.request == nil && read.callbackURL == nil)

            let missing = await #expect(throws: ElMomentoError.self) { try await client.deposit(orderID: "nobody") }
            #expect((missing?.status, missing?.code) == (404, "order_not_found"))
            let notAWithdrawal = await #expect(throws: ElMomentoError.self) {
                try await client.withdrawal(orderID: "order:2")
            }
            #expect(notAWithdrawal?.code == "order_not_found")
        }
    }

    @Test func aListFollowsItsCursorsAcrossPages() async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret)
            let orderIDs = (1...7).map { "list-\($0)" }
            for orderID in orderIDs {
                _ = try await client.createDeposit(
                    ElMomentoOrderRequest(orderID: orderID, amount: "10", currency: "DOP"))
            }
            var listed: [String] = []
            for try await order in client.listDeposits(pageSize: 3) { listed.append(order.orderID) }
            #expect(listed == orderIDs.reversed(), "newest first, every page once")

            let pending = try await collect(client.listDeposits(status: .pending, pageSize: 2))
            #expect(pending.count == 7)
            let completed = try await collect(client.listDeposits(status: .completed))
            #expect(completed.isEmpty)
            let hourAgo = Date().addingTimeInterval(-3600)
            let recent = try await collect(client.listDeposits(createdAfter: hourAgo, createdBefore: Date() + 60))
            #expect(recent.count == 7)
            let future = try await collect(client.listDeposits(createdAfter: Date().addingTimeInterval(3600)))
            #expect(future.isEmpty)
            #expect(try await collect(client.listWithdrawals()).isEmpty, "deposits are not withdrawals")
        }
    }

    @Test func aWithdrawalReservesFromTheBalance() async throws {
        try await withMerchant("payer", options: ["--withdrawal-fee-fixed", "1.50"]) { gateway, secret in
            let client = gateway.sdkClient("payer", secret: secret)
            try await credit("payer", "1000", on: gateway)
            #expect(try await client.balance().first { $0.currency == "DOP" }?.available == "1000")

            let payout = payer.merging(["bank": "BHD", "account_number": "0123456789", "holder_name": "Ana"]) { $1 }
            let created = try await client.createWithdrawal(
                ElMomentoOrderRequest(orderID: "payout-1", amount: "250.50", currency: "DOP", payer: payout))
            #expect(created.order.id.hasPrefix("wd_"))
            #expect((created.order.type, created.order.fee, created.order.paymentURL) == (.withdrawal, "1.5", nil))
            #expect(try await client.withdrawal(orderID: "payout-1") == created.order)
            #expect(try await collect(client.listWithdrawals()).map(\.orderID) == ["payout-1"])

            let balances = try await client.balance()
            #expect(balances.contains(ElMomentoBalance(currency: "DOP", available: "748", reserved: "252")))
            #expect(balances.contains(ElMomentoBalance(currency: "USD", available: "0", reserved: "0")))

            let tooMuch = await #expect(throws: ElMomentoError.self) {
                try await client.createWithdrawal(
                    ElMomentoOrderRequest(orderID: "payout-2", amount: "747", currency: "DOP", payer: payout))
            }
            #expect((tooMuch?.status, tooMuch?.code, tooMuch?.field) == (422, "insufficient_funds", "amount"))
        }
    }

    @Test(arguments: [ElMomentoSignatureVersion.v1, .v2])
    func bothSignatureVersionsAreAccepted(_ version: ElMomentoSignatureVersion) async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret, signatureVersion: version)
            _ = try await client.createDeposit(ElMomentoOrderRequest(orderID: "signed", amount: "5", currency: "DOP"))
            // A query with characters that must be encoded, signed as sent.
            let listed = try await collect(
                client.listDeposits(status: .pending, createdAfter: Date(timeIntervalSince1970: 0), pageSize: 1))
            #expect(listed.map(\.orderID) == ["signed"])
            #expect(try await client.deposit(orderID: "signed").orderID == "signed")
        }
    }

    @Test func aMerchantThatRequiresVersion2RefusesVersion1() async throws {
        try await withMerchant(options: ["--require-signature-v2"]) { gateway, secret in
            let request = ElMomentoOrderRequest(orderID: "strict", amount: "5", currency: "DOP")
            let refused = await #expect(throws: ElMomentoError.self) {
                try await gateway.sdkClient("shop", secret: secret, signatureVersion: .v1).createDeposit(request)
            }
            #expect((refused?.status, refused?.code) == (401, "invalid_signature"))
            #expect(refused?.requestID?.hasPrefix("req_") == true)
            let accepted = try await gateway.sdkClient("shop", secret: secret).createDeposit(request)
            #expect(!accepted.wasReplayed, "the refused request created nothing")
        }
    }

    @Test func refusalsNameTheFieldAndAreNotRetried() async throws {
        try await withMerchant { gateway, secret in
            let sleeps = RecordedSleeps()
            let client = ElMomentoClient(
                baseURL: gateway.baseURL, merchant: "shop", secret: secret, retryPolicy: sleeps.policy(attemptsMax: 3))
            for (amount, currency, field) in [
                ("abc", "DOP", "amount"), ("500.001", "DOP", "amount"), ("5", "XYZ", "currency"),
            ] {
                let refused = await #expect(throws: ElMomentoError.self) {
                    try await client.createDeposit(
                        ElMomentoOrderRequest(orderID: "bad", amount: amount, currency: currency))
                }
                #expect((refused?.status, refused?.code, refused?.field) == (400, "validation_failed", field))
            }
            let wrongSecret = ElMomentoClient(
                baseURL: gateway.baseURL, merchant: "shop", secret: "sk_test_wrong",
                retryPolicy: sleeps.policy(attemptsMax: 3))
            let unauthorized = await #expect(throws: ElMomentoError.self) { try await wrongSecret.balance() }
            #expect((unauthorized?.status, unauthorized?.code) == (401, "invalid_signature"))
            #expect(sleeps.seconds.isEmpty, "a 4xx is never retried")
        }
    }

    /// The README's pattern: calls and a list read in one `do`, in a throwing function, caught
    /// as `ElMomentoError`. With typed throws in the SDK's API, Swift 6.3 crashed compiling it.
    @Test func theReadmesPatternCatchesTheTypedError() async throws {
        try await withMerchant { gateway, secret in
            let client = gateway.sdkClient("shop", secret: secret)
            var caught: ElMomentoError?
            do {
                _ = try await client.createDeposit(ElMomentoOrderRequest(orderID: "r", amount: "1", currency: "DOP"))
                for try await order in client.listDeposits(status: .pending) { #expect(order.orderID == "r") }
                _ = try await client.createDeposit(ElMomentoOrderRequest(orderID: "r", amount: "2", currency: "DOP"))
            } catch let error as ElMomentoError {
                caught = error
            }
            #expect(caught?.code == "order_id_conflict")
        }
    }
}

/// Every element of `pages`.
func collect<Element>(_ pages: ElMomentoPages<Element>) async throws -> [Element] {
    var elements: [Element] = []
    for try await element in pages { elements.append(element) }
    return elements
}
