import Foundation

/// The filters and page of an order list request (SPEC 3.4), read from the query string.
public struct OrderListQuery: Sendable, Equatable {
    /// Page size when `limit` is not given.
    public static let limitDefault = 20
    /// The largest page a merchant may ask for.
    public static let limitMax = 100

    /// Only orders in this status.
    public var status: OrderStatus?
    /// Only the order with this merchant id.
    public var orderID: String?
    /// Only orders created at or after this time (inclusive).
    public var createdAfterMilliseconds: Int64?
    /// Only orders created at or before this time (inclusive).
    public var createdBeforeMilliseconds: Int64?

    /// The first `created_at` in the list, in milliseconds: `created_at` is shown in whole
    /// seconds, so an order shown at the bound is in (SPEC 3.4: both bounds inclusive).
    public var createdAtFromMilliseconds: Int64? {
        createdAfterMilliseconds.map { (RFC3339.floorDivide($0 + 999, by: 1000).quotient) * 1000 }
    }

    /// The first `created_at` past the list, in milliseconds: the end of the second shown
    /// as `created_before`.
    public var createdAtUntilMilliseconds: Int64? {
        createdBeforeMilliseconds.map { (RFC3339.floorDivide($0, by: 1000).quotient + 1) * 1000 }
    }
    /// Orders per page, 1–100.
    public var limit: Int
    /// Where the page starts; `nil` for the newest orders.
    public var cursor: OrderListCursor?

    /// A query; the defaults list the newest 20 orders of any status.
    public init(
        status: OrderStatus? = nil,
        orderID: String? = nil,
        createdAfterMilliseconds: Int64? = nil,
        createdBeforeMilliseconds: Int64? = nil,
        limit: Int = OrderListQuery.limitDefault,
        cursor: OrderListCursor? = nil
    ) {
        self.status = status
        self.orderID = orderID
        self.createdAfterMilliseconds = createdAfterMilliseconds
        self.createdBeforeMilliseconds = createdBeforeMilliseconds
        self.limit = limit
        self.cursor = cursor
    }

    private enum Parameter: String, CaseIterable {
        case status, orderID, created_after, created_before, limit, cursor
    }

    /// Reads the raw query string (after `?`, possibly empty) as a form would encode it: `%XX` and
    /// `+` for a space. Unknown parameters are ignored; a known one given twice, empty, or invalid is
    /// `validationFailed` with `field` naming it.
    public static func parse(query: String) throws(OrderRequestFault) -> OrderListQuery {
        var result = OrderListQuery()
        for (name, value) in try parameters(in: query, named: Set(Parameter.allCases.map(\.rawValue))) {
            guard let parameter = Parameter(rawValue: name) else { continue }
            try result.apply(parameter, value)
        }
        return result
    }

    /// A page's `limit`: a whole number from 1 to `limitMax`.
    static func pageLimit(_ value: String) throws(OrderRequestFault) -> Int {
        guard value.utf8.allSatisfy(\.isASCIIDigit), let limit = Int(value), (1...limitMax).contains(limit) else {
            throw .invalid("limit", "limit must be a whole number from 1 to \(limitMax).")
        }
        return limit
    }

    /// The parameters of `query` among `names`, decoded, in order; others are ignored. One
    /// given twice, not percent-encoded UTF-8, or empty is `validation_failed` naming it.
    static func parameters(in query: String, named names: Set<String>) throws(OrderRequestFault) -> [(String, String)] {
        var parameters: [(String, String)] = []
        for pair in query.split(separator: "&") {
            let rawName = pair.prefix { $0 != "=" }
            guard let name = percentDecoded(rawName), names.contains(name) else { continue }
            guard !parameters.contains(where: { $0.0 == name }) else {
                throw .invalid(name, "\(name) must be given at most once.")
            }
            guard let value = percentDecoded(pair.dropFirst(rawName.count + 1)) else {
                throw .invalid(name, "\(name) must be percent-encoded UTF-8.")
            }
            guard !value.isEmpty else { throw .invalid(name, "\(name) must not be empty.") }
            parameters.append((name, value))
        }
        return parameters
    }

