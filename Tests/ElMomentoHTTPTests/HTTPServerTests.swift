import ElMomentoHTTP
import ElMomentoTestSupport
import Foundation
import Synchronization
import Testing

/// A responder whose answers the test decides, and whose refusals name the refusal.
struct ScriptedResponder: HTTPResponder {
    let answer: @Sendable (HTTPRequest) async -> HTTPResponse

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        await answer(request)
    }

    func refuse(_ refusal: HTTPRefusal, request: HTTPRequest) -> HTTPResponse {
        let status =
            switch refusal {
            case .ambiguousFraming: 400
            case .bodyTooLarge: 413
            case .handlerTimedOut: 503
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

    var isOpen: Bool { state.withLock { $0.open } }
}

@Suite struct HTTPServerTests {
    private func start(
        _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        answer: @escaping @Sendable (HTTPRequest) async -> HTTPResponse = { request in
            HTTPResponse(status: 200, body: Array("\(request.method) \(request.path) ".utf8) + request.body)
        }
    ) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.shutdownGraceSeconds = 5
        configure(&configuration)
        return try HTTPServer(configuration: configuration, responder: ScriptedResponder(answer: answer))
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let server = try start()
        defer { server.shutdown() }
        let connection = try RawConnection(port: server.port)
        let first = try await connection.request("GET", "/a?x=1")
        let second = try await connection.request("POST", "/b", body: Array("hello".utf8))
        #expect(first.status == 200 && first.bodyText == "GET /a ")
        #expect(second.status == 200 && second.bodyText == "POST /b hello")
    }

    @Test func aChunkedBodyArrivesWhole() async throws {
        let server = try start()
        defer { server.shutdown() }
        let connection = try RawConnection(port: server.port)
        try connection.send(
            "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let response = try await connection.response()
        #expect(response.bodyText == "POST /c hello world")
    }

    @Test func aChunkedBodyPastTheLimitIsCountedAndRefused() async throws {
        let server = try start { $0.bodyBytesMax = 8 }
        defer { server.shutdown() }
        let connection = try RawConnection(port: server.port)
        try connection.send(
            "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let response = try await connection.response()
        #expect(response.status == 413)
    }

    @Test func aHandlerPastItsDeadlineIsAnswered503() async throws {
        let gate = Gate()
        let server = try start({ $0.handlerTimeoutSeconds = 0.3 }) { _ in
            await gate.wait()
            return HTTPResponse(status: 200)
        }
        defer {
            gate.open()
            server.shutdown()
        }
        let started = Date()
        let response = try await RawConnection(port: server.port).request("GET", "/slow")
        #expect(response.status == 503)
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func shutdownStopsAcceptingAndFinishesRequestsInFlight() async throws {
        let handlerStarted = Gate()
        let release = Gate()
        let server = try start(answer: { _ in
            handlerStarted.open()
            await release.wait()
            return HTTPResponse(status: 200, body: Array("finished".utf8))
        })
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        await handlerStarted.wait()
        let stopping = Task { try await onOwnThread { server.shutdown() } }
        let refused = try await onOwnThread { [port = server.port] in
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                guard (try? RawConnection(port: port)) != nil else { return true }
                usleep(20_000)
            }
            return false
        }
        #expect(refused, "new connections are refused once stopping")
        release.open()
        let response = try await connection.response()
        #expect(response.status == 200 && response.bodyText == "finished")
        #expect(response.header("Connection")?.lowercased() == "close")
        try await stopping.value
    }

    @Test func shutdownAnswersHandlersStillRunningWhenGraceEnds() async throws {
        let handlerStarted = Gate()
        let never = Gate()
        let server = try start({ $0.shutdownGraceSeconds = 0.3 }) { _ in
            handlerStarted.open()
            await never.wait()
            return HTTPResponse(status: 200)
        }
        defer { never.open() }
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        await handlerStarted.wait()
        let stopping = Task { try await onOwnThread { server.shutdown() } }
        let response = try await connection.response()
        #expect(response.status == 503)
        try await stopping.value
    }
}
