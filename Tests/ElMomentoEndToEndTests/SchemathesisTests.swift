import ElMomentoTestSupport
import Foundation
import Testing

/// schemathesis (from PyPI) sends requests generated from the served OpenAPI description
/// to the real binary, every one signed by `scripts/schemathesis/signing_hooks.py`, and
/// checks that the gateway answers as described.
@Suite struct SchemathesisTests {
    static let merchant = "schemathesis"
    static let secret = "sk_test_schemathesis0123456789abcdef"

    /// What is checked on every answer. Left out: `negative_data_rejection`, because unknown
    /// fields and query parameters are ignored by design (SPEC 3.2, 3.4); `positive_data_acceptance`,
    /// because the schema cannot say every rule (which currencies a merchant enabled, each
    /// currency's decimals), so data it allows may be refused 4xx; `ignored_auth`, because the
    /// hooks sign every request they are not told to break.
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
        "response_headers_conformance", "missing_required_header", "unsupported_method", "allow_header_conformance",
        "use_after_free", "ensure_resource_availability",
    ]

    /// Test cases per operation and phase: enough to reach every branch of validation in
    /// about a minute on two cores.
    static let examplesPerOperation = 100

    @Test(.timeLimit(.minutes(5)))
    func generatedRequestsAreAnsweredAsTheDescriptionSays() async throws {
        let schemathesis = try await pythonTool("schemathesis")
        let database = GatewayProcess.temporaryDatabasePath()
        try await Self.createFundedMerchant(database: database)
        // Each failed authentication schemathesis provokes on purpose would count against
        // 127.0.0.1, and past 60 a minute every request would be refused 429.
        try await withGateway(arguments: ["--auth-failures-per-minute", "1000000"], databasePath: database) { gateway in
            let url = "http://127.0.0.1:\(gateway.port)"
            let result = try await runProgram(
                schemathesis,
                [
                    "run", "\(url)/openapi.json", "--url", url, "--checks", Self.checks.joined(separator: ","),
                    "--max-examples", "\(Self.examplesPerOperation)", "--request-timeout", "10",
                    // Hypothesis's health checks judge how fast data is generated, which
                    // the rest of the suite running beside this on two cores can slow; the
                    // gateway's answers are what this test is about.
                    "--suppress-health-check", "all", "--generation-database", "none", "--no-color",
                ],
                environment: [
                    "SCHEMATHESIS_HOOKS": Repository.file("scripts/schemathesis/signing_hooks.py").path,
                    "ELMOMENTO_MERCHANT": Self.merchant, "ELMOMENTO_SECRET": Self.secret,
                ],
                workingDirectory: FileManager.default.temporaryDirectory, timeoutSeconds: 240)
            #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError)")
            // Requests the hooks failed to sign would all be 401, and pass every check.
            for route in ["/api/{merchant}/orders", "/api/{merchant}/withdrawalorders"] {
                #expect(gateway.log.contains(#""route":"\#(route)","status":201"#), "no create reached \(route)")
            }
            #expect(gateway.log.contains(#""route":"/api/{merchant}/balance","status":200"#))
        }
    }

    /// The merchant the hooks sign as, with a rate limit schemathesis cannot use up, and
    /// money in both currencies so that withdrawals can be created.
    private static func createFundedMerchant(database: String) async throws {
        let created = try await runElmomento([
            "admin", "merchant", "create", merchant, "--secret", secret, "--rate-limit", "1000000",
            "--database", database,
        ])
        #expect(created.status == 0, "\(created.standardError)")
        for currency in ["DOP", "USD"] {
            let credited = try await runElmomento([
                "admin", "balance", "credit", merchant, "--currency", currency, "--amount", "100000000",
                "--reason", "schemathesis payout float", "--database", database,
            ])
            #expect(credited.status == 0, "\(credited.standardError)")
        }
    }
}
