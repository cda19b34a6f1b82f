import Foundation

/// A query string built from name–value pairs, every value percent-encoded the same way each
/// time, so that the path and query a version 2 signature covers are exactly those sent.
struct QueryString: Sendable {
    private var pairs: [(String, String)] = []

    /// The pairs with `name=value` added, when there is a value.
    func adding(_ name: String, _ value: String?) -> QueryString {
        guard let value else { return self }
        var copy = self
        copy.pairs.append((name, value))
        return copy
    }

    /// `?name=value&…`, or empty when there are no pairs.
    var text: String {
        pairs.isEmpty ? "" : "?" + pairs.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    /// `text` with everything but RFC 3986's unreserved characters percent-encoded: safe in a
    /// path segment and a query value alike (a `+` or `:` in a time stays what it was).
    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// `date` as RFC 3339 in UTC, to the second (`2026-12-04T19:40:33Z`), as the gateway writes times.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
