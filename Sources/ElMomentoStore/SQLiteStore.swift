import Dispatch
import ElMomentoCore
import Foundation

/// The embedded default store: one SQLite file in WAL mode.
///
/// Every statement runs on the store's own serial queue, never on Swift's cooperative
/// thread pool (two threads on this machine), where a blocking commit would stall
/// every other task.
public final class SQLiteStore: GatewayStore, @unchecked Sendable {
    // Sendable because `connection` is only touched on `queue`, which is serial.
    private let connection: SQLiteConnection
    private let queue: DispatchQueue

    /// The environment the database records (SPEC 7).
    public let environment: GatewayEnvironment
    /// The schema version after migrating.
    public let schemaVersion: Int
    /// The database file's path.
    public let path: String

    /// How long a statement waits for another process's write lock before failing.
    public static let busyTimeoutMilliseconds: Int32 = 5000

    /// Opens the database at `path`, creating it and its folder if needed, migrates it,
    /// and checks its environment: `requested` is recorded in a new database, and must
    /// match the recorded one otherwise (`nil` accepts whatever is recorded).
    public init(path: String, requested: GatewayEnvironment?) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let connection = try SQLiteConnection(path: path)
        try connection.execute(
            """
            PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds);
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            """
        )
        schemaVersion = try Migrations.run(on: connection)
        environment = try Self.recordEnvironment(requested, on: connection)
        self.connection = connection
        self.path = path
        queue = DispatchQueue(label: "elmomento.sqlite")
    }

    /// Reads the schema table, so the answer shows the file itself can be read.
    public func ping() async throws {
        _ = try await perform { connection in
            try connection.query("SELECT count(*) FROM schema_migrations")
        }
    }

    /// Runs `work` with the connection on the store's queue and hands back its result.
    func perform<Value: Sendable>(
        _ work: @escaping @Sendable (SQLiteConnection) throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work(self.connection) })
            }
        }
    }

    /// The value of a connection-level setting, for tests of durability settings.
    func pragma(_ name: String) async throws -> String? {
        try await perform { connection in
            try connection.query("PRAGMA \(name)").first?.first.flatMap { value in
                value.text ?? value.integer.map(String.init)
            }
        }
    }

    private static func recordEnvironment(
        _ requested: GatewayEnvironment?,
        on connection: SQLiteConnection
    ) throws -> GatewayEnvironment {
        try connection.writeTransaction {
            let rows = try connection.query("SELECT value FROM gateway_settings WHERE name = 'environment'")
            guard let recordedName = rows.first?.first?.text else {
                let environment = requested ?? .sandbox
                try connection.query(
                    "INSERT INTO gateway_settings (name, value) VALUES ('environment', ?)",
                    [.text(environment.rawValue)]
                )
                return environment
            }
            guard let recorded = GatewayEnvironment(rawValue: recordedName) else {
                throw StoreError.unknownEnvironment(recordedName)
            }
            if let requested, requested != recorded {
                throw StoreError.environmentMismatch(recorded: recorded, requested: requested)
            }
            return recorded
        }
    }
}
