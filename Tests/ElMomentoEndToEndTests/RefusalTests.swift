import ElMomentoSigning
import ElMomentoTestSupport
import Foundation
import Testing

/// Every refusal SPEC gives for the deposit routes, each with its status, code and
/// field, from one server whose database an operator prepared first.
@Suite struct RefusalTests {
    /// A request a merchant might send, and the refusal it must get.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let status: Int
        let code: String
        var field: String? = nil
        let send: @Sendable (MerchantClient) async throws -> RawResponse

        var testDescription: String { name }
    }

    static let validBody = MerchantClient.depositBody(orderID: "refusal-1")
    static let cases: [Case] = [
        Case(name: "unknown route", status: 404, code: "not_found") { try await $0.send("GET", "/api/1xbet/nothing/") },
        Case(name: "wrong method", status: 405, code: "method_not_allowed") {
            try await $0.send("DELETE", $0.ordersPath())
        },
        Case(name: "unknown merchant", status: 404, code: "merchant_not_found") {
            try await MerchantClient(port: $0.port, merchant: "nobody", secret: $0.secret).send(
                "GET", "/api/nobody/orders/")
        },
        Case(name: "no timestamp", status: 401, code: "missing_timestamp") { client in
            let signature = RequestSignature(secret: client.secret).sign(timestamp: "")
            return try await client.send("GET", client.ordersPath(), signing: .headers([("Signature", signature)]))
        },
        Case(name: "a timestamp that is not whole seconds", status: 401, code: "invalid_timestamp") { client in
            let timestamp = "\(Int(Date().timeIntervalSince1970)).5"
            let signature = RequestSignature(secret: client.secret).sign(timestamp: timestamp)
            return try await client.send(
                "GET", client.ordersPath(), signing: .headers([("X-Timestamp", timestamp), ("Signature", signature)]))
        },
        Case(name: "no signature", status: 401, code: "missing_signature") {
            try await $0.send("GET", $0.ordersPath(), signing: .unsigned)
        },
        Case(name: "signed with another secret", status: 401, code: "invalid_signature") {
            try await MerchantClient(port: $0.port, merchant: "1xbet", secret: "sk_test_not-the-secret-at-all-no")
                .send("POST", $0.ordersPath(), body: validBody)
        },
        Case(name: "a body other than the one signed", status: 401, code: "invalid_signature") { client in
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let signature = RequestSignature(secret: client.secret).sign(timestamp: timestamp, body: Array("{}".utf8))
            return try await client.send(
                "POST", client.ordersPath(), body: validBody,
                signing: .headers([("X-Timestamp", timestamp), ("Signature", signature)]))
        },
        Case(name: "Signature and M-Signature differ", status: 401, code: "invalid_signature") {
            try await $0.send("GET", $0.ordersPath(), headers: [("M-Signature", String(repeating: "ab", count: 64))])
        },
        Case(name: "not JSON by its Content-Type", status: 415, code: "unsupported_media_type") {
            try await $0.send("POST", $0.ordersPath(), body: validBody, contentType: "text/plain")
        },
        Case(name: "no Content-Type", status: 415, code: "unsupported_media_type") {
            try await $0.send("POST", $0.ordersPath(), body: validBody, contentType: nil)
        },
        Case(name: "broken JSON", status: 400, code: "invalid_json") {
            try await $0.send("POST", $0.ordersPath(), body: #"{"amount": 500,"#)
        },
        Case(name: "an amount finer than cents", status: 400, code: "validation_failed", field: "amount") {
            try await $0.createDeposit(orderID: "refusal-2", amount: "500.001")
        },
        Case(name: "no orderID", status: 400, code: "validation_failed", field: "orderID") {
            try await $0.send("POST", $0.ordersPath(), body: #"{"amount": 500, "currency": "DOP"}"#)
        },
        Case(name: "a bad email", status: 400, code: "validation_failed", field: "request.email") {
            try await $0.send(
                "POST", $0.ordersPath(),
                body: #"{"amount": 500, "orderID": "refusal-3", "currency": "DOP", "request": {"email": "no at"}}"#)
        },
        Case(name: "an unknown currency", status: 400, code: "validation_failed", field: "currency") {
            try await $0.send("POST", $0.ordersPath(), body: #"{"amount": 500, "orderID": "r-4", "currency": "XYZ"}"#)
        },
        Case(name: "a currency not enabled", status: 422, code: "currency_not_enabled", field: "currency") {
            try await $0.send("POST", $0.ordersPath(), body: #"{"amount": 500, "orderID": "r-5", "currency": "EUR"}"#)
        },
        Case(name: "an amount above the maximum", status: 422, code: "amount_above_limit", field: "amount") {
            try await $0.createDeposit(orderID: "refusal-6", amount: "1000000.01")
        },
        Case(name: "a bad list parameter", status: 400, code: "validation_failed", field: "limit") {
            try await $0.send("GET", $0.ordersPath("?limit=101"))
        },
        Case(name: "an unknown order", status: 404, code: "order_not_found") {
            try await $0.send("GET", $0.ordersPath("never-created/"))
        },
        Case(name: "a body over 64 KiB", status: 413, code: "body_too_large") {
            try await $0.send("POST", $0.ordersPath(), body: String(repeating: " ", count: 65 * 1024) + validBody)
        },
    ]

    @Test func everyRefusalHasItsStatusCodeAndField() async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            for refusal in Self.cases {
                let response = try await refusal.send(client)
                #expect(response.status == refusal.status, "\(refusal.name): \(response.bodyText)")
                #expect(response.error?["code"] as? String == refusal.code, "\(refusal.name)")
                #expect(response.error?["field"] as? String == refusal.field, "\(refusal.name)")
                let requestID = try #require(response.header("X-Request-Id"), "\(refusal.name)")
                #expect(response.error?["request_id"] as? String == requestID, "\(refusal.name)")
            }
        }
    }
}
