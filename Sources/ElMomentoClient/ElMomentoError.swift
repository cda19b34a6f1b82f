import Foundation

/// Why a call to the gateway failed.
///
/// An answer the gateway gave (`kind == .api`) carries its HTTP status and the error
/// envelope's `code`, `message`, `field` and `request_id` (SPEC 3.6); quote the request id
/// to support. A request that got no usable answer is `.transport` (the connection failed or
/// timed out, after the retries allowed) or `.invalidResponse` (an answer this SDK cannot read).
public struct ElMomentoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the failure came from.
    public enum Kind: Sendable, Equatable {
        /// The gateway answered with an error.
        case api
        /// No answer: the connection could not be made or was lost, or the request timed out.
        case transport
        /// An answer that is not what the API promises (not JSON, a field missing).
        case invalidResponse
    }

    /// The code of a transport failure.
    public static let transportCode = "transport_failed"
    /// The code of an answer the SDK cannot read.
    public static let invalidResponseCode = "invalid_response"

    /// Where the failure came from.
    public let kind: Kind
    /// The HTTP status, when there was an answer.
    public let status: Int?
    /// The API's code (`order_id_conflict`), or `transport_failed` / `invalid_response`.
    public let code: String
    /// What went wrong, for a person.
    public let message: String
    /// The request field at fault (`amount`, `request.email`), where one is.
    public let field: String?
    /// The gateway's id for the request (`req_…`).
    public let requestID: String?
    /// On `429` (and `503`), how many seconds to wait before trying again, from `Retry-After`.
    public let retryAfterSeconds: Int?

    /// An error with every part given.
    public init(
        kind: Kind, status: Int?, code: String, message: String, field: String? = nil, requestID: String? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.requestID = requestID
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Whether the same request may succeed if sent again: no answer, or a `5xx`. A `4xx`
    /// means the request itself must change (or, for `429`, wait for `retryAfterSeconds`).
    public var isRetryable: Bool {
        switch kind {
        case .transport: true
        case .api, .invalidResponse: (status ?? 0) >= 500
        }
    }

    /// One line: status, code and message, then the field, request id and wait where there are
    /// any (`409 order_id_conflict: … (field orderID, request req_…)`).
    public var description: String {
        var details: [String] = []
        if let field { details.append("field \(field)") }
        if let requestID { details.append("request \(requestID)") }
        if let retryAfterSeconds { details.append("retry after \(retryAfterSeconds) s") }
        let head = (status.map { "\($0) \(code)" } ?? code) + ": " + message
        return details.isEmpty ? head : head + " (" + details.joined(separator: ", ") + ")"
    }

    /// The error an answer with a status of 400 or more stands for.
    static func answered(status: Int, body: [UInt8], headers: ResponseHeaders) -> ElMomentoError {
        let retryAfter = headers["Retry-After"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let envelope = (try? ElMomentoJSON(parsing: body))?["error"]
        guard let code = envelope?["code"]?.stringValue else {
            return ElMomentoError(
                kind: .invalidResponse, status: status, code: invalidResponseCode,
                message: "HTTP \(status) without the API's error envelope", requestID: headers["X-Request-Id"],
                retryAfterSeconds: retryAfter)
        }
        return ElMomentoError(
            kind: .api, status: status, code: code, message: envelope?["message"]?.stringValue ?? "",
            field: envelope?["field"]?.stringValue,
            requestID: envelope?["request_id"]?.stringValue ?? headers["X-Request-Id"], retryAfterSeconds: retryAfter)
    }

    /// A `2xx` answer whose body is not what the route promises.
    static func unreadable(_ what: String, status: Int, headers: ResponseHeaders) -> ElMomentoError {
        ElMomentoError(
            kind: .invalidResponse, status: status, code: invalidResponseCode,
            message: "The gateway's answer is not \(what).", requestID: headers["X-Request-Id"])
    }
}
