import Dispatch
import Synchronization

/// One request's state across the engine's calls, from its request line to its answer.
///
/// Made in the URI callback and released in the completion callback. The plain
/// fields are written only by the engine thread that owns the connection (MHD calls
/// one connection's callbacks from one thread at a time), and only before the request
/// is handed over: registering the suspension in `ConnectionRegistry` takes its mutex
/// after the last write, and the sweeper and a stopping server reach the request only
/// through that mutex, so they read what was written. The answer, which the handler's
/// task, the deadline sweeper and a stopping server race to give, sits behind a mutex
/// of its own.
final class InFlightRequest: @unchecked Sendable {
    enum Phase {
        case awaitingHeaders
        case receivingBody
        case handling
    }

    let id: String
    let target: String
    let clientAddress: String
    let receivedAtNanoseconds: UInt64
    var phase = Phase.awaitingHeaders
    var method = ""
    var headers = HTTPHeaders()
    var body: [UInt8] = []
    var bodyTooLarge = false
    private let outcome = Mutex<(answer: HTTPResponse?, handler: Task<Void, Never>?)>((nil, nil))

    init(id: String, target: String, clientAddress: String) {
        self.id = id
        self.target = target
        self.clientAddress = clientAddress
        receivedAtNanoseconds = DispatchTime.now().uptimeNanoseconds
    }

    var request: HTTPRequest {
        HTTPRequest(
            id: id,
            method: method,
            target: target,
            headers: headers,
            body: body,
            clientAddress: clientAddress,
            receivedAtNanoseconds: receivedAtNanoseconds
        )
    }

    /// Records `response` as the answer unless one was given already; returns whether
    /// this call gave it (and so must resume the connection). An answer that is not
    /// the handler's own cancels the handler, whose result nobody will read.
    func answer(with response: HTTPResponse, byHandler: Bool) -> Bool {
        let (given, handler) = outcome.withLock { outcome -> (Bool, Task<Void, Never>?) in
            guard outcome.answer == nil else { return (false, nil) }
            outcome.answer = response
            return (true, byHandler ? nil : outcome.handler)
        }
        handler?.cancel()
        return given
    }

    /// Keeps the handler's task, so that a deadline can cancel it.
    func attach(_ handler: Task<Void, Never>) {
        let alreadyAnswered = outcome.withLock { outcome in
            outcome.handler = handler
            return outcome.answer != nil
        }
        if alreadyAnswered { handler.cancel() }
    }

    /// The answer given, once the connection has been resumed.
    var givenAnswer: HTTPResponse? {
        outcome.withLock { $0.answer }
    }
}
