/// One versioned schema change, applied once, in order, in its own transaction.
struct Migration {
    let version: Int
    let sql: String
}

/// The schema, as the sequence of changes that builds it.
///
/// Append only: a migration that has shipped is never edited, because databases in
/// the field have already applied it.
enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1,
            sql: """
                CREATE TABLE gateway_settings (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) STRICT;
                """
        )
    ]

    /// The newest version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Brings the database up to `latestVersion` and returns it.
    ///
    /// Safe when two processes start at once (`serve` beside `admin`): each migration
    /// re-reads the version inside its write transaction before applying anything.
    static func run(on connection: SQLiteConnection) throws -> Int {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
            ) STRICT
            """
        )
        for migration in all {
            try connection.writeTransaction {
                guard try appliedVersion(on: connection) < migration.version else { return }
                try connection.execute(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (?)", [.integer(Int64(migration.version))])
            }
        }
        let version = try appliedVersion(on: connection)
        guard version <= latestVersion else { throw StoreError.schemaTooNew(found: version, known: latestVersion) }
        return version
    }

    static func appliedVersion(on connection: SQLiteConnection) throws -> Int {
        let rows = try connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return Int(rows.first?.first?.integer ?? 0)
    }
}
