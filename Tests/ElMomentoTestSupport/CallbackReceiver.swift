import Foundation
import Glibc
import Synchronization

/// A merchant's callback endpoint for tests: a small HTTP/1.1 server on 127.0.0.1, on a free
/// port, that records every request and answers each as the test scripted.
///
/// ```swift
/// let receiver = try CallbackReceiver()
/// defer { receiver.stop() }
/// receiver.answers = [.init(status: 500), .init(status: 503, headers: [("Retry-After", "2")])]
/// // … point a callback at receiver.url …
/// #expect(await receiver.waitForRequests(count: 3, timeoutSeconds: 10))
/// #expect(receiver.requests[2].header("Webhook-Id") == receiver.requests[0].header("Webhook-Id"))
/// ```
///
/// Each connection is served by a thread of its own, kept alive between requests as HTTP/1.1
/// allows. A request is recorded as soon as it has fully arrived, before its answer (and any
/// delay), so a request the sender gave up on is still seen. Bodies need a `Content-Length`
/// (what callback senders send). `stop` (or the last reference going away) closes everything
/// and waits for the threads.
public final class CallbackReceiver: Sendable {
    /// How the receiver answers one request.
    public struct Answer: Sendable {
        /// The status code.
        public var status: Int
        /// Headers besides `Content-Length`.
        public var headers: [(name: String, value: String)]
        /// The body.
        public var body: String
        /// How long to wait before answering; the wait ends early, with no answer, when the
        /// sender closes the connection or the receiver stops.
        public var delaySeconds: Double

