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
        registry = ConnectionRegistry(
            receiveTimeoutSeconds: configuration.requestReceiveTimeoutSeconds,
            handlerTimeoutSeconds: configuration.handlerTimeoutSeconds
        )
    }

    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func requestStarted(target: String, connection: ConnectionHandle) -> InFlightRequest {
        requestsInFlight.add(1, ordering: .relaxed)
        registry.requestStarted(connection)
        return InFlightRequest(
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
                return queue(responder.refuse(refusal, request: request.request), on: connection, closing: true)
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
                return queue(responder.refuse(refusal, request: request.request), on: connection)
            }
            startHandler(for: request, on: connection)
            return .YES
        case .handling:
            registry.resumed(connection)
            request.phase = .answered
            guard let response = request.takeAnswer() else { return .NO }
            return queue(response, on: connection)
        case .answered:
            return .NO
        }
    }

    /// Suspends the connection and runs the handler as a task; the connection is
    /// resumed by whichever comes first, the handler's answer or its deadline.
    private func startHandler(for request: InFlightRequest, on connection: ConnectionHandle) {
        request.phase = .handling
        MHD_suspend_connection(connection.pointer)
        registry.suspended(connection, request: request, now: Self.now)
        let httpRequest = request.request
        Task {
            let response = await responder.respond(to: httpRequest)
            answer(request, with: response, on: connection)
        }
    }

    private func answer(_ request: InFlightRequest, with response: HTTPResponse, on connection: ConnectionHandle) {
        if request.answer(with: response) {
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

    private func queue(_ response: HTTPResponse, on connection: ConnectionHandle, closing: Bool = false) -> MHD_Result {
        let created = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
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
            answer(request, with: responder.refuse(.handlerTimedOut, request: request.request), on: connection)
        }
    }

    func answerSuspended(with refusal: HTTPRefusal) {
        for (connection, request) in registry.allSuspended() {
            answer(request, with: responder.refuse(refusal, request: request.request), on: connection)
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
        if encodings.count > 1
            || encodings.contains(where: { !$0.trimmingCharacters(in: .whitespaces).caseInsensitiveEquals("chunked") })
        {
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
