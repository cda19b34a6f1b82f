import Foundation
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers each request from a script and records
/// what it received: the gateway's stand-in where a test needs answers the real one would
/// not give on demand (a `503`, a page of events).
///
/// One connection at a time, each answered with `Connection: close`; reads time out after
/// two seconds, so a test cannot hang on it. Call `stop()` when done: the serving thread
/// holds the stub until then.
final class LoopbackStub: Sendable {
    /// A request as the stub received it.
    struct Request: Sendable {
        let method: String
        /// The path and query, as on the request line.
        let target: String
        /// Header fields, names lowercased.
        let headers: [String: String]
        let body: [UInt8]
    }

    /// What the stub answers.
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
    }

    let port: UInt16
    private let listener: Int32
    private let received = Mutex<[Request]>([])
    private let stopped = Mutex(false)

    /// A stub listening on a free port; `reply` is given each request's index (from 0) and the request.
    init(reply: @escaping @Sendable (Int, Request) -> Reply) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw StubError("could not listen on 127.0.0.1")
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve(reply) }.start()
    }

    /// Every request received so far, in order.
    var requests: [Request] { received.withLock { $0 } }

    /// Stops accepting; the serving thread ends.
    func stop() {
        let wasStopped = stopped.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasStopped else { return }
        // shutdown wakes the thread blocked in accept; it closes the socket on its way out.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ reply: @Sendable (Int, Request) -> Reply) {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if let request = Self.read(connection) {
                let index = received.withLock { requests in
                    requests.append(request)
                    return requests.count - 1
                }
                Self.write(reply(index, request), to: connection)
            }
            close(connection)
        }
    }

    private static func read(_ connection: Int32) -> Request? {
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var bodyLength = 0
        while headerEnd.map({ bytes.count < $0 + bodyLength }) ?? true {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            bytes += buffer[0..<count]
            if headerEnd == nil, let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                headerEnd = end
                bodyLength = Int(headerFields(bytes[0..<end])["content-length"] ?? "0") ?? 0
            }
        }
        guard let headerEnd else { return nil }
        let lines = String(decoding: bytes[0..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        return Request(
            method: String(requestLine[0]), target: String(requestLine[1]),
            headers: headerFields(bytes[0..<headerEnd]), body: Array(bytes[headerEnd..<headerEnd + bodyLength]))
    }

    private static func headerFields(_ head: ArraySlice<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    private static func write(_ reply: Reply, to connection: Int32) {
        let body = Array(reply.body.utf8)
        var head = "HTTP/1.1 \(reply.status) Stub\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        head += "Content-Type: application/json\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// The stub could not start.
struct StubError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
