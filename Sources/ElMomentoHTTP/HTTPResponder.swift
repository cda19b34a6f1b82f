/// What the engine refuses on its own, before or instead of a handler.
public enum HTTPRefusal: Sendable, Equatable {
    /// The request's length cannot be trusted (request smuggling shapes): `400`, and
    /// the connection is closed. `header` names the field at fault.
    case ambiguousFraming(header: String, reason: String)
    /// The body is, or was announced to be, larger than the limit: `413`.
    case bodyTooLarge(limitBytes: Int)
    /// The handler did not answer within its deadline: `503`.
    case handlerTimedOut
    /// The server is stopping and cannot finish this request: `503`.
    case shuttingDown
}

/// The application behind the engine.
public protocol HTTPResponder: Sendable {
    /// A new id for a request whose request line has just arrived.
    func makeRequestID() -> String

    /// Answers a request whose headers and body have fully arrived.
    func respond(to request: HTTPRequest) async -> HTTPResponse

    /// Answers a request the engine refuses. Called on an engine thread: it must not block.
    func refuse(_ refusal: HTTPRefusal, request: HTTPRequest) -> HTTPResponse

    /// Tells what was sent for `request`: called once per request answered, whether
    /// the answer came from `respond`, from `refuse` or from a deadline. Called on an
    /// engine thread: it must not block.
    func didAnswer(_ request: HTTPRequest, with response: HTTPResponse)

    /// Reports something the engine noticed that belongs in the log.
    func engineDidLog(_ message: String)
}
