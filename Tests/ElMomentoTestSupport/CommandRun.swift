import Foundation
import Synchronization

/// What a finished command printed, and how it exited.
public struct CommandResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Runs `elmomento` with `arguments` to its end, as an operator would from a shell.
/// A command still running after `timeoutSeconds` is killed and the call throws, so a
/// command that wrongly starts serving fails its test instead of hanging it.
public func runElmomento(
    _ arguments: [String],
    environment: [String: String] = [:],
    timeoutSeconds: Double = 20
) async throws -> CommandResult {
    try await runProgram(
        GatewayProcess.binaryPath, arguments, environment: environment, timeoutSeconds: timeoutSeconds)
}

/// Runs the program at `executablePath` with `arguments` to its end, with `environment`
/// added to the test's own, in `workingDirectory` when given; killed after
/// `timeoutSeconds`, and the call throws.
public func runProgram(
    _ executablePath: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    workingDirectory: URL? = nil,
    timeoutSeconds: Double
) async throws -> CommandResult {
    try await onOwnThread {
        let child = try ChildProcess(
            executablePath, arguments, environment: environment, workingDirectory: workingDirectory?.path,
            mergingErrors: false)
        let watchdog = DispatchWorkItem { [child] in
            if child.isRunning { kill(child.identifier, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
        defer { watchdog.cancel() }
        // Both pipes are drained at once, so a program that fills one cannot block on it
        // while this waits for the other. On a thread of its own: a blocked Dispatch worker
        // would take one of the two that Swift's tasks run on here.
        let complained = Mutex(Data())
        let errorsRead = DispatchGroup()
        errorsRead.enter()
        Thread {
            let data = child.readErrors()
            complained.withLock { $0 = data }
            errorsRead.leave()
        }.start()
        let printed = child.readOutput()
        errorsRead.wait()
        if child.wasKilled(by: SIGKILL) {
            throw TestSupportError("\(executablePath) \(arguments.joined(separator: " ")) ran past \(timeoutSeconds) s")
        }
        return CommandResult(
            status: child.terminationStatus,
            standardOutput: String(decoding: printed, as: UTF8.self),
            standardError: String(decoding: complained.withLock { $0 }, as: UTF8.self)
        )
    }
}
