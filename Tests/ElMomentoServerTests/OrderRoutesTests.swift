import ElMomentoCore
import ElMomentoHTTP
import ElMomentoSigning
import Foundation
import Testing

@testable import ElMomentoServer

/// The deposit routes in process: authentication in SPEC 3.1's order, creates, replays
/// and lists, with a clock the test moves.
@Suite struct OrderRoutesTests {
    @Test func theSeedsBodyCreatesAPendingDepositWithItsPaymentPage() async throws {
        let gateway = try await TestGateway()
        let response = await gateway.send(
            gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "Somerandomstring")))
        #expect(response.status == 201, "\(response.text)")
        let order = try #require(response.json)
        let id = try #require(order["id"] as? String)
        #expect(id.hasPrefix("dep_"))
        let paymentURL = try #require(order["payment_url"] as? String)
        #expect(paymentURL.hasPrefix("https://pay.example/pay/") && !paymentURL.contains(id))
        #expect(paymentURL.count == "https://pay.example/pay/".count + 48, "192 random bits, in hex")
        #expect(order["created_at"] as? String == "2026-12-04T19:40:33Z")
        #expect(order["environment"] as? String == "sandbox")
        #expect(order["fee"] as? Int == 0)
        #expect(response.headers["Idempotent-Replayed"] == nil)
    }

    @Test func checksRunInSpecOrderSoTheFirstFaultIsNamed() async throws {
        var settings = MerchantSettings()
        settings.currencyCodes = ["USD"]
        let gateway = try await TestGateway(settings: settings)
        let wrongSecret = "sk_test_another-secret-entirely-000000"
        let body = TestGateway.body(orderID: "o-1")

        // An unknown merchant comes before any signature check.
        var unsigned = gateway.request("GET", "/api/ghost/orders/")
        unsigned.headers = HTTPHeaders()
        #expect(await gateway.send(unsigned).errorCode == "merchant_not_found")
        // The timestamp before the signature: absent, then out of the window.
        var noTimestamp = gateway.request("GET", "/api/shop/orders/", secret: wrongSecret)
        noTimestamp.headers = HTTPHeaders([("Signature", String(repeating: "0", count: 128))])
        #expect(await gateway.send(noTimestamp).errorCode == "missing_timestamp")
        #expect(
            await gateway.send(
                gateway.request("GET", "/api/shop/orders/", secret: wrongSecret, timestampOffsetSeconds: 31)
            )
            .errorCode == "timestamp_out_of_window")
        // The signature before the media type, the media type before the body.
        #expect(
            await gateway.send(
                gateway.request(
                    "POST", "/api/shop/orders/", body: "{", secret: wrongSecret,
                    headers: [("Content-Type", "text/plain")])
            ).errorCode == "invalid_signature")
        var plain = gateway.request("POST", "/api/shop/orders/", body: "{")
        plain.headers = HTTPHeaders(
            plain.headers.filter { $0.name != "Content-Type" } + [("Content-Type", "text/plain")])
        #expect(await gateway.send(plain).errorCode == "unsupported_media_type")
        #expect(await gateway.send(gateway.request("POST", "/api/shop/orders/", body: "{")).errorCode == "invalid_json")
        // Every 400 before a 422: DOP is not enabled, but the amount's fault is named first.
        let both = TestGateway.body(orderID: "o-1", amount: "\"five\"")
        #expect(
            await gateway.send(gateway.request("POST", "/api/shop/orders/", body: both)).errorCode
                == "validation_failed")
        #expect(
            await gateway.send(gateway.request("POST", "/api/shop/orders/", body: body)).errorCode
                == "currency_not_enabled")
    }

    @Test(arguments: [(-30, 200), (30, 200), (-31, 401), (31, 401)])
    func theWindowIsThirtySecondsEitherSideInclusive(offset: Int64, status: Int) async throws {
        let gateway = try await TestGateway()
        let response = await gateway.send(gateway.request("GET", "/api/shop/orders/", timestampOffsetSeconds: offset))
        #expect(response.status == status)
    }

    @Test func aDisabledMerchantIsRefusedBeforeItsSignatureIsChecked() async throws {
        let gateway = try await TestGateway()
        #expect(await gateway.send(gateway.request("GET", "/api/shop/orders/")).status == 200)
        _ = try await gateway.store.updateMerchant(slug: "shop", atMilliseconds: 2) { $0.isEnabled = false }
        #expect(await gateway.send(gateway.request("GET", "/api/shop/orders/")).status == 200, "known a moment ago")
        gateway.clock.advance(seconds: 1)
        let response = await gateway.send(
            gateway.request("GET", "/api/shop/orders/", secret: "sk_test_wrong-wrong-wrong-wrong"))
        #expect(response.status == 403)
        #expect(response.errorCode == "merchant_disabled")
    }

    @Test func uppercaseHexAndTheMSignatureAliasAreAccepted() async throws {
        let gateway = try await TestGateway()
        var request = gateway.request("GET", "/api/shop/orders/")
        let signature = try #require(request.headers["Signature"]).uppercased()
        request.headers = HTTPHeaders([
            ("X-Timestamp", request.headers["X-Timestamp"]!), ("M-Signature", signature), ("Signature", signature),
        ])
        #expect(await gateway.send(request).status == 200)
    }

    @Test func versionTwoSignsTheMethodPathAndQueryAndCanBeRequired() async throws {
        var settings = MerchantSettings()
        settings.requiresSignatureVersion2 = true
        let gateway = try await TestGateway(settings: settings)
        #expect(
            await gateway.send(gateway.request("GET", "/api/shop/orders/?limit=5")).errorCode == "invalid_signature")

        let timestamp = String(gateway.clock.secondsSince1970())
        let signer = RequestSignature(secret: TestGateway.secret)
        func signed(_ target: String, signedTarget: String) -> HTTPRequest {
            HTTPRequest(
                id: "req_test", method: "GET", target: target,
                headers: HTTPHeaders([
                    ("X-Timestamp", timestamp), ("Signature-Version", "2"),
                    ("Signature", signer.signVersion2(timestamp: timestamp, method: "GET", target: signedTarget)),
                ]))
        }
        #expect(
            await gateway.send(signed("/api/shop/orders/?limit=5", signedTarget: "/api/shop/orders/?limit=5")).status
                == 200)
        #expect(
            await gateway.send(signed("/api/shop/orders/?limit=6", signedTarget: "/api/shop/orders/?limit=5")).errorCode
                == "invalid_signature")
    }

    @Test func aReplayAnswersTheFirstOrderAndADifferentOneConflicts() async throws {
        let gateway = try await TestGateway()
        let first = await gateway.send(
            gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "r")))
        gateway.clock.advance(seconds: 5)
        let replay = await gateway.send(
            gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "r", amount: "5e2")))
        #expect(replay.status == 200)
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        #expect(replay.body == first.body)
        let conflict = await gateway.send(
            gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "r", amount: "500.01")))
        #expect(conflict.status == 409)
        #expect(conflict.errorCode == "order_id_conflict")
    }

    @Test(arguments: [
        ("http://shop.example/callback", false),
        ("https://10.0.0.7/callback", false),
        ("https://127.0.0.1/callback", false),
        ("https://[fe80::1]/callback", false),
        ("https://shop.example/callback", true),
    ])
    func productionTakesOnlyHTTPSCallbacksToPublicAddresses(url: String, acceptedInProduction: Bool) async throws {
        for environment in GatewayEnvironment.allCases {
            let gateway = try await TestGateway(environment: environment)
            let response = await gateway.send(
                gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "cb", callbackURL: url)))
            let accepted = environment == .sandbox || acceptedInProduction
            #expect(response.status == (accepted ? 201 : 400), "\(environment) \(url): \(response.text)")
            #expect(accepted || response.errorCode == "validation_failed")
        }
    }

    @Test func aRetryFindsItsOrderEvenAfterTheMerchantsLimitsChanged() async throws {
        let gateway = try await TestGateway()
        let body = TestGateway.body(orderID: "retry", amount: "900")
        #expect(await gateway.send(gateway.request("POST", "/api/shop/orders/", body: body)).status == 201)
        _ = try await gateway.store.updateMerchant(slug: "shop", atMilliseconds: 2) { merchant in
            merchant.settings.currencyCodes = ["USD"]
            merchant.settings.maxAmountMajor = "100"
        }
        gateway.clock.advance(seconds: 1)
        let retry = await gateway.send(gateway.request("POST", "/api/shop/orders/", body: body))
        #expect(retry.status == 200)
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        let new = TestGateway.body(orderID: "new", amount: "900")
        #expect(
            await gateway.send(gateway.request("POST", "/api/shop/orders/", body: new)).errorCode
                == "currency_not_enabled")
    }

    @Test func theLastPageHasANullCursor() async throws {
        let gateway = try await TestGateway()
        for index in 0..<3 {
            gateway.clock.advance(seconds: 1)
            _ = await gateway.send(
                gateway.request("POST", "/api/shop/orders/", body: TestGateway.body(orderID: "l-\(index)")))
        }
        let first = try #require(await gateway.send(gateway.request("GET", "/api/shop/orders/?limit=2")).json)
        #expect((first["data"] as? [Any])?.count == 2)
        #expect(first["has_more"] as? Bool == true)
        let cursor = try #require(first["next_cursor"] as? String)
        let last = try #require(
            await gateway.send(gateway.request("GET", "/api/shop/orders/?limit=2&cursor=\(cursor)")).json)
        #expect((last["data"] as? [[String: Any]])?.map { $0["orderID"] as? String } == ["l-0"])
        #expect(last["has_more"] as? Bool == false)
        #expect(last["next_cursor"] is NSNull)
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func digestsMatchTheFIPSExamples(_ text: String, _ digest: String) {
        #expect(SHA256.hexDigest(of: text) == digest)
    }
}
