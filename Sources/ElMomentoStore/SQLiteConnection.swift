import CSQLite

/// A failure reported by SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible {
    /// SQLite's extended result code.
    public let code: Int32
    /// SQLite's own description of what failed.
    public let message: String

    public var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection, owned by whoever created it and used by one thread at a time.
///
/// Not `Sendable`: each connection lives on the thread (or serial queue) that owns it,
/// which is how SQLite is used safely without its own locks.
public final class SQLiteConnection {
    private let handle: OpaquePointer
    /// Statements prepared once and reused: the queries on the request path are few
    /// and fixed, and preparing one costs more than running it.
    private var preparedStatements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard let opened else { throw SQLiteError(code: result, message: "cannot allocate a connection") }
        guard result == SQLITE_OK else {
            let error = SQLiteError(code: result, message: String(cString: sqlite3_errmsg(opened)))
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        preparedStatements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters and return no rows.
    public func execute(_ sql: String) throws {
        try SQLiteError.check(sqlite3_exec(handle, sql, nil, nil, nil), database: handle)
    }

    /// Runs `sql` with `parameters` bound in order, and returns every row.
    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try preparedStatement(sql)
        // Reset even after an error, so that no statement holds a read lock between uses.
        defer { statement.reset() }
        try statement.bind(parameters)
        var rows: [[SQLiteValue]] = []
        while let row = try statement.step() {
            rows.append(row)
        }
        return rows
    }

    private func preparedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = preparedStatements[sql] { return statement }
        let statement = try SQLiteStatement(sql: sql, database: handle)
        preparedStatements[sql] = statement
        return statement
    }

    /// Whether a transaction is open: SQLite ends one by itself after some errors.
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    ///
    /// `IMMEDIATE` takes the write lock at the start: a deferred transaction that later
    /// writes gets `SQLITE_BUSY` at once, whatever the busy timeout.
    public func writeTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

}

extension SQLiteError {
    /// Turns a result code into a thrown `SQLiteError` unless it reports success.
    static func check(_ result: Int32, database: OpaquePointer) throws {
        guard result == SQLITE_OK || result == SQLITE_ROW || result == SQLITE_DONE else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(database)))
        }
    }
}

/// A value SQLite stores.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    /// The text, when this is text.
    public var text: String? {
        if case .text(let value) = self { value } else { nil }
    }

    /// The integer, when this is an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }
}

/// A prepared statement, finalized when released; owned by its connection's cache.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let database: OpaquePointer

    init(sql: String, database: OpaquePointer) throws {
        var prepared: OpaquePointer?
        try SQLiteError.check(sqlite3_prepare_v2(database, sql, -1, &prepared, nil), database: database)
        guard let prepared else { throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement: \(sql)") }
        handle = prepared
        self.database = database
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Makes the statement ready to run again, with no parameters bound.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ parameters: [SQLiteValue]) throws {
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .null: result = sqlite3_bind_null(handle, index)
            case .integer(let number): result = sqlite3_bind_int64(handle, index, number)
            case .text(let text): result = sqlite3_bind_text(handle, index, text, -1, elm_sqlite_transient())
            case .blob(let bytes):
                result = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), elm_sqlite_transient())
                }
            }
            try SQLiteError.check(result, database: database)
        }
    }

    /// The next row, or `nil` when there are no more.
    func step() throws -> [SQLiteValue]? {
        let result = sqlite3_step(handle)
        try SQLiteError.check(result, database: database)
        guard result == SQLITE_ROW else { return nil }
        return (0..<sqlite3_column_count(handle)).map(column)
    }

    private func column(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }
}
