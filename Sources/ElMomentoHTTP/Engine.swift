import CMicroHTTPD
import Dispatch
import Foundation
import Synchronization

/// The state libmicrohttpd's callbacks share, and what they do with a request.
final class Engine: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let registry: ConnectionRegistry
    let draining = Atomic<Bool>(false)
    private let requestsInFlight = Atomic<Int>(0)

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
        registry = ConnectionRegistry(configuration: configuration)
    }

    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func requestStarted(target: String, connection: ConnectionHandle) -> InFlightRequest {
        requestsInFlight.add(1, ordering: .relaxed)
        registry.requestStarted(connection, now: Self.now)
        return InFlightRequest(
            id: responder.makeRequestID(),
            target: target,
            clientAddress: SocketAddress.text(of: elm_mhd_client_address(connection.pointer))
        )
    }

    func requestCompleted(_ connection: ConnectionHandle) {
        registry.requestCompleted(connection, now: Self.now)
        requestsInFlight.subtract(1, ordering: .relaxed)
    }

    /// One call of the access handler: headers first, then each body chunk, then the
    /// end of the body, then once more after the handler's answer resumes the connection.
    func access(
        _ connection: ConnectionHandle,
        _ request: InFlightRequest,
        method: String,
        upload: UnsafeRawBufferPointer,
        uploadSize: UnsafeMutablePointer<Int>
    ) -> MHD_Result {
        switch request.phase {
        case .awaitingHeaders:
            request.method = method
            request.headers = Self.headers(of: connection)
            request.phase = .receivingBody
            if let refusal = Self.refusalBeforeBody(request.headers, bodyBytesMax: configuration.bodyBytesMax) {
                // Queued before the body is read: libmicrohttpd answers and closes the
                // connection, so nothing smuggled behind this request is ever read.
                return queue(
                    refusalAnswer(refusal, for: request), for: request, on: connection, closing: true)
            }
            return .YES
        case .receivingBody where uploadSize.pointee > 0:
            receive(upload, into: request)
            uploadSize.pointee = 0
            return .YES
        case .receivingBody:
            registry.requestReceived(connection)
            if request.bodyTooLarge {
                let refusal = HTTPRefusal.bodyTooLarge(limitBytes: configuration.bodyBytesMax)
                return queue(refusalAnswer(refusal, for: request), for: request, on: connection)
            }
            startHandler(for: request, on: connection)
            return .YES
        case .handling:
            registry.resumed(connection)
            guard let response = request.givenAnswer else { return .NO }
            return queue(response, for: request, on: connection)
        }
    }

    /// Suspends the connection and runs the handler as a task; the connection is
    /// resumed by whichever answers first: the handler, its deadline, or a stop.
    private func startHandler(for request: InFlightRequest, on connection: ConnectionHandle) {
        request.phase = .handling
        // Suspended before it is registered, so that nothing can resume it before
        // libmicrohttpd has suspended it.
        MHD_suspend_connection(connection.pointer)
        guard registry.suspended(connection, request: request, now: Self.now) else {
            answer(request, with: refusalAnswer(.shuttingDown, for: request), on: connection)
            return
        }
        let httpRequest = request.request
        request.attach(
            Task {
                let response = await responder.respond(to: httpRequest)
                answer(request, with: response, on: connection, byHandler: true)
            }
        )
    }

    private func answer(
        _ request: InFlightRequest,
        with response: HTTPResponse,
        on connection: ConnectionHandle,
        byHandler: Bool = false
    ) {
        if request.answer(with: response, byHandler: byHandler) {
            MHD_resume_connection(connection.pointer)
        }
    }

    private func receive(_ chunk: UnsafeRawBufferPointer, into request: InFlightRequest) {
        guard !request.bodyTooLarge else { return }
        if request.body.count + chunk.count > configuration.bodyBytesMax {
            // A chunked body has no announced length: it is counted as it arrives,
            // drained once past the limit, and answered 413 at its end.
            request.bodyTooLarge = true
            request.body = []
        } else {
            request.body.append(contentsOf: chunk)
        }
    }

    private func refusalAnswer(_ refusal: HTTPRefusal, for request: InFlightRequest) -> HTTPResponse {
        responder.refuse(refusal, request: request.request)
    }

    /// Queues the answer to `request` and tells the responder what was sent: the one
    /// place every answer passes, so each request is logged once, as answered.
    private func queue(
        _ response: HTTPResponse,
        for request: InFlightRequest,
        on connection: ConnectionHandle,
        closing: Bool = false
    ) -> MHD_Result {
        responder.didAnswer(request.request, with: response)
        let created = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count,
                UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                .RESPMEM_MUST_COPY
            )
        }
        guard let created else { return .NO }
        defer { MHD_destroy_response(created) }
        for (name, value) in response.headers {
            MHD_add_response_header(created, name, value)
        }
        if closing || draining.load(ordering: .relaxed) {
            MHD_add_response_header(created, "Connection", "close")
        }
        return MHD_queue_response(connection.pointer, UInt32(response.status), created)
    }

    /// Enforces deadlines; called by the sweeper thread.
    func sweep() {
        for (connection, request) in registry.sweep(now: Self.now, draining: draining.load(ordering: .relaxed)) {
            answer(request, with: refusalAnswer(.handlerTimedOut, for: request), on: connection)
        }
    }

    /// Answers every handler still running, refuses any new one, and waits (at most
    /// `timeoutNanoseconds`) until libmicrohttpd has resumed them all: it must not be
    /// stopped while a connection is suspended.
    func answerEveryHandler(timeoutNanoseconds: UInt64) {
        for (connection, request) in registry.stopSuspending() {
            answer(request, with: refusalAnswer(.shuttingDown, for: request), on: connection)
        }
        let deadline = Self.now + timeoutNanoseconds
        while registry.hasSuspended && Self.now < deadline {
            usleep(10_000)
        }
    }

    func waitForRequestsInFlight(until deadline: UInt64) {
        while requestsInFlight.load(ordering: .relaxed) > 0 && Self.now < deadline {
            usleep(10_000)
        }
    }

    /// A refusal owed before the body is read: framing a proxy and this server could
    /// read differently (request smuggling), or a body announced over the limit.
    static func refusalBeforeBody(_ headers: HTTPHeaders, bodyBytesMax: Int) -> HTTPRefusal? {
        for (name, _) in headers where !isToken(name) {
            return .ambiguousFraming(header: name, reason: "a header name may not contain spaces or separators")
        }
        let lengths = headers.values(named: "Content-Length")
        let encodings = headers.values(named: "Transfer-Encoding")
        if lengths.count > 1 {
            return .ambiguousFraming(header: "Content-Length", reason: "Content-Length appears more than once")
        }
        if !lengths.isEmpty && !encodings.isEmpty {
            return .ambiguousFraming(
                header: "Transfer-Encoding", reason: "a request may not carry both Content-Length and Transfer-Encoding"
            )
        }
        // Compared as libmicrohttpd compares it (it strips only leading whitespace):
        // "chunked " with a trailing space would be chunked here and not there.
        if encodings.count > 1 || encodings.contains(where: { !$0.caseInsensitiveEquals("chunked") }) {
            return .ambiguousFraming(
                header: "Transfer-Encoding", reason: "the only Transfer-Encoding accepted is chunked")
        }
        if let length = lengths.first.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), length > bodyBytesMax {
            return .bodyTooLarge(limitBytes: bodyBytesMax)
        }
        return nil
    }

    /// Whether `name` is an RFC 9110 token, as a header name must be.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }

    private static func headers(of connection: ConnectionHandle) -> HTTPHeaders {
        var fields: [(name: String, value: String)] = []
        withUnsafeMutablePointer(to: &fields) { pointer in
            _ = MHD_get_connection_values(connection.pointer, .HEADER_KIND, collectHeader, pointer)
        }
        return HTTPHeaders(fields)
    }
}
