import Testing

@testable import ElMomentoHTTP

/// The refusals owed before a body is read (request smuggling and announced size).
@Suite struct FramingTests {
    private func refusal(_ fields: [(String, String)], bodyBytesMax: Int = 65536) -> HTTPRefusal? {
        Engine.refusalBeforeBody(HTTPHeaders(fields.map { (name: $0.0, value: $0.1) }), bodyBytesMax: bodyBytesMax)
    }

    @Test func anOrdinaryRequestPasses() {
        #expect(refusal([("Host", "x"), ("Content-Length", "10"), ("Content-Type", "application/json")]) == nil)
        #expect(refusal([("Host", "x"), ("Transfer-Encoding", "chunked")]) == nil)
        #expect(refusal([("Host", "x"), ("Transfer-Encoding", "Chunked")]) == nil)
    }

    @Test func twoContentLengthsAreRefused() {
        #expect(
            refusal([("Content-Length", "5"), ("content-length", "5")])?.isAmbiguous(header: "Content-Length") == true)
    }

    @Test func contentLengthWithTransferEncodingIsRefused() {
        #expect(
            refusal([("Content-Length", "5"), ("Transfer-Encoding", "chunked")])?.isAmbiguous(
                header: "Transfer-Encoding") == true)
    }

    /// libmicrohttpd compares the value exactly (after leading whitespace), so a
    /// trailing space would make it read to the connection's end: refused here.
    @Test(arguments: ["gzip", "gzip, chunked", "chunked, identity", "identity", "", "chunked ", " chunked"])
    func anyTransferEncodingButChunkedIsRefused(_ encoding: String) {
        #expect(refusal([("Transfer-Encoding", encoding)])?.isAmbiguous(header: "Transfer-Encoding") == true)
    }

    @Test func twoTransferEncodingsAreRefused() {
        #expect(refusal([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")]) != nil)
    }

    @Test(arguments: ["Content-Length ", " Content-Length", "Content Length", "X-Folded\tValue", ""])
    func aMalformedHeaderNameIsRefused(_ name: String) {
        #expect(refusal([(name, "5")])?.isAmbiguous(header: name) == true)
    }

    @Test func aBodyAnnouncedOverTheLimitIsRefused() {
        #expect(refusal([("Content-Length", "10000000")]) == .bodyTooLarge(limitBytes: 65536))
        #expect(refusal([("Content-Length", "65537")]) == .bodyTooLarge(limitBytes: 65536))
        #expect(refusal([("Content-Length", "65536")]) == nil)
    }

    /// Every byte, as RFC 9110 defines a token character.
    @Test func headerNameCharactersAreExactlyTheTokenCharacters() {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            let name = "X" + String(decoding: [byte], as: UTF8.self)
            let expected = tokenCharacters.contains(byte)
            #expect(Engine.isToken(name) == expected, "byte \(byte)")
        }
    }
}

extension HTTPRefusal {
    func isAmbiguous(header expected: String) -> Bool {
        if case .ambiguousFraming(let header, _) = self { return header == expected }
        return false
    }
}
