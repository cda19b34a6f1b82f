import ElMomentoClient
import ElMomentoSigning
import Foundation
import Testing

/// `CallbackVerifier`: a merchant's server accepts the gateway's callbacks and nothing else.
@Suite struct CallbackVerifierTests {
    private let secret = "sk_test_callback_secret_0123456789"
    private let body = Array(StubBodies.event(orderID: "order-1", sequence: 2, webhookID: "evt_01JF").utf8)
    private let timestamp: Int64 = 1_796_000_000
    private var now: Date { Date(timeIntervalSince1970: Double(timestamp)) }

    private func signature(_ body: [UInt8], secret: String? = nil, timestamp: Int64? = nil) -> String {
        RequestSignature(secret: secret ?? self.secret).sign(timestamp: String(timestamp ?? self.timestamp), body: body)
    }

    @Test func aCallbackSignedWithTheSecretIsReadAsItsEvent() throws {
        let event = try CallbackVerifier(secret: secret).verify(
            body: body, timestamp: String(timestamp), signature: signature(body), now: now)
        #expect((event.event, event.sequence, event.webhookID) == ("deposit.completed", 2, "evt_01JF"))
        #expect((event.order.orderID, event.order.amount, event.order.status) == ("order-1", "500.5", .completed))
    }

    @Test func anUppercaseSignatureAndHeadersInAnyCaseAreAccepted() throws {
        let headers = ["x-timestamp": String(timestamp), "SIGNATURE": signature(body).uppercased()]
        let event = try CallbackVerifier(secret: secret).verify(body: body, headers: headers, now: now)
        #expect(event.webhookID == "evt_01JF")
    }

    @Test func aTamperedBodyIsRefused() {
        var tampered = body
        let index = tampered.firstRange(of: Array("500.5".utf8))!.lowerBound
        tampered[index] = UInt8(ascii: "9")
        #expect(throws: CallbackVerificationError.invalidSignature) {
            try CallbackVerifier(secret: secret).verify(
                body: tampered, timestamp: String(timestamp), signature: signature(body), now: now)
        }
    }

    @Test func aSignatureWithAnotherSecretIsRefused() {
        #expect(throws: CallbackVerificationError.invalidSignature) {
            try CallbackVerifier(secret: secret).verify(
                body: body, timestamp: String(timestamp), signature: signature(body, secret: "sk_test_other"), now: now)
        }
    }

    @Test func duringARotationEitherSecretIsAccepted() throws {
        let verifier = CallbackVerifier(secret: "sk_test_new_secret", previousSecret: secret)
        for key in [secret, "sk_test_new_secret"] {
            let event = try verifier.verify(
                body: body, timestamp: String(timestamp), signature: signature(body, secret: key), now: now)
            #expect(event.sequence == 2)
        }
    }

    @Test(arguments: [(-300, true), (300, true), (-301, false), (301, false), (-86_400, false)])
    func theTimestampMustBeWithinTheToleranceOfNow(_ offset: Int64, _ accepted: Bool) throws {
        let sent = timestamp + offset
        let verify = {
            try CallbackVerifier(secret: secret).verify(
                body: body, timestamp: String(sent), signature: signature(body, timestamp: sent), now: now)
        }
        if accepted {
            #expect(try verify().webhookID == "evt_01JF")
        } else {
            #expect(throws: CallbackVerificationError.timestampOutsideTolerance(offsetSeconds: offset)) { try verify() }
        }
    }

    @Test func missingOrMalformedHeadersAreNamed() {
        let verifier = CallbackVerifier(secret: secret)
        let cases: [(String?, String?, CallbackVerificationError)] = [
            (nil, signature(body), .missingTimestamp),
            ("", signature(body), .missingTimestamp),
            ("17960000OO", signature(body), .invalidTimestamp),
            ("-1796000000", signature(body), .invalidTimestamp),
            (String(timestamp), nil, .missingSignature),
            (String(timestamp), "abc", .invalidSignature),
        ]
        for (timestamp, signature, expected) in cases {
            #expect(throws: expected) {
                try verifier.verify(body: body, timestamp: timestamp, signature: signature, now: now)
            }
        }
    }

    @Test func aSignedBodyThatIsNotAnEventIsRefused() {
        let notAnEvent = Array(#"{"hello":"world"}"#.utf8)
        #expect(throws: CallbackVerificationError.invalidBody) {
            try CallbackVerifier(secret: secret).verify(
                body: notAnEvent, timestamp: String(timestamp), signature: signature(notAnEvent), now: now)
        }
    }
}
