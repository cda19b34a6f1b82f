import ElMomentoCore
import ElMomentoStore

/// Settles the deposits nobody else will: expires those past their time to live and, in
/// sandbox with `--sandbox-auto-settle`, completes those old enough, for unattended demos.
///
/// Every change goes through `GatewayStore.changeOrder`, which re-reads the status inside its
/// transaction: when sweeps overlap (two instances, a slow pass) the second finds the order
/// settled and changes nothing, so no order is expired twice.
public struct DepositSweeper: Sendable {
    /// Deposits changed in one pass at most; more are left for the next.
    public static let depositsPerSweepMax = 512

    private let store: any GatewayStore
    private let clock: any GatewayClock
    private let autoSettleSeconds: Int?

    /// A sweeper over `store`; `autoSettleSeconds` completes sandbox deposits that old.
    public init(store: any GatewayStore, clock: any GatewayClock, autoSettleSeconds: Int?) {
        precondition(autoSettleSeconds == nil || store.environment == .sandbox, "only sandbox settles by itself")
        self.store = store
        self.clock = clock
        self.autoSettleSeconds = autoSettleSeconds
    }

    /// Sweeps every `intervalMilliseconds` until the calling task is cancelled. A pass that
    /// fails (the database briefly unavailable) is logged, and the next one tries again.
    public func run(intervalMilliseconds: Int, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await sweep()
            } catch {
                logger.log("error", "deposit sweep failed", [("error", .string(String(describing: error)))])
            }
            try? await Task.sleep(for: .milliseconds(intervalMilliseconds))
        }
    }

    /// One pass; returns how many deposits it changed.
    @discardableResult
    public func sweep() async throws -> Int {
        let now = Int64(clock.millisecondsSince1970())
        // Expired first: a deposit past its time to live is never settled by a sweep that comes late.
        let expiring = try await store.pendingDepositIDs(
            dueBy: .expiringBy(milliseconds: now), limit: Self.depositsPerSweepMax)
        var changed = try await apply(
            .expire, by: .expirySweeper, reason: "Not paid within its time to live.", to: expiring)
        if let autoSettleSeconds {
            let due = try await store.pendingDepositIDs(
                dueBy: .createdBy(milliseconds: now - Int64(autoSettleSeconds) * 1000), limit: Self.depositsPerSweepMax)
            changed += try await apply(
                .complete, by: .sandboxAutoSettle, reason: "Settled automatically (sandbox).", to: due)
        }
        return changed
    }

    /// Applies `action` to every order of `ids` at once, so that their writes share commits.
    private func apply(_ action: OrderAction, by actor: OrderActor, reason: String, to ids: [String]) async throws
        -> Int
    {
        let store = store
        let clock = clock
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            for id in ids {
                group.addTask {
                    let now = Int64(clock.millisecondsSince1970())
                    do {
                        _ = try await store.changeOrder(id: id, atMilliseconds: now) {
                            try $0.applying(action, by: actor, reason: reason, atMilliseconds: now)
                        }
                        return true
                    } catch is OrderTransitionRefused {
                        return false
                    } catch StoreError.orderChangedMeanwhile {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }
}
