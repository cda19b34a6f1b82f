import Foundation

/// Runs blocking work (socket reads, waiting for a process) on a thread of its own.
///
/// Swift's cooperative pool has as many threads as cores (two here): a test that
/// blocked one of them would slow every other test, and could starve the in-process
/// server it is waiting for.
public func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// A test-support failure, with what went wrong.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Whether `condition` holds within `seconds`, asked every 50 ms: for what another process
/// does in its own time (a server's background service, a command's commit).
public func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}
