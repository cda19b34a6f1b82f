import Dispatch
import ElMomentoCore
import Foundation
import Synchronization

/// The embedded default store: one SQLite file in WAL mode.
///
/// Writes go through one `SQLiteWriter` thread; reads run on a few connections of
/// their own, each on its serial queue, which WAL lets read beside the writer. None
/// of it runs on Swift's cooperative thread pool (two threads on this machine), where
/// a blocking commit would stall every other task.
public final class SQLiteStore: GatewayStore, Sendable {
    let writer: SQLiteWriter
    let readers: SQLiteReaders

    /// The environment the database records (SPEC 7).
    public let environment: GatewayEnvironment
    /// The schema version after migrating.
    public let schemaVersion: Int
    /// The database file's path.
    public let path: String

    /// How long a statement waits for another process's write lock before failing.
    public static let busyTimeoutMilliseconds: Int32 = 5000
    /// Connections that read beside the writer.
    public static let readerCount = 2

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
        readers = try SQLiteReaders(path: path, count: Self.readerCount)
        writer = SQLiteWriter(connection: connection)
        self.path = path
    }

    /// Finishes the writes already queued and stops the writer's thread.
    public func stop() {
        writer.stop()
    }

    /// Reads the schema table, so the answer shows the file itself can be read.
    public func ping() async throws {
        _ = try await readers.read { connection in
            try connection.query("SELECT count(*) FROM schema_migrations")
        }
    }

    public func setting(_ name: String) async throws -> String? {
        try await readers.read { connection in
            try connection.query("SELECT value FROM gateway_settings WHERE name = ?", [.text(name)]).first?.first?.text
        }
    }

    public func recordSetting(_ name: String, value: String) async throws -> String {
        try await writer.write { connection in
            try connection.query(
                "INSERT INTO gateway_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(name), .text(value)])
            return try connection.query("SELECT value FROM gateway_settings WHERE name = ?", [.text(name)])[0][0]
                .text ?? value
        }
    }

    /// The value of one of the writer connection's settings, for tests of durability.
    func writerPragma(_ name: String) async throws -> String? {
        try await writer.write { connection in
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

/// Read-only connections, each used on its own serial queue, taken in turn.
final class SQLiteReaders: Sendable {
    /// A connection and the queue it is used on.
    ///
    /// `@unchecked Sendable` because `connection` is touched only on `queue`, which is serial.
    private final class Lane: @unchecked Sendable {
        let connection: SQLiteConnection
        let queue: DispatchQueue

        init(connection: SQLiteConnection, queue: DispatchQueue) {
            self.connection = connection
            self.queue = queue
        }
    }

    private let lanes: [Lane]
    private let turn = Atomic<UInt>(0)

    init(path: String, count: Int) throws {
        lanes = try (0..<count).map { index in
            let connection = try SQLiteConnection(path: path)
            try connection.execute(
                "PRAGMA busy_timeout = \(SQLiteStore.busyTimeoutMilliseconds); PRAGMA query_only = 1;")
            return Lane(connection: connection, queue: DispatchQueue(label: "elmomento.sqlite-reader-\(index)"))
        }
    }

    /// Runs `work` on the next connection's queue and hands back its result.
    func read<Value: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        let lane = lanes[Int(turn.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(lanes.count))]
        return try await withCheckedThrowingContinuation { continuation in
            lane.queue.async {
                continuation.resume(with: Result { try work(lane.connection) })
            }
        }
    }
}
