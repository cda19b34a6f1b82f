import Foundation
import Glibc

/// An answer read off a raw connection.
public struct RawResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    /// The first value of header `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The `error` object of a JSON error envelope.
    public var error: [String: Any]? { json?["error"] as? [String: Any] }
}

/// A TCP connection that sends exactly the bytes a test gives it, so tests can send
/// what no well-behaved client would: smuggling shapes, trickles, half requests.
///
/// `@unchecked Sendable` because a test uses it from one place at a time: each call
/// that blocks runs on a thread of its own and is awaited before the next.
public final class RawConnection: @unchecked Sendable {
    private let socket: Int32
    private var buffer: [UInt8] = []

    /// Connects to `host:port`, from `sourceAddress` when given (any 127.0.0.0/8
    /// address on loopback, to look like another client).
    public init(port: UInt16, host: String = "127.0.0.1", sourceAddress: String? = nil) throws {
        socket = try Self.connectedSocket(port: port, host: host, sourceAddress: sourceAddress)
    }

    /// A socket connected to `host:port`, or closed and thrown about. Closing here and not
    /// in a failing `init` matters: a class whose `init` throws once it is whole still runs
    /// `deinit`, and a second `close` would shut whatever descriptor took the number meanwhile.
    private static func connectedSocket(port: UInt16, host: String, sourceAddress: String?) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        do {
            if let sourceAddress {
                var source = try address(sourceAddress, port: 0)
                let bound = withUnsafePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard bound == 0 else {
                    throw TestSupportError("bind \(sourceAddress): \(String(cString: strerror(errno)))")
                }
            }
            var destination = try address(host, port: port)
            let connected = withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                throw TestSupportError("connect \(host):\(port): \(String(cString: strerror(errno)))")
            }
            return socket
        } catch {
            close(socket)
            throw error
        }
    }

    deinit {
        close(socket)
    }

    private static func address(_ host: String, port: UInt16) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw TestSupportError("not an IPv4 address: \(host)")
        }
        return address
    }

    /// Sends `text` as UTF-8.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends `bytes`, all of them.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestSupportError("send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads one answer (status line, headers, a `Content-Length` body).
    public func response(timeoutSeconds: Double = 10) async throws -> RawResponse {
        try await onOwnThread { try self.readResponse(timeoutSeconds: timeoutSeconds) }
    }

    /// Waits until the server closes the connection (or resets it); `false` if it is
    /// still open after `timeoutSeconds`. Bytes that arrive meanwhile are kept, and
    /// counted by `unreadByteCount`.
    public func waitForClose(timeoutSeconds: Double) async throws -> Bool {
        try await onOwnThread {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                switch try self.readMore(until: deadline) {
                case .closed: return true
                case .data, .timedOut: continue
                }
            }
            return false
        }
    }

    /// Sends `text` one byte at a time, waiting up to `secondsPerByte` after each for
    /// the server to close the connection; returns whether it did.
    public func trickle(_ text: String, secondsPerByte: Double) async throws -> Bool {
        for byte in text.utf8 {
            try? send([byte])
            if try await waitForClose(timeoutSeconds: secondsPerByte) { return true }
        }
        return false
    }

    /// Whether connecting to `port` is refused within `timeoutSeconds`, as it is once a
    /// server has stopped accepting.
    public static func connectionsAreRefused(port: UInt16, timeoutSeconds: Double = 5) async throws -> Bool {
        try await onOwnThread {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                guard (try? RawConnection(port: port)) != nil else { return true }
                usleep(20_000)
            }
            return false
        }
    }

    /// Bytes received and not yet read as part of an answer.
    public var unreadByteCount: Int { buffer.count }

    private enum ReadOutcome { case data, closed, timedOut }

    private func readMore(until deadline: Date) throws -> ReadOutcome {
        let remaining = max(0, deadline.timeIntervalSinceNow)
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(remaining * 1000))
        guard ready > 0 else { return .timedOut }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &chunk, chunk.count, 0)
        if count < 0 && errno == ECONNRESET { return .closed }
        guard count >= 0 else { throw TestSupportError("recv: \(String(cString: strerror(errno)))") }
        if count == 0 { return .closed }
        buffer.append(contentsOf: chunk[..<count])
        return .data
    }

    private func readResponse(timeoutSeconds: Double) throws -> RawResponse {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.upperBound
            if headerEnd == nil {
                switch try readMore(until: deadline) {
                case .data: continue
                case .closed: throw TestSupportError("connection closed before an answer (\(buffer.count) bytes read)")
                case .timedOut: throw TestSupportError("no answer within \(timeoutSeconds) s")
                }
            }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestSupportError("bad status line: \(head)")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < headerEnd! + length {
            guard try readMore(until: deadline) == .data else { throw TestSupportError("body cut short") }
        }
        let body = Array(buffer[headerEnd!..<(headerEnd! + length)])
        buffer.removeFirst(headerEnd! + length)
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// Sends a request with `Host` and, for a body, `Content-Length`, and reads its answer.
    public func request(
        _ method: String,
        _ target: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) async throws -> RawResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try await response()
    }
}
