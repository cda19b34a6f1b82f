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
        ),
        Migration(
            version: 2,
            sql: """
                CREATE TABLE merchants (
                    id INTEGER PRIMARY KEY,
                    slug TEXT NOT NULL UNIQUE,
                    enabled INTEGER NOT NULL,
                    rate_limit_per_hour INTEGER NOT NULL,
                    currencies TEXT NOT NULL,
                    max_amount TEXT NOT NULL,
                    deposit_fee_bps INTEGER NOT NULL,
                    deposit_fee_fixed TEXT NOT NULL,
                    withdrawal_fee_bps INTEGER NOT NULL,
                    withdrawal_fee_fixed TEXT NOT NULL,
                    require_signature_v2 INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                -- A merchant's secrets, sealed with the key file's key. The current one has no
                -- expiry; a rotated-out one keeps working until its expiry (SPEC 3.1).
                CREATE TABLE merchant_secrets (
                    id INTEGER PRIMARY KEY,
                    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
                    sealed BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER
                ) STRICT;
                CREATE INDEX merchant_secrets_by_merchant ON merchant_secrets (merchant_id);
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
                    kind TEXT NOT NULL,
                    order_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    amount INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    fee INTEGER NOT NULL,
                    callback_url TEXT,
                    payer_details TEXT,
                    fingerprint TEXT NOT NULL,
                    failure_reason TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (merchant_id, kind, order_id)
                ) STRICT;
                -- Keyset pages, newest first, cost the same at any depth; the second index
                -- serves a status filter, however rare the status.
                CREATE INDEX orders_newest ON orders (merchant_id, kind, created_at DESC, id DESC);
                CREATE INDEX orders_newest_by_status ON orders (merchant_id, kind, status, created_at DESC, id DESC);
                """
        ),
        Migration(
            version: 3,
            sql: """
                -- The double-entry ledger (SPEC 5). An account's balance is kept beside its
                -- postings so that a check on it is one row; `admin ledger verify` recomputes it.
                -- A NULL merchant is the gateway's own account (funding, fees). Merchant accounts
                -- never go below zero: the check is the database's, whatever the code does.
                CREATE TABLE ledger_accounts (
                    id INTEGER PRIMARY KEY,
                    merchant_id INTEGER REFERENCES merchants (id),
                    name TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    balance INTEGER NOT NULL,
                    CHECK (merchant_id IS NULL OR balance >= 0)
                ) STRICT;
                CREATE UNIQUE INDEX ledger_accounts_identity ON ledger_accounts (coalesce(merchant_id, 0), name, currency);
                -- What moved money and why: an order, or an operator with a reason and, when
                -- given, a reference (the bank transfer's) that makes a retried command record
                -- nothing twice.
                CREATE TABLE ledger_movements (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
                    order_id TEXT REFERENCES orders (id),
                    reason TEXT,
                    reference TEXT,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX ledger_movements_by_order ON ledger_movements (order_id) WHERE order_id IS NOT NULL;
                CREATE UNIQUE INDEX ledger_movements_by_reference ON ledger_movements (merchant_id, reference)
                    WHERE reference IS NOT NULL;
                -- Signed amounts in minor units; a movement's postings sum to zero.
                CREATE TABLE ledger_postings (
                    id INTEGER PRIMARY KEY,
                    movement_id INTEGER NOT NULL REFERENCES ledger_movements (id),
                    account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
                    amount INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX ledger_postings_by_account ON ledger_postings (account_id);
                CREATE INDEX ledger_postings_by_movement ON ledger_postings (movement_id);
                """
        ),
        Migration(
            version: 4,
            sql: """
                -- The order lifecycle (SPEC 4, 6). A deposit's payment page is reached by an
                -- unguessable token, never the order id; its address is kept as it was given.
                ALTER TABLE merchants ADD COLUMN deposit_ttl_minutes INTEGER NOT NULL DEFAULT 30;
                ALTER TABLE orders ADD COLUMN payment_token TEXT;
                ALTER TABLE orders ADD COLUMN payment_url TEXT;
                ALTER TABLE orders ADD COLUMN expires_at INTEGER;
                -- Deposits already waiting get what new ones have: the default time to live, so that
                -- they expire too; a payment page token; and a fee of at most their amount, since a
                -- completed deposit's fee is taken out of what it brings.
                UPDATE orders SET expires_at = created_at + 30 * 60000, payment_token = lower(hex(randomblob(24))),
                    fee = min(fee, amount)
                WHERE kind = 'deposit' AND status = 'pending';
                CREATE UNIQUE INDEX orders_by_payment_token ON orders (payment_token) WHERE payment_token IS NOT NULL;
                CREATE INDEX orders_expiring ON orders (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
                -- Every status change: the audit trail, and what merchants receive. Its id is the
                -- commit order, the events list's order; `payload` is the callback body, byte for byte.
                CREATE TABLE order_events (
                    id INTEGER PRIMARY KEY,
                    webhook_id TEXT NOT NULL UNIQUE,
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
                    sequence INTEGER NOT NULL,
                    from_status TEXT NOT NULL,
                    to_status TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    payload TEXT NOT NULL,
                    UNIQUE (order_id, sequence)
                ) STRICT;
                CREATE INDEX order_events_by_merchant ON order_events (merchant_id, id);
                -- The callback outbox: one row per event of an order with a callback_url, written
                -- in the change's transaction. A claimed row's next_attempt_at is pushed past the
                -- attempt's timeout, so a crash mid-attempt sends it again after that (at least once);
                -- its claim token makes sure only the latest claim's attempt decides what follows.
                CREATE TABLE callback_deliveries (
                    event_id INTEGER PRIMARY KEY REFERENCES order_events (id),
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
                    url TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    claim_token INTEGER,
                    next_attempt_at INTEGER NOT NULL,
                    first_attempt_at INTEGER,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                -- Due callbacks are taken merchant by merchant, so that one merchant's slow receiver
                -- cannot hold every attempt in flight while others' callbacks wait.
                CREATE INDEX callback_deliveries_due ON callback_deliveries (merchant_id, next_attempt_at)
                    WHERE state = 'pending';
                CREATE INDEX callback_deliveries_open_by_order ON callback_deliveries (order_id, event_id)
                    WHERE state = 'pending';
                CREATE INDEX callback_deliveries_failed ON callback_deliveries (event_id) WHERE state = 'failed';
                CREATE TABLE callback_attempts (
                    id INTEGER PRIMARY KEY,
                    event_id INTEGER NOT NULL REFERENCES callback_deliveries (event_id),
                    attempted_at INTEGER NOT NULL,
                    status_code INTEGER,
                    latency_ms INTEGER NOT NULL,
                    error TEXT
                ) STRICT;
                CREATE INDEX callback_attempts_by_event ON callback_attempts (event_id);
                """
        ),
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
