import ElMomentoCore
import ElMomentoStore
import Foundation

/// The options every command that opens the database shares (SPEC 8).
enum StoreOptions {
    static let specs = [
        OptionSpec(
            name: "database", valueName: "PATH",
            help: "SQLite file (env ELMOMENTO_DATABASE; default ./data/elmomento.sqlite)."
        ),
        OptionSpec(
            name: "environment", valueName: "NAME",
            help: "sandbox or production; recorded in a new database, checked against an existing one."
        ),
    ]

    /// Opens and migrates the database the options name.
    static func open(_ arguments: ParsedArguments) throws -> SQLiteStore {
        let path =
            arguments.string("database")
            ?? ProcessInfo.processInfo.environment["ELMOMENTO_DATABASE"]
            ?? "./data/elmomento.sqlite"
        guard !path.isEmpty else { throw UsageError(message: "--database must name a file") }
        guard !path.hasPrefix("postgres://") && !path.hasPrefix("postgresql://") else {
            throw UsageError(message: "PostgreSQL is not supported by this build yet; give an SQLite file path")
        }
        let environment = try arguments.choice("environment", of: GatewayEnvironment.self)
        do {
            return try SQLiteStore(path: path, requested: environment)
        } catch let error as StoreError {
            // Asking for the other environment is the operator's mistake (exit 2); a
            // schema from a newer build is not (exit 1).
            guard case .environmentMismatch = error else { throw error }
            throw UsageError(message: error.description, suggestsHelp: false)
        }
    }
}
