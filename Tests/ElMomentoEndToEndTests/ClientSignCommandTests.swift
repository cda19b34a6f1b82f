import ElMomentoTestSupport
import Foundation
import Testing

/// `elmomento client sign`: the signature a curl user puts in `Signature`, the same as
/// `openssl dgst -sha512 -hmac` computes, and accepted by the gateway.
@Suite struct ClientSignCommandTests {
    private let secret = "sk_test_sign_command_0123456789"
    /// The integration document's body, newlines and all, with a character outside ASCII.
    private let body = """
        {
        "amount": 500,
        "orderID": "signed-by-cli",
        "currency": "DOP",
        "request": {"email": "ceterasddsare@hotmail.com", "holder_name": "Ana Pérez"}
        }
        """

    private func bodyFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString).json").path
        try Data(body.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `openssl dgst -sha512 -hmac secret` over `message`, as the README's curl example signs.
    private func openssl(_ message: String, secret: String) async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(UUID().uuidString)")
        try Data(message.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let printed = try await runProgram(
            "/usr/bin/openssl", ["dgst", "-sha512", "-hmac", secret, file.path], timeoutSeconds: 20
        ).standardOutput
        guard let digest = printed.split(separator: " ").last else { throw TestSupportError("openssl: \(printed)") }
        return digest.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func sign(_ arguments: [String]) async throws -> String {
        let result = try await runElmomento(["client", "sign"] + arguments, environment: ["ELMOMENTO_SECRET": secret])
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput.trimmingCharacters(in: .newlines)
    }

    @Test func version1IsOpenSSLsDigestOfTheTimestampAndTheBody() async throws {
        let signed = try await sign(["--timestamp", "1796000000", "--body", try bodyFile()])
        #expect(signed.count == 128)
        #expect(signed == (try await openssl("1796000000" + body, secret: secret)))
        let get = try await sign(["--timestamp", "1796000000"])
        #expect(get == (try await openssl("1796000000", secret: secret)), "a GET signs the timestamp alone")
    }

    @Test func version2AddsTheMethodAndThePathAndQuery() async throws {
        let signed = try await sign([
            "--timestamp", "1796000000", "--body", try bodyFile(), "--method", "post", "--path", "/api/1xbet/orders/",
        ])
        let message = "1796000000\nPOST\n/api/1xbet/orders/\n" + body
        #expect(signed == (try await openssl(message, secret: secret)))
    }

    @Test(arguments: [false, true])
    func theGatewayAcceptsWhatTheCommandSigned(_ version2: Bool) async throws {
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let path = client.ordersPath()
            let version = version2 ? ["--method", "POST", "--path", path] : []
            let result = try await runElmomento(
                ["client", "sign", "--timestamp", timestamp, "--body", try bodyFile()] + version,
                environment: ["ELMOMENTO_SECRET": client.secret])
            let signature = result.standardOutput.trimmingCharacters(in: .newlines)
            let headers =
                [("X-Timestamp", timestamp), ("Signature", signature)]
                + (version2 ? [("Signature-Version", "2")] : [])
            let created = try await client.send("POST", path, body: body, signing: .headers(headers))
            #expect(created.status == 201)
        }
    }
}
