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
    ///
    /// Written digit by digit: every request logs one, and Foundation's
    /// `String(format:)` cost a measurable share of a `/healthz` request.
    static func timestamp(millisecondsSince1970: UInt64) -> String {
        var seconds = time_t(millisecondsSince1970 / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = ""
        text.reserveCapacity(24)
        for (value, width, separator) in [
            (Int(parts.tm_year) + 1900, 4, "-"), (Int(parts.tm_mon) + 1, 2, "-"), (Int(parts.tm_mday), 2, "T"),
            (Int(parts.tm_hour), 2, ":"), (Int(parts.tm_min), 2, ":"), (Int(parts.tm_sec), 2, "."),
            (Int(millisecondsSince1970 % 1000), 3, "Z"),
        ] {
            text += zeroPadded(value, width: width) + separator
        }
        return text
    }

    /// `milliseconds` given in nanoseconds, as a decimal with three places (`1.250`).
    static func milliseconds(fromNanoseconds nanoseconds: UInt64) -> String {
        let microseconds = nanoseconds / 1000
        return String(microseconds / 1000) + "." + zeroPadded(Int(microseconds % 1000), width: 3)
    }

    private static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
