import ElMomentoSigning
import ElMomentoTestSupport
import Testing

/// The worked example of docs/integration.md, read from the guide itself, so that the
/// digests merchants check their code against are the ones the gateway computes.
@Suite struct IntegrationGuideExampleTests {
    let example: [String: String]

    init() throws {
        example = try IntegrationGuide.load().workedExample
    }

    private func value(_ label: String) throws -> String {
        try #require(example[label], "the worked example has no row \"\(label)\"")
    }

    @Test func theVersion1DigestSignsTheTimestampFollowedByTheBody() throws {
        let signer = RequestSignature(secret: try value("Secret"))
        let body = Array(try value("Body").utf8)
        let timestamp = try value("X-Timestamp")
        #expect(signer.sign(timestamp: timestamp, body: body) == (try value("Signature, version 1")))
        #expect(signer.isValid(signature: try value("Signature, version 1"), timestamp: timestamp, body: body))
    }

    @Test func theVersion2DigestSignsTheMethodAndPathToo() throws {
        let signer = RequestSignature(secret: try value("Secret"))
        let signature = signer.signVersion2(
            timestamp: try value("X-Timestamp"), method: try value("Method"), target: try value("Path"),
            body: Array(try value("Body").utf8))
        #expect(signature == (try value("Signature, version 2")))
    }

    @Test func aGetsDigestSignsTheTimestampAlone() throws {
        let signer = RequestSignature(secret: try value("Secret"))
        #expect(signer.sign(timestamp: try value("X-Timestamp")) == (try value("Signature of a GET")))
    }

    @Test func theMessageLengthsTheGuideStatesHold() throws {
        // The guide's prose counts the message's bytes; a body edited without it would mislead.
        #expect(try value("X-Timestamp").utf8.count == 10)
        #expect(try value("Body").utf8.count == 65)
    }
}