        /// An answer; the default is an immediate, empty `200`.
        public init(
            status: Int = 200, headers: [(name: String, value: String)] = [], body: String = "",
            delaySeconds: Double = 0
        ) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delaySeconds = delaySeconds
        }
    }

    /// A request as it arrived.
    public struct Request: Sendable {
        /// The method, such as `POST`.
        public let method: String
        /// The request target, such as `/callback?order=1`.
        public let target: String
        /// The headers in order, as sent.
        public let headers: [(name: String, value: String)]
        /// The body bytes.
        public let body: [UInt8]

        /// The first value of header `name`, ignoring case.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// Every value of header `name`, ignoring case, in order.
        public func headerValues(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }

        /// The body as UTF-8 text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    private struct Waiter {
        let number: Int
        let count: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var answers: [Answer] = []
        var defaultAnswer = Answer()
        var requests: [Request] = []
        var waiters: [Waiter] = []
        var nextWaiterNumber = 0
        var openConnections: Set<Int32> = []
        var connectionCount = 0
        var concurrentConnectionsMax = 0
        var requestsBeingAnswered = 0
        var concurrentRequestsMax = 0
        var isStopped = false
    }

    /// The port the receiver listens on, on 127.0.0.1.
    public let port: UInt16
    private let listener: Int32
    private let state = Mutex(State())
    private let threads = DispatchGroup()

    /// Starts listening on 127.0.0.1 on `port`, or on a free one when it is 0.
    public init(port requested: UInt16 = 0) throws {
        (listener, port) = try Self.listeningSocket(port: requested)
        threads.enter()
        Thread { [self] in
            Thread.current.name = "receiver-accept"
            acceptConnections()
            threads.leave()
        }.start()
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:<port>/callback`.
    public var url: String { "http://127.0.0.1:\(port)/callback" }

    /// The answers for the next requests, in order; once they are used up, `defaultAnswer`.
    public var answers: [Answer] {
        get { state.withLock { $0.answers } }
        set { state.withLock { $0.answers = newValue } }
    }

    /// The answer once `answers` is used up: an immediate `200` unless changed.
    public var defaultAnswer: Answer {
        get { state.withLock { $0.defaultAnswer } }
        set { state.withLock { $0.defaultAnswer = newValue } }
    }

    /// Every request received so far, in order of arrival.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// How many connections were accepted.
    public var connectionCount: Int { state.withLock { $0.connectionCount } }

    /// The most connections that were open at once.
    public var concurrentConnectionsMax: Int { state.withLock { $0.concurrentConnectionsMax } }

    /// The most requests that had arrived and were not answered yet, at once.
    public var concurrentRequestsMax: Int { state.withLock { $0.concurrentRequestsMax } }

    /// Waits until at least `count` requests have arrived; `false` if they have not after
    /// `timeoutSeconds`.
    public func waitForRequests(count: Int, timeoutSeconds: Double) async -> Bool {
        let number = state.withLock { state in
            defer { state.nextWaiterNumber += 1 }
            return state.nextWaiterNumber
        }
        var timeout: Task<Void, Never>?
        defer { timeout?.cancel() }
        return await withCheckedContinuation { continuation in
            let isSatisfied = state.withLock { state in
                guard state.requests.count < count else { return true }
                state.waiters.append(Waiter(number: number, count: count, continuation: continuation))
                return false
            }
            guard !isSatisfied else { return continuation.resume(returning: true) }
            // Started once the waiter is registered, so even a zero timeout finds it.
            timeout = Task {
                try? await Task.sleep(for: .milliseconds(Int(timeoutSeconds * 1000)))
                resumeWaiter(number, with: false)
            }
        }
    }

    /// Stops listening, closes every connection (a delayed answer is dropped), and waits
    /// for the receiver's threads. Calling it again does nothing.
    public func stop() {
        let wasRunning = state.withLock { state in
            defer { state.isStopped = true }
            guard !state.isStopped else { return false }
            // Shut down, not closed: each connection's thread closes its own socket, under
            // this lock, so no descriptor is closed twice or reused under a thread's feet.
            for connection in state.openConnections { shutdown(connection, Int32(SHUT_RDWR)) }
            return true
        }
        guard wasRunning else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        threads.wait()
        close(listener)
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }

    private func resumeWaiter(_ number: Int, with value: Bool) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.number == number }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: value)
    }

    /// A port nothing listens on now, for a receiver that comes up later: a callback sent
    /// there meanwhile finds the receiver down.
    public static func freePort() throws -> UInt16 {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        return receiver.port
    }

    private static func listeningSocket(port: UInt16) throws -> (socket: Int32, port: UInt16) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1024) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            close(listener)
            throw TestSupportError("listen on 127.0.0.1: \(reason)")
        }
        return (listener, UInt16(bigEndian: address.sin_port))
    }

    private func acceptConnections() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let accepted = state.withLock { state in
                guard !state.isStopped else { return false }
                state.openConnections.insert(connection)
                state.connectionCount += 1
                state.concurrentConnectionsMax = max(state.concurrentConnectionsMax, state.openConnections.count)
                return true
            }
            guard accepted else {
                close(connection)
                return
            }
            threads.enter()
            Thread { [self] in
                Thread.current.name = "receiver-conn"
                serve(connection)
                state.withLock { state in
                    state.openConnections.remove(connection)
                    close(connection)
                }
                threads.leave()
            }.start()
        }
    }

    /// Answers requests on `connection` until the sender closes it, asks to close it, or the
    /// receiver stops.
    private func serve(_ connection: Int32) {
        var reader = RequestReader(connection: connection)
        while let request = reader.next() {
            let answer = record(request)
            defer { state.withLock { $0.requestsBeingAnswered -= 1 } }
            if answer.delaySeconds > 0, !Self.staysOpen(connection, forSeconds: answer.delaySeconds) { return }
            guard Self.write(answer, to: connection) else { return }
            if request.header("Connection")?.lowercased() == "close" { return }
        }
    }

    /// Records `request`, wakes the waiters it satisfies, and takes the answer for it.
    private func record(_ request: Request) -> Answer {
        let (answer, satisfied) = state.withLock { state in
            state.requests.append(request)
            state.requestsBeingAnswered += 1
            state.concurrentRequestsMax = max(state.concurrentRequestsMax, state.requestsBeingAnswered)
            let satisfied = state.waiters.filter { $0.count <= state.requests.count }
            state.waiters.removeAll { $0.count <= state.requests.count }
            let answer = state.answers.isEmpty ? state.defaultAnswer : state.answers.removeFirst()
            return (answer, satisfied)
        }
        for waiter in satisfied { waiter.continuation.resume(returning: true) }
        return answer
    }

    /// Waits `seconds`; `false` as soon as the connection is closed or shut down meanwhile.
    private static func staysOpen(_ connection: Int32, forSeconds seconds: Double) -> Bool {
        var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, Int32(seconds * 1000)) == 0
    }

    private static func write(_ answer: Answer, to connection: Int32) -> Bool {
        let body = Array(answer.body.utf8)
        var head = "HTTP/1.1 \(answer.status) \(reasonPhrase(answer.status))\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in answer.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func reasonPhrase(_ status: Int) -> String {
        let phrases = [
            200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
            400: "Bad Request", 404: "Not Found", 410: "Gone", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
        ]
        return phrases[status] ?? "Status"
    }
}

/// Reads HTTP/1.1 requests with `Content-Length` bodies off one connection.
private struct RequestReader {
    private static let headEnd = Array("\r\n\r\n".utf8)
    let connection: Int32
    private var buffer: [UInt8] = []

    init(connection: Int32) {
        self.connection = connection
    }

    /// The next request, or `nil` when the connection ends first or sends something else.
    mutating func next() -> CallbackReceiver.Request? {
        var headLength: Int?
        while headLength == nil {
            headLength = buffer.firstRange(of: Self.headEnd)?.upperBound
            if headLength == nil, !readMore() { return nil }
        }
        let head = String(decoding: buffer[..<headLength!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < headLength! + length {
            guard readMore() else { return nil }
        }
        let body = Array(buffer[headLength!..<(headLength! + length)])
        buffer.removeFirst(headLength! + length)
        return CallbackReceiver.Request(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private mutating func readMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(connection, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }
}
