import Foundation
import Synchronization

/// The real `elmomento` binary, serving on a free port, as merchants and operators
/// meet it.
///
/// Stop it with `stop()`; `withGateway` does so also when the test fails, and
/// `deinit` kills a server nobody stopped, so no test leaves one running.
public final class GatewayProcess: Sendable {
    public let port: UInt16
    /// The database file this server uses (a fresh temporary one unless given).
    public let databasePath: String
    private let process: ChildProcess
    private let output: OutputCollector

    /// The binary under test: next to the test bundle, or `ELMOMENTO_BINARY`.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["ELMOMENTO_BINARY"] { return path }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0])
        return testBundle.deletingLastPathComponent().appendingPathComponent("elmomento").path
    }

    /// A path for a database in a new temporary folder.
    public static func temporaryDatabasePath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "elmomento-test-\(UUID().uuidString)")
        return folder.appendingPathComponent("gateway.sqlite").path
    }

    /// Starts `elmomento serve --port 0` with `arguments` and waits for its port.
    public init(arguments: [String] = [], databasePath: String = GatewayProcess.temporaryDatabasePath()) throws {
        self.databasePath = databasePath
        let process = try ChildProcess(
            Self.binaryPath, ["serve", "--port", "0", "--database", databasePath] + arguments, mergingErrors: true)
        let output = OutputCollector(process)
        self.process = process
        self.output = output
        guard let line = output.waitForLine(containing: "\"message\":\"listening\"", timeoutSeconds: 30),
            let range = line.range(of: #""port":(\d+)"#, options: .regularExpression),
            let port = UInt16(line[range].dropFirst(7))
        else {
            kill(process.identifier, SIGKILL)
            throw TestSupportError("the gateway did not start: \(output.text.redactingSecrets)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.identifier, SIGKILL) }
    }

    /// Everything the server has written so far.
    public var log: String { output.text }

    /// The demo merchant's secret, as `serve --demo` prints it.
    public var demoSecret: String? {
        let marker = "Demo merchant 1xbet (sandbox), secret: "
        return output.waitForLine(containing: marker, timeoutSeconds: 1)?.components(separatedBy: marker).last
    }

    /// A client of this server as the demo merchant `1xbet`.
    public func demoClient() throws -> MerchantClient {
        guard let secret = demoSecret else { throw TestSupportError("the gateway was not started with --demo") }
        return MerchantClient(port: port, merchant: "1xbet", secret: secret)
    }

    public var processIdentifier: Int32 { process.identifier }

    /// Sends SIGTERM (once) and waits for the exit; SIGKILL after `timeoutSeconds`.
    /// Returns the exit status.
    @discardableResult
    public func stop(timeoutSeconds: Double = 40) async throws -> Int32 {
        if process.isRunning { kill(process.identifier, SIGTERM) }
        return try await waitForExit(timeoutSeconds: timeoutSeconds)
    }

    /// Waits for the process to exit; SIGKILL after `timeoutSeconds`.
    public func waitForExit(timeoutSeconds: Double) async throws -> Int32 {
        try await onOwnThread { [process] in
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(process.identifier, SIGKILL)
                process.waitUntilExit()
                throw TestSupportError("the gateway did not exit within \(timeoutSeconds) s and was killed")
            }
            return process.terminationStatus
        }
    }

    /// Opens a raw connection to the server.
    public func connect(sourceAddress: String? = nil) throws -> RawConnection {
        try RawConnection(port: port, sourceAddress: sourceAddress)
    }
}

/// Runs `body` with a started gateway and stops it afterwards, whether `body`
/// returns or throws.
public func withGateway<Result>(
    arguments: [String] = [],
    databasePath: String = GatewayProcess.temporaryDatabasePath(),
    _ body: (GatewayProcess) async throws -> Result
) async throws -> Result {
    let gateway = try await onOwnThread { try GatewayProcess(arguments: arguments, databasePath: databasePath) }
    do {
        let result = try await body(gateway)
        try await gateway.stop()
        return result
    } catch {
        _ = try? await gateway.stop(timeoutSeconds: 5)
        throw error
    }
}

/// Collects a child process's output from its pipe, on a thread of its own.
final class OutputCollector: Sendable {
    private let lines = Mutex<[String]>([])

    init(_ process: ChildProcess) {
        Thread { [self] in
            var pending = Data()
            while true {
                let chunk = ChildProcess.readSome(process.outputDescriptor)
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lines.withLock { $0.append(line) }
                }
            }
        }.start()
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func waitForLine(containing fragment: String, timeoutSeconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let line = lines.withLock({ $0.first { $0.contains(fragment) } }) { return line }
            usleep(10_000)
        }
        return nil
    }
}

extension String {
    /// The text with every merchant secret (`sk_test_…`, `sk_live_…`) hidden, for messages a test prints.
    public var redactingSecrets: String {
        replacingOccurrences(of: #"sk_(test|live)_[A-Za-z0-9_-]+"#, with: "sk_$1_…", options: .regularExpression)
    }
}
