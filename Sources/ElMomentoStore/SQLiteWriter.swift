import Dispatch
import Foundation
import Glibc
import Synchronization

/// The one component that writes to the database: a thread of its own, with its own
/// connection, taking writes from a queue.
///
/// Every write of the process goes through it, so that SQLite's single writer is never
/// contended from inside the process, and the writes waiting at any moment share one
/// commit (group commit): one `fdatasync` for up to `writesPerCommitMax` of them. Each
/// write runs inside its own savepoint, so one that throws is undone alone. A write's
/// caller resumes only after the transaction is durably committed (WAL with
/// `synchronous=FULL`), so an answer sent afterwards survives a crash.
final class SQLiteWriter: Sendable {
    /// The most writes one commit takes: more would delay the first one's answer.
    static let writesPerCommitMax = 256

    private let queue = WriteQueue()

    /// Starts the thread, which owns `connection` from now on.
    init(connection: SQLiteConnection) {
        let owned = OwnedConnection(connection: connection)
        let thread = Thread { [queue] in
            // Named from inside, for `top -H`: on Linux a name set before `start` does not
            // reach the OS thread.
            Thread.current.name = "sqlite-writer"
            queue.serve(owned.connection)
        }
        thread.start()
    }

    deinit {
        queue.stop()
    }

    /// Runs `work` on the writer's thread, in a savepoint of a `BEGIN IMMEDIATE`
    /// transaction, and returns its result once that transaction has committed; a throw
    /// undoes what `work` did, and nothing else.
    func write<Value: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.submit(
                WriteQueue.Job(
                    run: { connection in
                        let value = try work(connection)
                        return { continuation.resume(returning: value) }
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
    /// A write: runs inside the batch's transaction and returns how to report its success
    /// once that has committed, or throws and is failed.
    struct Job: Sendable {
        let run: @Sendable (SQLiteConnection) throws -> @Sendable () -> Void
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
            var start = 0
            while start < jobs.count {
                let end = min(start + SQLiteWriter.writesPerCommitMax, jobs.count)
                Self.commit(jobs[start..<end], on: connection)
                start = end
            }
            if isStopped { return }
        }
    }

    /// Runs `jobs` in one transaction, each in a savepoint, and reports every outcome once
    /// the transaction has committed; when the transaction itself fails, every job fails.
    private static func commit(_ jobs: ArraySlice<Job>, on connection: SQLiteConnection) {
        var outcomes: [@Sendable () -> Void] = []
        do {
            try connection.execute("BEGIN IMMEDIATE")
            for job in jobs {
                try connection.execute("SAVEPOINT job")
                do {
                    let outcome = try job.run(connection)
                    try connection.execute("RELEASE job")
                    outcomes.append(outcome)
                } catch {
                    // An error SQLite answers by ending the whole transaction (a full
                    // disk, an I/O error) fails the batch; any other undoes this job alone.
                    guard connection.isInTransaction else { throw error }
                    try connection.execute("ROLLBACK TO job; RELEASE job")
                    outcomes.append { job.fail(error) }
                }
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            for job in jobs { job.fail(error) }
            return
        }
        for outcome in outcomes { outcome() }
    }
}
