import ElMomentoSigning
import Testing

@Suite struct RequestSignatureTests {
    let signer = RequestSignature(secret: "sk_test_example")
    let body = Array(#"{"amount": 500, "orderID": "Somerandomstring", "currency": "DOP"}"#.utf8)

    @Test func signsTheTimestampFollowedByTheBody() {
        let key = HMACSHA512Key(secret: Array("sk_test_example".utf8))
        let expected = Hex.encode(key.authenticationCode(of: Array("1766825847".utf8) + body))
        #expect(signer.sign(timestamp: "1766825847", body: body) == expected)
    }

    @Test func aGetIsSignedOverTheTimestampAlone() {
        let key = HMACSHA512Key(secret: Array("sk_test_example".utf8))
        #expect(
            signer.sign(timestamp: "1766825847") == Hex.encode(key.authenticationCode(of: Array("1766825847".utf8))))
    }

    @Test func signaturesAreLowercaseHexOf128Characters() {
        let signature = signer.sign(timestamp: "1766825847", body: body)
        #expect(signature.count == 128)
        #expect(signature.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func acceptsItsOwnSignatureInEitherCase() {
        let signature = signer.sign(timestamp: "1766825847", body: body)
        #expect(signer.isValid(signature: signature, timestamp: "1766825847", body: body))
        #expect(signer.isValid(signature: signature.uppercased(), timestamp: "1766825847", body: body))
    }

    @Test func refusesAnyChangeToTimestampBodyOrSignature() {
        let signature = signer.sign(timestamp: "1766825847", body: body)
        #expect(!signer.isValid(signature: signature, timestamp: "1766825848", body: body))
        #expect(!signer.isValid(signature: signature, timestamp: "1766825847", body: body + [0x20]))
        #expect(
            !RequestSignature(secret: "sk_test_other").isValid(
                signature: signature, timestamp: "1766825847", body: body))
        let flipped = String(signature.dropLast()) + (signature.last == "0" ? "1" : "0")
        #expect(!signer.isValid(signature: flipped, timestamp: "1766825847", body: body))
    }

    @Test(arguments: [
        "", "abc", String(repeating: "g", count: 128), String(repeating: "0", count: 127),
        String(repeating: "0", count: 130),
    ])
    func refusesWhatIsNotA128CharacterHexString(_ signature: String) {
        #expect(!signer.isValid(signature: signature, timestamp: "1766825847", body: body))
    }

    @Test func hexRoundTripsEveryByte() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("ABcd") == [0xab, 0xcd])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
