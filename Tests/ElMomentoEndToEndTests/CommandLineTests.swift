import ElMomentoTestSupport
import Foundation
import Testing

/// The command line as an operator meets it: help, mistakes, and the database's environment.
@Suite struct CommandLineTests {
    let database = GatewayProcess.temporaryDatabasePath()

    @Test(arguments: [["--help"], ["serve", "--help"], ["admin", "--help"], ["admin", "info", "--help"]])
    func everyCommandHasHelp(_ arguments: [String]) async throws {
        let result = try await runElmomento(arguments)
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("Usage: elmomento"))
    }

    @Test(arguments: [
        ([], "Usage: elmomento"),
        (["launch"], "unknown command"),
        (["serve", "--port", "99999"], "--port must be a whole number"),
        (["serve", "--port"], "--port needs a value"),
        (["serve", "--bogus"], "unknown option --bogus"),
        (["serve", "--environment", "staging"], "--environment must be sandbox or production"),
        (["serve", "--host", "example.com"], "--host must be an IP address"),
        (["serve", "--request-receive-timeout-seconds", "0"], "must be a number of seconds"),
        (["serve", "extra"], "unexpected argument"),
        (["serve", "--database", "postgres://localhost/elmomento"], "PostgreSQL"),
        (["admin"], "Usage: elmomento admin"),
        (["admin", "info", "--json=yes"], "--json takes no value"),
        (["serve", "--demo", "--environment", "production"], "--demo is for sandbox"),
        (["serve", "--public-url", "ftp://pay.example"], "--public-url must be"),
        (["admin", "merchant"], "Usage: elmomento admin merchant"),
        (["admin", "merchant", "create"], "missing <SLUG>"),
        (["admin", "merchant", "create", "Bad_Slug"], "SLUG must be"),
        (["admin", "merchant", "create", "shop", "--secret", "sk_live_0123456789abcdefghijklmnop"], "production"),
        (["admin", "merchant", "create", "shop", "--secret", "sk_test_short"], "--secret"),
        (["admin", "merchant", "create", "shop", "--rate-limit", "0"], "--rate-limit must be"),
        (["admin", "merchant", "create", "shop", "--currencies", "DOP,XYZ"], "not an ISO 4217"),
        (["admin", "merchant", "create", "shop", "--max-amount", "1e5"], "--max-amount must be"),
        (["admin", "merchant", "create", "shop", "--max-amount", "0.50"], "--max-amount must be at least 1"),
        (["admin", "merchant", "create", "shop", "--fee-bps", "10001"], "--fee-bps must be"),
        (["admin", "merchant", "show", "nobody"], "no merchant is named"),
        (["admin", "merchant", "rotate-secret", "nobody"], "no merchant is named"),
        (["admin", "merchant", "update", "x", "--require-signature-v2", "--allow-signature-v1"], "contradict"),
    ])
    func badArgumentsExitWithStatus2AndSayWhy(_ arguments: [String], _ expected: String) async throws {
        let result = try await runElmomento(arguments, environment: ["ELMOMENTO_DATABASE": database])
        #expect(result.status == 2)
        #expect(result.standardError.contains(expected), "stderr: \(result.standardError)")
    }

    @Test func theEnvironmentIsRecordedAndTheOtherOneRefused() async throws {
        let created = try await runElmomento([
            "admin", "info", "--json", "--database", database, "--environment", "production",
        ])
        #expect(created.status == 0)
        let info = try #require(JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any])
        #expect(info["environment"] as? String == "production")
        #expect((info["schema_version"] as? Int ?? 0) >= 2)

        let omitted = try await runElmomento(["admin", "info", "--database", database, "--json"])
        #expect(omitted.standardOutput.contains("\"environment\":\"production\""))

        let refused = try await runElmomento([
            "serve", "--port", "0", "--environment", "sandbox", "--database", database,
        ])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("belongs to the production environment"))
    }

    @Test func merchantsAreCreatedOnceAndShownWithoutTheirSecret() async throws {
        let created = try await runElmomento(["admin", "merchant", "create", "shop", "--json", "--database", database])
        #expect(created.status == 0)
        let secret = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any])?["secret"]
                as? String)
        #expect(secret.hasPrefix("sk_test_"))
        let again = try await runElmomento(["admin", "merchant", "create", "shop", "--database", database])
        #expect(again.status == 2)
        #expect(again.standardError.contains("exists already"))
        for command in [["list"], ["show", "shop"], ["update", "shop", "--rate-limit", "5"], ["disable", "shop"]] {
            let shown = try await runElmomento(["admin", "merchant"] + command + ["--json", "--database", database])
            #expect(shown.status == 0, "\(command)")
            #expect(shown.standardOutput.contains("\"slug\":\"shop\""), "\(command)")
            #expect(!shown.standardOutput.contains(secret), "\(command)")
        }
        let shown = try await runElmomento(["admin", "merchant", "show", "shop", "--json", "--database", database])
        #expect(shown.standardOutput.contains("\"rate_limit_per_hour\":5"))
        #expect(shown.standardOutput.contains("\"enabled\":false"))
    }

    @Test func aKeyFileThatIsNotTheDatabasesIsRefused() async throws {
        #expect(try await runElmomento(["admin", "merchant", "create", "shop", "--database", database]).status == 0)
        let otherKey = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("other.key")
            .path
        let missing = try await runElmomento([
            "admin", "merchant", "create", "second", "--database", database, "--key-file", otherKey,
        ])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("other.key is missing"))
        #expect(!FileManager.default.fileExists(atPath: otherKey), "a lost key is not replaced by a new one")

        let otherDatabase = GatewayProcess.temporaryDatabasePath()
        let other = ["admin", "merchant", "create", "shop", "--database", otherDatabase, "--key-file", otherKey]
        #expect(try await runElmomento(other).status == 0)
        let wrong = try await runElmomento([
            "admin", "merchant", "create", "second", "--database", database, "--key-file", otherKey,
        ])
        #expect(wrong.status == 2)
        #expect(wrong.standardError.contains("is not the one this database's merchant secrets are sealed with"))
    }

    @Test func theDatabaseCanComeFromTheEnvironmentVariable() async throws {
        let result = try await runElmomento(["admin", "info", "--json"], environment: ["ELMOMENTO_DATABASE": database])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains(database))
    }

    @Test func optionsMayComeInAnyOrder() async throws {
        let result = try await runElmomento([
            "admin", "info", "--json", "--database=\(database)", "--environment", "sandbox",
        ])
        #expect(result.status == 0)
    }
}
