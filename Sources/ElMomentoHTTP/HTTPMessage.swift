/// Header fields in the order they arrived, looked up without regard to case.
public struct HTTPHeaders: Sendable, Sequence {
    private var fields: [(name: String, value: String)]

    /// Fields in the order they arrived; names keep the case they were sent in.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// The first value of the field `name`, or `nil`.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of the field `name`, in order.
    public func values(named name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Appends a field, keeping any of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

extension String {
    /// ASCII case-insensitive equality, as header names compare.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8) { asciiLowercased($0) == asciiLowercased($1) }
    }
}

private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
}

/// A request whose headers and body have been received in full.
public struct HTTPRequest: Sendable {
    /// The id the responder gave this request when it started (`req_…`).
    public var id: String
    /// The method as sent (`GET`, `POST`…).
    public var method: String
    /// The path, still percent-encoded, without the query.
    public var path: String
    /// The query after `?`, still percent-encoded, or `nil` when there was no `?`.
    public var query: String?
    /// The header fields, as received.
    public var headers: HTTPHeaders
    /// The body's raw bytes, exactly as received.
    public var body: [UInt8]
    /// The peer's IP address.
    public var clientAddress: String
    /// When the request line arrived, in monotonic nanoseconds, for latency.
    public var receivedAtNanoseconds: UInt64

    /// A request for `target` (path and optional query, as on the request line).
    public init(
        id: String,
        method: String,
        target: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        clientAddress: String = "127.0.0.1",
        receivedAtNanoseconds: UInt64 = 0
    ) {
        self.id = id
        self.method = method
        if let questionMark = target.firstIndex(of: "?") {
            path = String(target[..<questionMark])
            query = String(target[target.index(after: questionMark)...])
        } else {
            path = target
            query = nil
        }
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.receivedAtNanoseconds = receivedAtNanoseconds
    }
}

/// An answer: status, header fields and a complete body.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields; the engine adds `Date`, `Content-Length` and, when closing, `Connection`.
    public var headers: HTTPHeaders
    /// The whole body.
    public var body: [UInt8]

    /// An answer with `status`, `headers` and `body`.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
