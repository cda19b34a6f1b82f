import ElMomentoCore
import ElMomentoHTTP

/// An error a client is told about: its HTTP status, a stable code, a message for a
/// person, and the field at fault where there is one (SPEC 3.6).
///
/// The one client-facing error type: handlers throw it, and anything else they throw
/// becomes a logged `500 internal_error` that tells the client nothing more.
public struct APIError: Error, Sendable, Equatable {
    /// The HTTP status code.
    public let status: Int
    /// The stable, machine-readable code (`invalid_signature`).
    public let code: String
    /// What went wrong, for the person integrating.
    public let message: String
    /// The request field at fault (`amount`; `request.email` for a nested one), where one is.
    public let field: String?
    /// Extra header fields the answer carries (`Allow`, `Retry-After`).
    public let headers: [String: String]

    /// An error with its status, code and message, and optionally the field and extra headers.
    public init(status: Int, code: String, message: String, field: String? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    /// The JSON error envelope, with `requestID` in the body.
    public func response(requestID: String) -> HTTPResponse {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let field { error.append(("field", .string(field))) }
        error.append(("request_id", .string(requestID)))
        var response = HTTPResponse.json(.object([("error", .object(error))]), status: status)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            response.headers.add(name, value)
        }
        return response
    }

    static let notFound = APIError(status: 404, code: "not_found", message: "No such route.")
    static let internalError = APIError(
        status: 500, code: "internal_error",
        message: "The gateway failed to answer; the request id helps support find out why."
    )
    static let unavailable = APIError(
        status: 503, code: "unavailable", message: "The gateway cannot reach its database; try again shortly.")

    static func methodNotAllowed(allowed: [String]) -> APIError {
        APIError(
            status: 405,
            code: "method_not_allowed",
            message: "This route answers \(allowed.joined(separator: ", ")) only.",
            headers: ["Allow": allowed.joined(separator: ", ")]
        )
    }

    static func refusal(_ refusal: HTTPRefusal) -> APIError {
        switch refusal {
        case .ambiguousFraming(let header, let reason):
            APIError(
                status: 400, code: "validation_failed", message: "The request's framing is ambiguous: \(reason).",
                field: header)
        case .bodyTooLarge(let limitBytes):
            APIError(
                status: 413, code: "body_too_large",
                message: "The body is larger than the limit of \(limitBytes) bytes.")
        case .handlerTimedOut:
            APIError(
                status: 503, code: "unavailable", message: "The gateway could not answer in time; try again shortly.")
        case .shuttingDown:
            APIError(status: 503, code: "unavailable", message: "The gateway is restarting; try again shortly.")
        }
    }
}

extension HTTPResponse {
    /// A JSON answer.
    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: value.encoded())
    }
}

/// An error thrown once a request is authenticated, with the header fields its answer
/// carries whatever the error becomes (`404`, `500`…): the rate limit's (SPEC 3.7).
struct ErrorWithHeaders: Error {
    /// What was thrown.
    let underlying: any Error
    /// Header fields added to the answer `underlying` becomes.
    let headers: [(name: String, value: String)]

    /// `underlying`, to be answered with `headers` added.
    init(_ underlying: any Error, headers: [(name: String, value: String)]) {
        self.underlying = underlying
        self.headers = headers
    }
}
