import ElMomentoSigning
import Foundation
import Testing

@Suite struct StandardWebhookSignatureTests {
    /// The Standard Webhooks reference vector (standard-webhooks/standard-webhooks,
    /// `libraries/php/tests/WebhookTest.php`, `testSignFunctionWorks`); the key is the
    /// base64 after `whsec_`.
    @Test func reproducesThePublishedReferenceVector() throws {
        let key = try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signer = StandardWebhookSignature(key: Array(key))
        let signature = signer.sign(
            webhookID: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    /// A merchant secret keys the signature with its UTF-8 bytes (SPEC 6). Expected value from
    /// Python: base64(hmac.new(b"sk_test_example", b'evt_1.1766825847.{"a":1}', "sha256").digest()).
    @Test func aMerchantSecretKeysWithItsUTF8Bytes() {
        let signer = StandardWebhookSignature(secret: "sk_test_example")
        let signature = signer.sign(webhookID: "evt_1", timestamp: "1766825847", body: Array(#"{"a":1}"#.utf8))
        #expect(signature == "v1,Yy8iP/u/WI/m88P3EvtnoIeL7JLEP7n+56N0yMl26Ys=")
        #expect(
            signature
                == StandardWebhookSignature(key: Array("sk_test_example".utf8)).sign(
                    webhookID: "evt_1", timestamp: "1766825847", body: Array(#"{"a":1}"#.utf8)))
    }

    @Test func acceptsItsSignatureAmongOthersAsDuringARotation() {
        let signer = StandardWebhookSignature(secret: "sk_test_new")
        let body = Array(#"{"a":1}"#.utf8)
        let own = signer.sign(webhookID: "evt_1", timestamp: "1766825847", body: body)
        let old = StandardWebhookSignature(secret: "sk_test_old").sign(
            webhookID: "evt_1", timestamp: "1766825847", body: body)
        #expect(signer.isValid(signatureHeader: own, webhookID: "evt_1", timestamp: "1766825847", body: body))
        #expect(
            signer.isValid(signatureHeader: "\(old) \(own)", webhookID: "evt_1", timestamp: "1766825847", body: body))
        #expect(!signer.isValid(signatureHeader: old, webhookID: "evt_1", timestamp: "1766825847", body: body))
    }

    @Test func refusesAnyChangeToIDTimestampBodyOrVersion() {
        let signer = StandardWebhookSignature(secret: "sk_test_example")
        let body = Array(#"{"a":1}"#.utf8)
        let signature = signer.sign(webhookID: "evt_1", timestamp: "1766825847", body: body)
        #expect(!signer.isValid(signatureHeader: signature, webhookID: "evt_2", timestamp: "1766825847", body: body))
        #expect(!signer.isValid(signatureHeader: signature, webhookID: "evt_1", timestamp: "1766825848", body: body))
        #expect(
            !signer.isValid(
                signatureHeader: signature, webhookID: "evt_1", timestamp: "1766825847", body: body + [0x20]))
        let otherVersion = "v2," + signature.dropFirst(3)
        #expect(
            !signer.isValid(signatureHeader: otherVersion, webhookID: "evt_1", timestamp: "1766825847", body: body))
        #expect(!signer.isValid(signatureHeader: "", webhookID: "evt_1", timestamp: "1766825847", body: body))
    }
}
