import ElMomentoCore
import ElMomentoSigning
import ElMomentoStore
import Synchronization

/// Sends the outbox's callbacks (SPEC 6): keeps up to `inFlightMax` attempts going, takes
/// more from the store as they finish, signs each attempt afresh and records how it ended.
///
/// What was committed is sent at least once: a callback is taken from the store with a
/// lease past the attempt's timeout, so one whose attempt never got recorded (a crash, a
/// `kill -9`) falls due again when the lease ends, on this instance or another.
public final class CallbackDispatcher: Sendable {
    /// The dispatcher's limits and timings.
    public struct Configuration: Sendable {
        /// Attempts in flight at once; more due callbacks wait their turn.
        public var inFlightMax = 64
        /// Attempts in flight at once for one merchant, so that a merchant whose receiver is
        /// slow or down holds a share of the attempts and never all of them.
        public var inFlightPerMerchantMax = 32
        /// How long a receiver has to answer (SPEC 6: 10 s).
        public var timeoutSeconds = 10
        /// The scale of the retry schedule; 10 is the SPEC's (10 s, 30 s, 2 min, …).
        public var backoffBaseSeconds = 10.0
        /// How often the store is asked for due callbacks when there is nothing in flight.
        public var pollIntervalMilliseconds = 500
        /// Kept past the timeout before an unrecorded attempt is tried again.
        public var leaseMarginMilliseconds = 30_000

        /// The SPEC's timings and at most 64 attempts in flight.
        public init() {}
    }

    private let store: any GatewayStore
    private let directory: MerchantDirectory
    private let transport: any CallbackSending
    private let clock: any GatewayClock
    private let configuration: Configuration
    private let logger: Logger

    /// A dispatcher sending through `transport`, signing with the merchants' current secrets.
    public convenience init(
        store: any GatewayStore, vault: SecretVault, transport: any CallbackSending, clock: any GatewayClock,
        configuration: Configuration, logger: Logger
    ) {
        self.init(
            store: store, directory: MerchantDirectory(store: store, vault: vault, clock: clock), transport: transport,
            clock: clock, configuration: configuration, logger: logger)
    }

