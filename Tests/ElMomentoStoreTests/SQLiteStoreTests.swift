import ElMomentoCore
import Foundation
import Testing

@testable import ElMomentoStore

@Suite struct SQLiteStoreTests {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("elmomento-store-\(UUID().uuidString)/nested/gateway.sqlite").path

    @Test func aNewDatabaseIsSandboxUnlessToldOtherwise() throws {
        let store = try SQLiteStore(path: path, requested: nil)
        #expect(store.environment == .sandbox)
        #expect(store.schemaVersion == Migrations.latestVersion)
    }

    @Test func theEnvironmentIsRecordedAtCreationAndKeptAfter() throws {
        _ = try SQLiteStore(path: path, requested: .production)
        #expect(try SQLiteStore(path: path, requested: nil).environment == .production)
        #expect(try SQLiteStore(path: path, requested: .production).environment == .production)
    }

    @Test func aDatabaseOfTheOtherEnvironmentIsRefused() throws {
        _ = try SQLiteStore(path: path, requested: .sandbox)
        #expect(throws: StoreError.environmentMismatch(recorded: .sandbox, requested: .production)) {
            try SQLiteStore(path: path, requested: .production)
        }
    }

    @Test func migrationsRunOnceAndReopeningChangesNothing() throws {
        _ = try SQLiteStore(path: path, requested: nil)
        let again = try SQLiteStore(path: path, requested: nil)
        #expect(again.schemaVersion == Migrations.latestVersion)
        let connection = try SQLiteConnection(path: path)
        // The store just released may still be checkpointing as its connections close.
        try connection.execute("PRAGMA busy_timeout = 5000")
        let rows = try connection.query("SELECT count(*) FROM schema_migrations")
        #expect(rows.first?.first?.integer == Int64(Migrations.all.count))
    }

    @Test func depositsWaitingBeforeTheLifecycleMigrationGetWhatNewOnesHave() async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let old = try SQLiteConnection(path: path)
        try old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT) STRICT")
        for migration in Migrations.all where migration.version <= 3 {
            try old.execute(migration.sql)
            try old.query("INSERT INTO schema_migrations (version) VALUES (?)", [.integer(Int64(migration.version))])
        }
        try old.execute(
            """
            INSERT INTO gateway_settings VALUES ('environment', 'sandbox');
            INSERT INTO merchants VALUES (1, 'shop', 1, 1000, 'DOP', '1000', 0, '0', 0, '0', 0, 0, 0);
            INSERT INTO orders (id, merchant_id, kind, order_id, status, amount, currency, fee, fingerprint,
                created_at, updated_at)
            VALUES ('dep_old', 1, 'deposit', 'o-1', 'pending', 500, 'DOP', 700, 'f', 1000, 1000);
            """)
        let store = try SQLiteStore(path: path, requested: nil)
        let migrated = try #require(try await store.orderHistory(id: "dep_old")?.order.order)
        #expect(migrated.paymentToken?.count == 48 && migrated.feeMinorUnits == 500, "a token, and a fee capped")
        #expect(try await store.pendingDepositIDs(dueBy: .expiringBy(milliseconds: 1_800_999), limit: 5).isEmpty)
        #expect(try await store.pendingDepositIDs(dueBy: .expiringBy(milliseconds: 1_801_000), limit: 5) == ["dep_old"])
    }

    @Test func aSchemaNewerThanThisBuildIsRefused() throws {
        _ = try SQLiteStore(path: path, requested: nil)
        let connection = try SQLiteConnection(path: path)
        // The store just released may still be checkpointing as its connections close.
        try connection.execute("PRAGMA busy_timeout = 5000")
        try connection.query(
            "INSERT INTO schema_migrations (version) VALUES (?)", [.integer(Int64(Migrations.latestVersion + 1))])
        #expect(throws: StoreError.schemaTooNew(found: Migrations.latestVersion + 1, known: Migrations.latestVersion)) {
            try SQLiteStore(path: path, requested: nil)
        }
    }

    /// A `kill -9` test cannot tell FULL from NORMAL (the OS keeps the pages), so the
    /// durability settings are asserted directly.
    @Test func commitsAreDurable() async throws {
        let store = try SQLiteStore(path: path, requested: nil)
        #expect(try await store.writerPragma("journal_mode") == "wal")
        #expect(try await store.writerPragma("synchronous") == "2")
        #expect(try await store.writerPragma("busy_timeout") == String(SQLiteStore.busyTimeoutMilliseconds))
    }

    @Test func pingAnswersWhileTheDatabaseIsThere() async throws {
        let store = try SQLiteStore(path: path, requested: nil)
        try await store.ping()
    }

    @Test func aFailedTransactionLeavesNothingBehind() throws {
        _ = try SQLiteStore(path: path, requested: nil)
        let connection = try SQLiteConnection(path: path)
        // The store just released may still be checkpointing as its connections close.
        try connection.execute("PRAGMA busy_timeout = 5000")
        try connection.execute("CREATE TABLE items (name TEXT NOT NULL)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.writeTransaction {
                try connection.query("INSERT INTO items (name) VALUES ('x')")
                throw Abort()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM items").first?.first?.integer == 0)
    }

    /// Writes that arrive together share a commit; one that throws is undone alone, and
    /// every caller hears its own outcome.
    @Test func aWriteThatThrowsInASharedCommitUndoesOnlyItself() async throws {
        let store = try SQLiteStore(path: path, requested: nil)
        struct Refused: Error {}
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<300 {
                group.addTask {
                    let written = try? await store.writer.write { connection in
                        try connection.query(
                            "INSERT INTO gateway_settings (name, value) VALUES (?, 'x')", [.text("s\(index)")])
                        if index % 3 == 0 { throw Refused() }
                        return index
                    }
                    return (index, written == index)
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let stored = try await store.writer.write { connection in
            try connection.query("SELECT name FROM gateway_settings WHERE name LIKE 's%'").compactMap { $0[0].text }
        }
        let expected = (0..<300).filter { $0 % 3 != 0 }
        #expect(Set(stored) == Set(expected.map { "s\($0)" }))
        #expect(outcomes.filter(\.value).keys.sorted() == expected)
    }

    /// A write that ends the shared transaction itself (as SQLite does after a full disk)
    /// fails its whole batch: whatever was acknowledged is exactly what is stored.
    @Test func aBatchWhoseTransactionEndsFailsEveryWriteInIt() async throws {
        let store = try SQLiteStore(path: path, requested: nil)
        struct Ended: Error {}
        let acknowledged = await withTaskGroup(of: String?.self) { group in
            for index in 0..<300 {
                group.addTask {
                    try? await store.writer.write { connection in
                        try connection.query(
                            "INSERT INTO gateway_settings (name, value) VALUES (?, 'x')", [.text("s\(index)")])
                        if index == 150 {
                            try connection.execute("ROLLBACK")
                            throw Ended()
                        }
                        return "s\(index)"
                    }
                }
            }
            return await group.reduce(into: Set<String>()) { if let name = $1 { $0.insert(name) } }
        }
        let stored = try await store.writer.write { connection in
            try connection.query("SELECT name FROM gateway_settings WHERE name LIKE 's%'").compactMap { $0[0].text }
        }
        #expect(Set(stored) == acknowledged)
        #expect(!acknowledged.contains("s150"))
    }

    @Test func aReusedStatementTakesNewParametersAndSurvivesErrors() throws {
        _ = try SQLiteStore(path: path, requested: nil)
        let connection = try SQLiteConnection(path: path)
        // The store just released may still be checkpointing as its connections close.
        try connection.execute("PRAGMA busy_timeout = 5000")
        try connection.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
        let insert = "INSERT INTO items (name) VALUES (?)"
        try connection.query(insert, [.text("a")])
        try connection.query(insert, [.text("b")])
        #expect(throws: SQLiteError.self) { try connection.query(insert, [.text("a")]) }
        try connection.query(insert, [.text("c")])
        let select = "SELECT name FROM items WHERE name >= ? ORDER BY name"
        #expect(try connection.query(select, [.text("b")]) == [[.text("b")], [.text("c")]])
        #expect(try connection.query(select, [.text("c")]) == [[.text("c")]])
    }
}