    private mutating func apply(_ parameter: Parameter, _ value: String) throws(OrderRequestFault) {
        let name = parameter.rawValue
        switch parameter {
        case .status:
            guard let status = OrderStatus(rawValue: value) else {
                let names = OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalid(name, "status must be one of \(names).")
            }
            self.status = status
        case .orderID:
            guard OrderRequest.isValidOrderID(value) else {
                throw .invalid(
                    name, "orderID must be 1 to 64 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit.")
            }
            orderID = value
        case .created_after, .created_before:
            // A `+` offset sent unencoded (`+01:00`) arrives decoded as a space, which no
            // RFC 3339 time contains: it is read back as the `+` it was.
            guard let milliseconds = RFC3339.parseMilliseconds(value.replacingOccurrences(of: " ", with: "+")) else {
                throw .invalid(name, "\(name) must be an RFC 3339 time such as 2026-12-04T19:40:33Z.")
            }
            if parameter == .created_after {
                createdAfterMilliseconds = milliseconds
            } else {
                createdBeforeMilliseconds = milliseconds
            }
        case .limit:
            limit = try Self.pageLimit(value)
        case .cursor:
            guard let cursor = OrderListCursor(encoded: value) else {
                throw .invalid(name, "cursor must be a next_cursor value returned by a previous page, unchanged.")
            }
            self.cursor = cursor
        }
    }

    /// `application/x-www-form-urlencoded` decoding; `nil` for a broken `%` escape or invalid UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Where the next page of a list starts: the last order of this page, as the keyset
/// (`created_at` descending, then `id` descending) sees it, so that a page costs the same however
/// deep it is.
///
/// Merchants see it as opaque text: base64url without padding of `1:<ms>:<check>:<id>`, where
/// `check` is an FNV-1a hash of the rest so that an edited cursor is refused rather than silently
/// starting elsewhere. It is not a secret: the list is scoped to the merchant anyway.
public struct OrderListCursor: Sendable, Equatable {
    /// The `created_at` of the last order shown, in milliseconds since 1970.
    public let createdAtMilliseconds: Int64
    /// The gateway id of the last order shown.
    public let id: String

    /// The most bytes of id a cursor carries; gateway ids are far shorter.
    static let idBytesMax = 128

    /// The cursor after the order with `createdAtMilliseconds` and `id`.
    public init(createdAtMilliseconds: Int64, id: String) {
        self.createdAtMilliseconds = createdAtMilliseconds
        self.id = id
    }

    /// The text given to merchants as `next_cursor`.
    public var encoded: String {
        let body = "\(createdAtMilliseconds):\(Self.check(createdAtMilliseconds, id))"
        return Base64URL.encode(Array("1:\(body):\(id)".utf8))
    }

    /// The cursor `encoded` stands for, or `nil` when it is not exactly what `encoded` writes.
    public init?(encoded: String) {
        guard let bytes = Base64URL.decode(encoded), let text = String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "1", let milliseconds = Int64(parts[1]), milliseconds >= 0 else {
            return nil
        }
        let id = String(parts[3])
        guard !id.isEmpty, id.utf8.count <= Self.idBytesMax, parts[2] == Self.check(milliseconds, id) else {
            return nil
        }
        self.init(createdAtMilliseconds: milliseconds, id: id)
        // Only one spelling per cursor: no leading zeros, no `+`, no stray base64 bits.
        guard self.encoded == encoded else { return nil }
    }

    private static func check(_ milliseconds: Int64, _ id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(milliseconds):\(id)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 section 5), so cursors need no
/// percent-encoding in a query string.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var group: UInt32 = 0
            for (position, byte) in chunk.enumerated() { group |= UInt32(byte) << (16 - 8 * position) }
            for position in 0...chunk.count { output.append(alphabet[Int(group >> (18 - 6 * position) & 0x3F)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < characters.count {
            let chunk = characters[index..<min(index + 4, characters.count)]
            var group: UInt32 = 0
            for (position, character) in chunk.enumerated() {
                guard let value = alphabet.firstIndex(of: character) else { return nil }
                group |= UInt32(value) << (18 - 6 * position)
            }
            for position in 0..<chunk.count - 1 { output.append(UInt8(group >> (16 - 8 * position) & 0xFF)) }
            index += 4
        }
        return output
    }
}
