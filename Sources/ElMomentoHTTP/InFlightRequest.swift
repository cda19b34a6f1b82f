import Dispatch
import Synchronization

/// One request's state across the engine's calls, from its request line to its answer.
///
/// Made in the URI callback and released in the completion callback. Its plain
/// fields are touched only by the engine thread that owns the connection (MHD calls
/// one connection's callbacks from one thread at a time); the answer, which the
/// handler's task and the deadline sweeper race to give, sits behind a mutex.
final class InFlightRequest: @unchecked Sendable {
    enum Phase {
        case awaitingHeaders
        case receivingBody
        case handling
        case answered
    }

    let target: String
    let clientAddress: String
    let receivedAtNanoseconds: UInt64
    var phase = Phase.awaitingHeaders
    var method = ""
    var headers = HTTPHeaders()
    var body: [UInt8] = []
    var bodyTooLarge = false
    private let answer = Mutex<HTTPResponse?>(nil)

    init(target: String, clientAddress: String) {
        self.target = target
        self.clientAddress = clientAddress
        receivedAtNanoseconds = DispatchTime.now().uptimeNanoseconds
    }

    var request: HTTPRequest {
        HTTPRequest(
            method: method,
            target: target,
            headers: headers,
            body: body,
            clientAddress: clientAddress,
            receivedAtNanoseconds: receivedAtNanoseconds
        )
    }

    /// Records `response` as the answer unless one was given already; returns whether
    /// this call gave it (and so must resume the connection).
    func answer(with response: HTTPResponse) -> Bool {
        answer.withLock { current in
            guard current == nil else { return false }
            current = response
            return true
        }
    }

    /// The answer given, once the connection has been resumed.
    func takeAnswer() -> HTTPResponse? {
        answer.withLock { $0 }
    }
}
