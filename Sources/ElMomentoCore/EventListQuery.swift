/// The query of `GET /api/{merchant}/events/` (SPEC 3.5): `after` (an event's
/// `webhook_id`, from which to continue) and `limit`.
public struct EventListQuery: Sendable, Equatable {
    /// The event after which the page starts; `nil` starts at the merchant's first.
    public var after: String?
    /// Events on a page, 1–100.
    public var limit = OrderListQuery.limitDefault

    /// Reads `query`; a bad parameter is `validation_failed` naming it, as for order lists.
    /// Unknown parameters are ignored.
    public static func parse(query: String) throws(OrderRequestFault) -> EventListQuery {
        var result = EventListQuery()
        for (name, value) in try OrderListQuery.parameters(in: query, named: ["after", "limit"]) {
            if name == "limit" {
                result.limit = try OrderListQuery.pageLimit(value)
            } else {
                guard isEventID(value) else {
                    throw .invalid(name, "after must be an event's webhook_id (evt_…), such as a page's next_cursor.")
                }
                result.after = value
            }
        }
        return result
    }

    /// Whether `text` has the shape of a `webhook_id`: `evt_` and 26 base32 characters.
    static func isEventID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 30 && text.hasPrefix("evt_")
            && bytes.dropFirst(4).allSatisfy { $0.isASCIIDigit || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }
}
