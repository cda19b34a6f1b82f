import Dispatch
import Foundation
import Glibc
import Synchronization

/// The one component that writes to the database: a thread of its own, with its own
/// connection, taking writes from a queue.
///
/// Every write of the process goes through it, so that SQLite's single writer is never
/// contended from inside the process and the writes waiting at any moment can later
/// share one commit. A write's caller resumes only after its transaction is durably
/// committed (WAL with `synchronous=FULL`), so an answer sent afterwards survives a crash.
final class SQLiteWriter: Sendable {
    private let queue = WriteQueue()

    /// Starts the thread, which owns `connection` from now on.
    init(connection: SQLiteConnection) {
        let owned = OwnedConnection(connection: connection)
        let thread = Thread { [queue] in queue.serve(owned.connection) }
        thread.name = "elmomento.sqlite-writer"
        thread.start()
    }

    deinit {
        queue.stop()
    }

    /// Runs `work` in its own `BEGIN IMMEDIATE` transaction on the writer's thread and
    /// returns its result once the transaction has committed; a throw rolls it back.
    func write<Value: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.submit(
                WriteQueue.Job(
                    run: { connection in
                        let value = try connection.writeTransaction { try work(connection) }
                        continuation.resume(returning: value)
                    },
                    fail: { continuation.resume(throwing: $0) }
                ))
        }
    }

    /// Finishes the writes already queued, refuses later ones, and waits for the thread.
    func stop() {
        queue.stop()
    }
}

/// A connection handed to the writer's thread.
///
/// `@unchecked Sendable` because it crosses to that thread exactly once, in `init`,
/// and nothing else keeps a reference to the connection.
private struct OwnedConnection: @unchecked Sendable {
    let connection: SQLiteConnection
}

/// The writes waiting for the writer's thread.
private final class WriteQueue: Sendable {
    /// A write: runs in a transaction and reports success itself, or throws and is failed.
    struct Job: Sendable {
        let run: @Sendable (SQLiteConnection) throws -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let state = Mutex<(jobs: [Job], isStopped: Bool)>(([], false))
    /// The writer's thread, so that a stop asked on it does not wait for itself.
    private let writerThread = Mutex<pthread_t?>(nil)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    func submit(_ job: Job) {
        let accepted = state.withLock { state in
            guard !state.isStopped else { return false }
            state.jobs.append(job)
            return true
        }
        guard accepted else { return job.fail(StoreError.closed) }
        wakeUp.signal()
    }

    func stop() {
        let wasRunning = state.withLock { state in
            defer { state.isStopped = true }
            return !state.isStopped
        }
        guard wasRunning else { return }
        wakeUp.signal()
        // Dropping the last reference to the store inside a write would stop it from the
        // writer's own thread: that thread ends after the write instead of being waited for.
        guard writerThread.withLock({ $0.map { pthread_equal($0, pthread_self()) == 0 } ?? true }) else { return }
        finished.wait()
    }

    /// The thread's loop: takes every waiting write, runs each, until stopped and drained.
    func serve(_ connection: SQLiteConnection) {
        writerThread.withLock { $0 = pthread_self() }
        defer { finished.signal() }
        while true {
            wakeUp.wait()
            let (jobs, isStopped) = state.withLock { state in
                defer { state.jobs.removeAll() }
                return (state.jobs, state.isStopped)
            }
            for job in jobs {
                do {
                    try job.run(connection)
                } catch {
                    job.fail(error)
                }
            }
            if isStopped { return }
        }
    }
}
