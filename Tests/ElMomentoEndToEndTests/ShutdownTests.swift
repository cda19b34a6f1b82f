import ElMomentoTestSupport
import Foundation
import Testing

@Suite struct ShutdownTests {
    @Test func sigtermDuringASlowRequestLetsItFinishAndExitsZero() async throws {
        let gateway = try await onOwnThread { try GatewayProcess() }
        let connection = try gateway.connect()
        try connection.send(
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"a\":")
        try await Task.sleep(for: .milliseconds(200))
        kill(gateway.processIdentifier, SIGTERM)
        let refused = try await RawConnection.connectionsAreRefused(port: gateway.port)
        #expect(refused, "no new connections once stopping")
        try connection.send(" 1}\r\n")
        let response = try await connection.response()
        #expect(response.status == 405)
        #expect(response.error?["code"] as? String == "method_not_allowed")
        #expect(try await gateway.waitForExit(timeoutSeconds: 10) == 0)
        #expect(gateway.log.contains("\"message\":\"stopped\""))
    }

    @Test func sigtermWithIdleKeptAliveConnectionsExitsPromptly() async throws {
        let gateway = try await onOwnThread { try GatewayProcess() }
        let idle = try (0..<5).map { _ in try gateway.connect() }
        for connection in idle {
            #expect(try await connection.request("GET", "/healthz").status == 200)
        }
        let started = Date()
        #expect(try await gateway.stop(timeoutSeconds: 10) == 0)
        #expect(Date().timeIntervalSince(started) < 3)
        for connection in idle {
            #expect(try await connection.waitForClose(timeoutSeconds: 1))
        }
    }
}
