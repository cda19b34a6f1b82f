import ElMomentoHTTP
import ElMomentoServer
import Testing

@testable import elmomento

/// Every `serve` option reaches the limit it names.
@Suite struct ServeOptionsTests {
    private func configuration(_ tokens: [String]) throws -> HTTPServerConfiguration {
        let parsed = try #require(try ServeCommand.command.spec.parse(tokens))
        return try ServeCommand.configuration(from: parsed)
    }

    @Test func eachOptionSetsItsLimit() throws {
        let configuration = try configuration([
            "--host", "::1", "--port", "0", "--threads", "3",
            "--connection-idle-timeout-seconds", "7", "--request-receive-timeout-seconds", "2.5",
            "--handler-timeout-seconds", "4", "--connections-max", "900", "--connections-per-address-max", "300",
            "--connection-memory-bytes-max", "16384", "--body-bytes-max", "1000", "--shutdown-grace-seconds", "1.5",
        ])
        #expect(configuration.host == "::1")
        #expect(configuration.port == 0)
        #expect(configuration.threadCount == 3)
        #expect(configuration.connectionIdleTimeoutSeconds == 7)
        #expect(configuration.requestReceiveTimeoutSeconds == 2.5)
        #expect(configuration.handlerTimeoutSeconds == 4)
        #expect(configuration.connectionsMax == 900)
        #expect(configuration.connectionsPerAddressMax == 300)
        #expect(configuration.connectionMemoryBytesMax == 16384)
        #expect(configuration.bodyBytesMax == 1000)
        #expect(configuration.shutdownGraceSeconds == 1.5)
    }

    @Test func omittedOptionsKeepTheDefaults() throws {
        let configuration = try configuration([])
        let defaults = HTTPServerConfiguration()
        #expect(configuration.host == defaults.host)
        #expect(configuration.port == defaults.port)
        #expect(configuration.bodyBytesMax == 65536)
        #expect(configuration.connectionsPerAddressMax >= 256)
    }

    @Test func optionsTakeEitherSpellingAndComeInAnyOrder() throws {
        let parsed = try #require(try ServeCommand.command.spec.parse(["--port=9090", "--host", "127.0.0.2"]))
        #expect(parsed.values == ["port": "9090", "host": "127.0.0.2"])
    }

    @Test(arguments: [
        ["--port", "65536"], ["--threads", "0"], ["--body-bytes-max", "-1"], ["--handler-timeout-seconds", "nan"],
        ["--host", "gateway.example"], ["--connection-memory-bytes-max", "100"],
    ])
    func outOfRangeValuesAreUsageErrors(_ tokens: [String]) {
        #expect(throws: UsageError.self) { try configuration(tokens) }
    }

    private func rateLimits(_ tokens: [String]) throws -> RateLimitConfiguration {
        let parsed = try #require(try ServeCommand.command.spec.parse(tokens))
        return try ServeCommand.rateLimits(from: parsed)
    }

    @Test func rateLimitOptionsSetTheirLimits() throws {
        let rateLimits = try rateLimits([
            "--auth-failures-per-minute", "5", "--trusted-proxy", "10.0.0.0/8, fd00::/8,127.0.0.1",
        ])
        #expect(rateLimits.authFailuresPerMinute == 5)
        #expect(rateLimits.trustedProxies.networks.map(\.description) == ["10.0.0.0/8", "fd00::/8", "127.0.0.1/32"])
    }

    @Test func withoutRateLimitOptionsSixtyFailuresAMinuteAndNoProxy() throws {
        let rateLimits = try rateLimits([])
        #expect(rateLimits.authFailuresPerMinute == 60)
        #expect(rateLimits.trustedProxies.networks.isEmpty)
    }

    @Test(arguments: [
        ["--auth-failures-per-minute", "0"], ["--auth-failures-per-minute", "many"],
        ["--trusted-proxy", "10.0.0.0/33"], ["--trusted-proxy", "10.0.0.0/8,"], ["--trusted-proxy", "proxy.example"],
        ["--trusted-proxy", ""], ["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "192.168.0.0/16"],
        ["--demo", "--demo"],
    ])
    func badRateLimitValuesAreUsageErrors(_ tokens: [String]) {
        #expect(throws: UsageError.self) { try rateLimits(tokens) }
    }

    @Test func helpIsNotAnError() throws {
        #expect(try ServeCommand.command.spec.parse(["--port", "1", "--help"]) == nil)
    }
}
