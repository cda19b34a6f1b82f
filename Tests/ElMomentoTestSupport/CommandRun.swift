import Foundation

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
    try await onOwnThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.binaryPath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
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
        // Read before waiting, so a command that prints a lot cannot block on a full pipe.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complained = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
            throw TestSupportError("elmomento \(arguments.joined(separator: " ")) ran past \(timeoutSeconds) s")
        }
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: printed, as: UTF8.self),
            standardError: String(decoding: complained, as: UTF8.self)
        )
    }
}
