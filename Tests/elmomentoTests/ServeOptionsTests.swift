import ElMomentoHTTP
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

    @Test func helpIsNotAnError() throws {
        #expect(try ServeCommand.command.spec.parse(["--port", "1", "--help"]) == nil)
    }
}
