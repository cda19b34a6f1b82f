import ElMomentoCore
import Synchronization

/// Rate-limit counts in this process's memory: exact for one instance, and lost on restart.
///
/// Memory stays bounded: each key holds at most its window's seconds of buckets
/// (`RateLimitWindow`), and keys with nothing left in their window are dropped, so the
/// table holds only the merchants and addresses seen lately.
public final class InMemoryRateLimitCounter: RateLimitCounter {
    private struct Table {
        var windows: [String: RateLimitWindow] = [:]
        var sweptAtSecond: Int64 = 0
    }

    /// How often keys whose window emptied are looked for; an empty window costs little
    /// until then, while looking costs a pass over every key.
    static let sweepIntervalSeconds: Int64 = 10

    private let table = Mutex(Table())

    /// An empty counter.
    public init() {}

    public func take(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) -> RateLimitDecision {
        table.withLock { table in
            Self.sweep(&table, atMilliseconds: atMilliseconds)
            precondition(
                (table.windows[key]?.windowSeconds ?? windowSeconds) == windowSeconds,
                "one rate-limit key with two windows: \(key)")
            // Changed in place: a copy would copy the window's buckets on every request.
            return table.windows[key, default: RateLimitWindow(windowSeconds: windowSeconds)]
                .take(limit: limit, atMilliseconds: atMilliseconds)
        }
    }

    public func peek(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) -> RateLimitDecision {
        table.withLock { table in
            if let decision = table.windows[key]?.peek(limit: limit, atMilliseconds: atMilliseconds) {
                return decision
            }
            var empty = RateLimitWindow(windowSeconds: windowSeconds)
            return empty.peek(limit: limit, atMilliseconds: atMilliseconds)
        }
    }

    /// Keys held, empty windows not yet swept included (for tests of the memory bound).
    var keyCount: Int { table.withLock { $0.windows.count } }

    private static func sweep(_ table: inout Table, atMilliseconds: Int64) {
        let second = atMilliseconds / 1000
        // A clock that stepped back sweeps at once rather than when it catches up.
        guard second < table.sweptAtSecond || second - table.sweptAtSecond >= sweepIntervalSeconds else { return }
        table.sweptAtSecond = second
        table.windows = table.windows.filter { !$0.value.isEmpty(atMilliseconds: atMilliseconds) }
    }
}
