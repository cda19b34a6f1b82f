import ElMomentoTestSupport
import Foundation
import Testing

/// The HTTP engine's guarantees, shown on the real binary over real sockets.
@Suite struct HTTPGuaranteeTests {
    private func expectEnvelope(_ response: RawResponse, status: Int, code: String) {
        #expect(response.status == status)
        #expect(response.error?["code"] as? String == code)
        let requestID = response.header("X-Request-Id")
        #expect(requestID?.hasPrefix("req_") == true)
        #expect(response.error?["request_id"] as? String == requestID)
    }

    @Test func anUnknownRouteAndAWrongMethodGetTheJSONEnvelope() async throws {
        try await withGateway { gateway in
            let connection = try gateway.connect()
            expectEnvelope(try await connection.request("GET", "/api/1xbet/nothing/"), status: 404, code: "not_found")
            let wrongMethod = try await connection.request("PUT", "/healthz", body: Array("{}".utf8))
            expectEnvelope(wrongMethod, status: 405, code: "method_not_allowed")
            #expect(wrongMethod.header("Allow") == "GET, HEAD")
            let health = try await connection.request("GET", "/healthz")
            #expect(health.status == 200)
            #expect(health.header("X-Request-Id")?.hasPrefix("req_") == true)
        }
    }

    @Test func eachRequestIsLoggedAsOneJSONLine() async throws {
        try await withGateway { gateway in
            let response = try await gateway.connect().request("GET", "/healthz")
            let requestID = try #require(response.header("X-Request-Id"))
            try await gateway.stop()
            let line = try #require(gateway.log.split(separator: "\n").first { $0.contains(requestID) })
            let fields = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(fields["route"] as? String == "/healthz")
            #expect(fields["status"] as? Int == 200)
            #expect(fields["latency_ms"] != nil)
        }
    }

    /// Request smuggling: each shape is refused with 400 and the connection closed, so
    /// the request hidden behind it is never answered.
    @Test(arguments: [
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
    ])
    func ambiguousFramingIsRefusedAndTheConnectionClosed(_ head: String) async throws {
        try await withGateway { gateway in
            let connection = try gateway.connect()
            try connection.send(head + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await connection.response()
            expectEnvelope(response, status: 400, code: "validation_failed")
            #expect(try await connection.waitForClose(timeoutSeconds: 5))
            #expect(connection.unreadByteCount == 0, "the smuggled request got an answer")
        }
    }

    /// A header name with trailing whitespace is ignored by libmicrohttpd unless refused;
    /// it may answer this one itself (in HTML), which is allowed for malformed HTTP.
    @Test func aHeaderNameWithWhitespaceIsRefusedAndTheConnectionClosed() async throws {
        try await withGateway { gateway in
            let connection = try gateway.connect()
            try connection.send(
                "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhelloGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            #expect(try await connection.response().status == 400)
            #expect(try await connection.waitForClose(timeoutSeconds: 5))
            #expect(connection.unreadByteCount == 0, "the smuggled request got an answer")
        }
    }

    @Test(arguments: [false, true])
    func aBodyAnnouncedTooLargeIsRefusedBeforeItIsSent(expectContinue: Bool) async throws {
        try await withGateway { gateway in
            let connection = try gateway.connect()
            let expectation = expectContinue ? "Expect: 100-continue\r\n" : ""
            try connection.send(
                "POST /api/1xbet/orders/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 10000000\r\n\(expectation)\r\n"
            )
            let response = try await connection.response()
            expectEnvelope(response, status: 413, code: "body_too_large")
            #expect(try await connection.waitForClose(timeoutSeconds: 5))
            #expect(connection.unreadByteCount == 0)
        }
    }

    @Test func aHeaderTrickleIsCutOffAtTheReceiveDeadline() async throws {
        try await withGateway(arguments: ["--request-receive-timeout-seconds", "3"]) { gateway in
            let connection = try gateway.connect()
            let started = Date()
            try connection.send("GET /healthz HTTP/1.1\r\n")
            var closed = false
            for byte in "Host: example\r\n".utf8 where !closed {
                try? connection.send([byte])
                closed = try await connection.waitForClose(timeoutSeconds: 2)
                if Date().timeIntervalSince(started) < 2.5 { #expect(!closed, "open before the deadline") }
            }
            #expect(closed)
            #expect(Date().timeIntervalSince(started) < 6)
        }
    }

    @Test func aBodyTrickleIsCutOffAtTheReceiveDeadline() async throws {
        try await withGateway(arguments: ["--request-receive-timeout-seconds", "3"]) { gateway in
            let connection = try gateway.connect()
            let started = Date()
            try connection.send(
                "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n")
            let closed = try await connection.trickle(#"{"amount": 500000}  "#, secondsPerByte: 2)
            #expect(closed)
            #expect(Date().timeIntervalSince(started) < 6)
        }
    }

    @Test func thousandsOfIdleConnectionsFromOtherAddressesDoNotLockOutAClient() async throws {
        try raiseOpenFileLimit(to: 8192)
        try await withGateway { gateway in
            let idle = try await onOwnThread {
                try (2..<14).flatMap { host in
                    try (0..<250).map { _ in try gateway.connect(sourceAddress: "127.0.0.\(host)") }
                }
            }
            #expect(idle.count == 3000)
            let response = try await gateway.connect(sourceAddress: "127.0.0.1").request("GET", "/healthz")
            #expect(response.status == 200)
            withExtendedLifetime(idle) {}
        }
    }

    /// SPEC 3.7: up to 256 connections from one address are served, not refused.
    @Test func threeHundredConnectionsFromOneAddressAreAllServed() async throws {
        try raiseOpenFileLimit(to: 8192)
        try await withGateway { gateway in
            let connections = try await onOwnThread {
                try (0..<300).map { _ in try gateway.connect(sourceAddress: "127.0.0.20") }
            }
            var statuses: [Int] = []
            for connection in connections {
                statuses.append(try await connection.request("GET", "/healthz").status)
            }
            #expect(statuses == Array(repeating: 200, count: 300))
        }
    }
}

/// Lets this test process hold thousands of sockets.
func raiseOpenFileLimit(to wanted: UInt) throws {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    guard limit.rlim_cur < wanted else { return }
    limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
    guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= wanted else {
        throw TestSupportError("cannot raise the open-file limit to \(wanted) (hard limit \(limit.rlim_max))")
    }
}
