import Foundation

/// A program a test starts and leaves running while it talks to it (a callback receiver
/// from the integration guide), stopped by `stop()` or, failing that, when released.
public final class BackgroundProgram: Sendable {
    private let process: ChildProcess
    private let output: OutputCollector

    /// Starts `executablePath` with `arguments`, with `environment` added to the test's
    /// own, in `workingDirectory`.
    public init(
        _ executablePath: String, _ arguments: [String], environment: [String: String] = [:],
        workingDirectory: URL
    ) throws {
        let process = try ChildProcess(
            executablePath, arguments, environment: environment, workingDirectory: workingDirectory.path,
            mergingErrors: true)
        self.process = process
        output = OutputCollector(process)
    }

    deinit {
        if process.isRunning { kill(process.identifier, SIGKILL) }
    }

    /// Everything the program printed so far, standard output and error together.
    public var printed: String { output.text }

    /// Kills the program and waits for it to exit.
    public func stop() async throws {
        try await onOwnThread { [process] in
            if process.isRunning { kill(process.identifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now, for a program that must be told
/// its port (the guide's receivers read `PORT`); the system does not hand it out again at
/// once, so the program can take it.
public func unusedLoopbackPort() throws -> UInt16 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw TestSupportError("bind: \(String(cString: strerror(errno)))") }
    return UInt16(bigEndian: address.sin_port)
}

extension RawConnection {
    /// A connection to `port` once something listens there, trying for `timeoutSeconds`.
    public static func whenListening(port: UInt16, timeoutSeconds: Double) async throws -> RawConnection {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            do {
                return try RawConnection(port: port)
            } catch  where Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
