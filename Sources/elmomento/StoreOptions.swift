import Dispatch
import ElMomentoCore
import ElMomentoServer
import ElMomentoStore
import Foundation
import Synchronization

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

    /// `--json`, which every admin command takes (SPEC 8).
    static let jsonSpec = OptionSpec(name: "json", valueName: nil, help: "Print JSON.")

    /// The option naming the key that seals merchant secrets, for commands that need it.
    static let keyFileSpec = OptionSpec(
        name: "key-file", valueName: "PATH",
        help: "Key sealing merchant secrets, created 0600 if missing (env ELMOMENTO_KEY_FILE; "
            + "default elmomento.key beside the database)."
    )

    /// The vault over the key file the options name, created on first use.
    static func vault(_ arguments: ParsedArguments, store: SQLiteStore) throws -> SecretVault {
        let path =
            arguments.string("key-file")
            ?? ProcessInfo.processInfo.environment["ELMOMENTO_KEY_FILE"]
            ?? URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent("elmomento.key").path
        guard !path.isEmpty else { throw UsageError(message: "--key-file must name a file") }
        do {
            return try waitFor { try await SecretVault.open(keyFilePath: path, for: store) }
        } catch let error as KeyFileMismatch {
            throw UsageError(message: error.description, suggestsHelp: false)
        } catch let error as SecretVaultError {
            throw UsageError(message: error.description, suggestsHelp: false)
        }
    }
}

/// Runs `work` to its end from synchronous code (the commands run on the main thread,
/// outside Swift's thread pool, so waiting here blocks no task).
func waitFor<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
    let outcome = Outcome<Value>()
    Task {
        do {
            outcome.finish(.success(try await work()))
        } catch {
            outcome.finish(.failure(error))
        }
    }
    return try outcome.wait().get()
}

/// The result of work another thread does, waited for.
private final class Outcome<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ result: Result<Value, any Error>) {
        self.result.withLock { $0 = result }
        done.signal()
    }

    func wait() -> Result<Value, any Error> {
        done.wait()
        return result.withLock { $0! }
    }
}
