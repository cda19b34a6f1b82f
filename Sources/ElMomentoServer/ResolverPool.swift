import Foundation
import Synchronization

/// A few threads of their own that run blocking host-name lookups for the callback
/// transport, so a slow resolver delays only the attempts waiting for it: not the
/// transport's thread, and not Swift's cooperative pool.
final class ResolverPool: Sendable {
    private let work = Mutex<(jobs: [@Sendable () -> Void], isStopped: Bool)>(([], false))
    private let jobsAvailable = DispatchSemaphore(value: 0)
    private let threadCount: Int

    /// Starts `threadCount` threads named `callback-dns` (Linux takes at most 15 bytes).
    init(threadCount: Int) {
        self.threadCount = threadCount
        for _ in 0..<threadCount {
            // Each thread keeps the pool alive until it has seen the stop.
            Thread { [self] in
                Thread.current.name = "callback-dns"
                serve()
            }.start()
        }
    }

    /// Runs `job` on one of the threads; dropped once stopped.
    func submit(_ job: @escaping @Sendable () -> Void) {
        let accepted = work.withLock { work in
            guard !work.isStopped else { return false }
            work.jobs.append(job)
            return true
        }
        if accepted { jobsAvailable.signal() }
    }

    /// Drops the jobs not started and lets every thread end after its current one, without
    /// waiting for it: a lookup can block for seconds, and its answer is no longer wanted.
    func stop() {
        work.withLock { work in
            work.isStopped = true
            work.jobs.removeAll()
        }
        for _ in 0..<threadCount { jobsAvailable.signal() }
    }

    private func serve() {
        while true {
            jobsAvailable.wait()
            let (job, isStopped) = work.withLock { work -> ((@Sendable () -> Void)?, Bool) in
                (work.isStopped || work.jobs.isEmpty ? nil : work.jobs.removeFirst(), work.isStopped)
            }
            if isStopped { return }
            job?()
        }
    }
}