    init(
        store: any GatewayStore, directory: MerchantDirectory, transport: any CallbackSending, clock: any GatewayClock,
        configuration: Configuration, logger: Logger
    ) {
        self.store = store
        self.directory = directory
        self.transport = transport
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// Sends callbacks until the calling task is cancelled, then lets the attempts in flight
    /// finish (each within the timeout) and returns.
    public func run() async {
        enum Finished { case attempt, tick }
        // Counted down by each attempt as it ends, not as the group hands the ends back one at
        // a time: every place freed while a claim was committing is refilled by the next claim,
        // rather than one place per claim, which cost a commit per callback.
        let inFlight = AttemptsInFlight()
        await withTaskGroup(of: Finished.self) { group in
            var tickPending = false
            while !Task.isCancelled {
                let (total, byMerchant) = inFlight.counts
                let claimed = await claim(upTo: configuration.inFlightMax - total, inFlight: byMerchant)
                for callback in claimed {
                    inFlight.add(1, for: callback.merchantSlug)
                    group.addTask {
                        await self.attempt(callback)
                        inFlight.add(-1, for: callback.merchantSlug)
                        return .attempt
                    }
                }
                if !tickPending {
                    group.addTask { [configuration] in
                        try? await Task.sleep(for: .milliseconds(configuration.pollIntervalMilliseconds))
                        return .tick
                    }
                    tickPending = true
                }
                switch await group.next() {
                case .attempt: break
                case .tick: tickPending = false
                case nil: return
                }
            }
        }
    }

    /// Up to `count` due callbacks, merchants taking turns, none when the store cannot be read
    /// (the next tick tries again).
    private func claim(upTo count: Int, inFlight: [String: Int]) async -> [DueCallback] {
        guard count > 0 else { return [] }
        let leaseMilliseconds =
            Int64(configuration.timeoutSeconds) * 1000 + Int64(configuration.leaseMarginMilliseconds)
        do {
            return try await store.claimDueCallbacks(
                atMilliseconds: Int64(clock.millisecondsSince1970()), leaseMilliseconds: leaseMilliseconds,
                limit: count, perMerchantMax: configuration.inFlightPerMerchantMax, inFlight: inFlight)
        } catch {
            logger.log("error", "callbacks could not be claimed", [("error", .string(String(describing: error)))])
            return []
        }
    }

    /// One attempt of `callback`, recorded with what follows it.
    func attempt(_ callback: DueCallback) async {
        let startedAt = Int64(clock.millisecondsSince1970())
        let response: CallbackResponse
        do {
            response = try await send(callback)
        } catch {
            response = CallbackResponse(
                statusCode: nil, retryAfterSeconds: nil, latencyMilliseconds: 0,
                error: "not signed: \(String(describing: error))")
        }
        let now = Int64(clock.millisecondsSince1970())
        let outcome = outcome(of: response, for: callback, at: now)
        logger.log(
            "info", "callback attempt",
            [
                ("webhook_id", .string(callback.webhookID)), ("merchant", .string(callback.merchantSlug)),
                ("attempt", .integer(callback.attemptCount + 1)),
                ("status", response.statusCode.map { .integer($0) } ?? .null), ("error", .optional(response.error)),
                ("latency_ms", .integer(response.latencyMilliseconds)), ("outcome", .string(outcome.name)),
            ])
        do {
            try await store.recordCallbackAttempt(
                callback,
                CallbackAttempt(
                    atMilliseconds: startedAt, statusCode: response.statusCode,
                    latencyMilliseconds: response.latencyMilliseconds, error: response.error),
                outcome: outcome)
        } catch {
            // Unrecorded, the callback falls due again when its lease ends: sent twice, never lost.
            logger.log("error", "callback attempt not recorded", [("error", .string(String(describing: error)))])
        }
    }

    private func send(_ callback: DueCallback) async throws -> CallbackResponse {
        guard let merchant = try await directory.merchant(slug: callback.merchantSlug), !merchant.signers.isEmpty else {
            throw CallbackNotSignable(merchantSlug: callback.merchantSlug)
        }
        let timestamp = String(clock.secondsSince1970())
        let webhookSignatures = merchant.webhookSigners.map {
            $0.sign(webhookID: callback.webhookID, timestamp: timestamp, body: callback.body)
        }
        return await transport.send(
            CallbackRequest(
                url: callback.url,
                headers: [
                    ("Content-Type", "application/json"), ("User-Agent", "ElMomento-Callbacks/1"),
                    ("X-Timestamp", timestamp),
                    ("Signature", merchant.signers[0].sign(timestamp: timestamp, body: callback.body)),
                    ("Webhook-Id", callback.webhookID), ("webhook-timestamp", timestamp),
                    ("webhook-signature", webhookSignatures.joined(separator: " ")),
                ],
                body: callback.body))
    }

    private func outcome(of response: CallbackResponse, for callback: DueCallback, at now: Int64) -> CallbackOutcome {
        if response.isAcknowledged { return .delivered }
        var random = SystemRandomNumberGenerator()
        let decision = CallbackRetrySchedule(baseSeconds: configuration.backoffBaseSeconds).decision(
            afterAttempt: callback.attemptCount + 1, statusCode: response.statusCode,
            retryAfterSeconds: response.retryAfterSeconds,
            firstAttemptAtMilliseconds: callback.firstAttemptAtMilliseconds,
            nowMilliseconds: now, using: &random)
        return switch decision {
        case .retry(let atMilliseconds): .retry(atMilliseconds: atMilliseconds)
        case .giveUp: .gaveUp
        }
    }
}

/// The attempts a dispatcher has in flight, per merchant: counted up by its loop, down by
/// the attempts as they end.
private final class AttemptsInFlight: Sendable {
    private let byMerchant = Mutex<[String: Int]>([:])

    /// Attempts in flight in all, and per merchant slug.
    var counts: (total: Int, byMerchant: [String: Int]) {
        byMerchant.withLock { ($0.values.reduce(0, +), $0) }
    }

    func add(_ delta: Int, for merchantSlug: String) {
        byMerchant.withLock { counts in
            let count = counts[merchantSlug, default: 0] + delta
            counts[merchantSlug] = count == 0 ? nil : count
        }
    }
}

/// Sends one callback request; `CallbackTransport` over libcurl, or a test's stand-in.
public protocol CallbackSending: Sendable {
    /// Makes the attempt and tells how it went; never throws, since every failure is an answer.
    func send(_ request: CallbackRequest) async -> CallbackResponse
}

extension CallbackTransport: CallbackSending {}

/// A callback whose merchant has no secret to sign it with (deleted meanwhile).
struct CallbackNotSignable: Error, CustomStringConvertible {
    let merchantSlug: String
    var description: String { "merchant \(merchantSlug) has no valid secret" }
}

extension CallbackOutcome {
    fileprivate var name: String {
        switch self {
        case .delivered: "delivered"
        case .retry: "retry"
        case .gaveUp: "gave_up"
        }
    }
}
