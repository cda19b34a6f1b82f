import ElMomentoCore

/// A long-lived part of the server (the callback dispatcher, the deposit sweeper): a pass
/// repeated every `intervalMilliseconds` until stopped. A pass that fails is logged and
/// the next one tries again, since a database that is briefly unavailable must not end it.
public final class BackgroundService: Sendable {
    private let task: Task<Void, Never>

    /// Starts running `pass` every `intervalMilliseconds`.
    public init(
        name: String, intervalMilliseconds: Int, logger: Logger, _ pass: @escaping @Sendable () async throws -> Void
    ) {
        task = Task {
            while !Task.isCancelled {
                do {
                    try await pass()
                } catch {
                    logger.log("error", "\(name) pass failed", [("error", .string(String(describing: error)))])
                }
                try? await Task.sleep(for: .milliseconds(intervalMilliseconds))
            }
        }
    }

    /// Stops after the pass in progress, if any.
    public func stop() async {
        task.cancel()
        await task.value
    }
}
