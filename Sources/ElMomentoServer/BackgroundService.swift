/// A long-lived part of the server (the callback dispatcher, the deposit sweeper), started
/// with the server and stopped with it, in reverse order, on SIGTERM.
public final class BackgroundService: Sendable {
    private let task: Task<Void, Never>

    /// Starts `body`, which runs until its task is cancelled.
    public init(_ body: @escaping @Sendable () async -> Void) {
        task = Task { await body() }
    }

    /// Cancels the service and waits for it to finish what it has in hand.
    public func stop() async {
        task.cancel()
        await task.value
    }
}
