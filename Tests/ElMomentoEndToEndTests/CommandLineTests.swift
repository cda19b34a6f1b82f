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
