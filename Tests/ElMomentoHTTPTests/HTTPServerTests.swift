import ElMomentoHTTP
import ElMomentoTestSupport
import Foundation
import Synchronization
import Testing

/// A responder whose answers the test decides, whose refusals name the refusal, and
/// which keeps every answer the engine reports as sent.
final class ScriptedResponder: HTTPResponder {
    let answer: @Sendable (HTTPRequest) async -> HTTPResponse
    private let nextID = Atomic<Int>(0)
    private let sent = Mutex<[(id: String, status: Int)]>([])

    init(answer: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.answer = answer
    }

    /// The answers sent so far, by request id.
    var answersSent: [(id: String, status: Int)] { sent.withLock { $0 } }

    func makeRequestID() -> String {
        "req_\(nextID.add(1, ordering: .relaxed).newValue)"
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        await answer(request)
    }

    func didAnswer(_ request: HTTPRequest, with response: HTTPResponse) {
        sent.withLock { $0.append((request.id, response.status)) }
    }

    func refuse(_ refusal: HTTPRefusal, request: HTTPRequest) -> HTTPResponse {
        let status =
            switch refusal {
            case .ambiguousFraming: 400
            case .bodyTooLarge: 413
            case .handlerTimedOut: 503
            case .shuttingDown: 503
            }
        return HTTPResponse(status: status, body: Array("\(refusal)".utf8))
    }

    func engineDidLog(_ message: String) {}
}

/// A one-way gate: tasks wait until a test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume() }
    }
}

