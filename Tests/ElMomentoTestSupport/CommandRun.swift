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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
        defer { watchdog.cancel() }
        // Both pipes are drained at once, so a program that fills one cannot block on it
        // while this waits for the other.
        let complained = Mutex(Data())
        let errorsRead = DispatchGroup()
        let errorHandle = errors.fileHandleForReading
        DispatchQueue.global().async(group: errorsRead) {
            let data = errorHandle.readDataToEndOfFile()
            complained.withLock { $0 = data }
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
            throw TestSupportError("\(executablePath) \(arguments.joined(separator: " ")) ran past \(timeoutSeconds) s")
        }
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: printed, as: UTF8.self),
            standardError: String(decoding: complained.withLock { $0 }, as: UTF8.self)
        )
    }
}
