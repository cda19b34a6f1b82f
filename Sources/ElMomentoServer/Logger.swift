import ElMomentoCore
import Foundation
import Glibc

/// Structured logs: one JSON object a line.
///
/// Lines are written whole with one `write(2)` each, so lines from many threads never
/// interleave (a pipe keeps writes of up to 4 KiB together). Nothing secret is ever
/// passed here: callers log request ids, routes and outcomes, never keys or signatures.
public struct Logger: Sendable {
    private let sink: @Sendable (String) -> Void
    private let clock: any GatewayClock

    /// A logger that writes to standard output.
    public static func standardOutput(clock: some GatewayClock = SystemClock()) -> Logger {
        Logger(clock: clock) { line in
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            bytes.withUnsafeBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
    }

    /// A logger that hands each line to `sink` (tests collect them).
    public init(clock: some GatewayClock = SystemClock(), sink: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        self.sink = sink
    }

    /// Logs `message` at `level` with `fields` after the time, level and message.
    public func log(_ level: String, _ message: String, _ fields: [(String, JSONValue)] = []) {
        let time = Self.timestamp(millisecondsSince1970: clock.millisecondsSince1970())
        let line: JSONValue = .object(
            [("time", .string(time)), ("level", .string(level)), ("message", .string(message))] + fields)
        sink(String(decoding: line.encoded(), as: UTF8.self))
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(millisecondsSince1970: UInt64) -> String {
        var seconds = time_t(millisecondsSince1970 / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millisecondsSince1970 % 1000)
        )
    }
}