/// The engine in this process, on real sockets, with answers the tests script.
@Suite struct HTTPServerTests {
    /// Runs `body` with a server on a free port, and stops the server afterwards, off
    /// the cooperative pool (a stop waits for handlers that need that pool).
    private func withServer(
        _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        answer: @escaping @Sendable (HTTPRequest) async -> HTTPResponse = { request in
            HTTPResponse(status: 200, body: Array("\(request.method) \(request.path) ".utf8) + request.body)
        },
        _ body: (HTTPServer, ScriptedResponder) async throws -> Void
    ) async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.shutdownGraceSeconds = 5
        configure(&configuration)
        let responder = ScriptedResponder(answer: answer)
        let server = try HTTPServer(configuration: configuration, responder: responder)
        do {
            try await body(server, responder)
        } catch {
            try await onOwnThread { server.shutdown() }
            throw error
        }
        try await onOwnThread { server.shutdown() }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer { server, responder in
            let connection = try RawConnection(port: server.port)
            let first = try await connection.request("GET", "/a?x=1")
            let second = try await connection.request("POST", "/b", body: Array("hello".utf8))
            #expect(first.status == 200 && first.bodyText == "GET /a ")
            #expect(second.status == 200 && second.bodyText == "POST /b hello")
            #expect(responder.answersSent.map(\.status) == [200, 200])
            #expect(Set(responder.answersSent.map(\.id)).count == 2)
        }
    }

    /// The receive deadline starts at a request's first line, not at the previous
    /// answer: a kept-alive connection may rest between requests up to the idle timeout.
    @Test func aKeptAliveConnectionMayRestLongerThanTheReceiveDeadline() async throws {
        try await withServer({ $0.requestReceiveTimeoutSeconds = 0.3 }) { server, _ in
            let connection = try RawConnection(port: server.port)
            #expect(try await connection.request("GET", "/a").status == 200)
            try await Task.sleep(for: .seconds(1))
            #expect(try await connection.request("GET", "/b").status == 200)
        }
    }

    /// Closed while the request line is still trickling in: long before its 15 bytes at
    /// 0.4 s each are all sent, and before the 10 s receive deadline could be the reason.
    /// (No wall-clock bound: the suite runs many servers at once on two cores.)
    @Test func aConnectionThatStartsNoRequestIsClosedAtTheIdleTimeout() async throws {
        try await withServer({ $0.connectionIdleTimeoutSeconds = 1 }) { server, _ in
            let connection = try RawConnection(port: server.port)
            #expect(try await connection.trickle("GET /a HTTP/1.1", secondsPerByte: 0.4))
        }
    }

    @Test func aChunkedBodyArrivesWhole() async throws {
        try await withServer { server, _ in
            let connection = try RawConnection(port: server.port)
            try connection.send(
                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            #expect(try await connection.response().bodyText == "POST /c hello world")
        }
    }

    @Test func aChunkedBodyPastTheLimitIsCountedAndRefused() async throws {
        try await withServer({ $0.bodyBytesMax = 8 }) { server, responder in
            let connection = try RawConnection(port: server.port)
            try connection.send(
                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            #expect(try await connection.response().status == 413)
            #expect(responder.answersSent.map(\.status) == [413])
        }
    }

    /// The late handler is cancelled, and only the 503 that was sent is reported.
    @Test func aHandlerPastItsDeadlineIsAnswered503AndCancelled() async throws {
        let cancelled = Atomic<Bool>(false)
        let finished = Gate()
        try await withServer({ $0.handlerTimeoutSeconds = 0.3 }) { _ in
            // Left alone, the handler would answer 200 after a minute; only the deadline ends it sooner.
            try? await Task.sleep(for: .seconds(60))
            cancelled.store(Task.isCancelled, ordering: .relaxed)
            finished.open()
            return HTTPResponse(status: 200)
        } _: { server, responder in
            let started = Date()
            let response = try await RawConnection(port: server.port).request("GET", "/slow")
            #expect(response.status == 503)
            #expect(Date().timeIntervalSince(started) < 30)
            await finished.wait()
            let wasCancelled = cancelled.load(ordering: .relaxed)
            #expect(wasCancelled, "the late handler is cancelled")
            #expect(responder.answersSent.map(\.status) == [503])
        }
    }

    @Test func shutdownStopsAcceptingAndFinishesRequestsInFlight() async throws {
        let handlerStarted = Gate()
        let release = Gate()
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = try HTTPServer(
            configuration: configuration,
            responder: ScriptedResponder { _ in
                handlerStarted.open()
                await release.wait()
                return HTTPResponse(status: 200, body: Array("finished".utf8))
            }
        )
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        await handlerStarted.wait()
        let stopping = Task { try await onOwnThread { server.shutdown() } }
        #expect(
            try await RawConnection.connectionsAreRefused(port: server.port),
            "new connections are refused once stopping")
        release.open()
        let response = try await connection.response()
        #expect(response.status == 200 && response.bodyText == "finished")
        #expect(response.header("Connection")?.lowercased() == "close")
        try await stopping.value
    }

    @Test func shutdownAnswersHandlersStillRunningWhenGraceEnds() async throws {
        let handlerStarted = Gate()
        try await withServer({ $0.shutdownGraceSeconds = 0.3 }) { _ in
            handlerStarted.open()
            try? await Task.sleep(for: .seconds(30))
            return HTTPResponse(status: 200)
        } _: { server, _ in
            let connection = try RawConnection(port: server.port)
            try connection.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
            await handlerStarted.wait()
            let stopping = Task { try await onOwnThread { server.shutdown() } }
            #expect(try await connection.response().status == 503)
            try await stopping.value
        }
    }

    /// A request whose body finishes arriving after the grace period is answered 503
    /// instead of starting a handler the stopping engine could not wait for.
    @Test func aRequestCompletedAfterGraceIsAnsweredInsteadOfHandled() async throws {
        try await withServer({ $0.shutdownGraceSeconds = 0.2 }) { server, responder in
            let connection = try RawConnection(port: server.port)
            try connection.send("POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
            try await Task.sleep(for: .milliseconds(100))
            let stopping = Task { try await onOwnThread { server.shutdown() } }
            try await Task.sleep(for: .milliseconds(500))
            try connection.send("cd")
            #expect(try await connection.response().status == 503)
            try await stopping.value
            #expect(responder.answersSent.map(\.status) == [503])
        }
    }

    @Test func shutdownTwiceIsHarmless() async throws {
        try await withServer { server, _ in
            try await onOwnThread { server.shutdown() }
        }
    }
}
