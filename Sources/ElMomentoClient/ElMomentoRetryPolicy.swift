/// How often, and after what waits, a request that got no answer or a `5xx` is sent again.
///
/// Every attempt sends the same body bytes with a fresh `X-Timestamp` and signature; a
/// create is safe to repeat because its `orderID` makes it idempotent (SPEC 3.2). A `4xx` is
/// never retried: the request itself must change. The budget is bounded twice, by attempts
/// and by the total time spent waiting between them.
public struct ElMomentoRetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 means never retry.
    public var attemptsMax: Int
    /// The wait before the second attempt; each later wait doubles, up to `delaySecondsMax`.
    public var initialDelaySeconds: Double
    /// The longest single wait.
    public var delaySecondsMax: Double
    /// The most time spent waiting across all retries of one request: a retry whose wait
    /// would pass it is not made, and the last error is thrown instead.
    public var totalDelaySecondsMax: Double
    /// Waits the given number of seconds; tests pass one that records and returns at once.
    public var sleep: @Sendable (Double) async throws -> Void

    /// Three attempts, waiting 0.5 s then 1 s, at most 10 s in all.
    public static let standard = ElMomentoRetryPolicy()

    /// One attempt: errors reach the caller at once.
    public static let never = ElMomentoRetryPolicy(attemptsMax: 1)

    /// A policy; the defaults are `standard`'s.
    public init(
        attemptsMax: Int = 3, initialDelaySeconds: Double = 0.5, delaySecondsMax: Double = 8,
        totalDelaySecondsMax: Double = 10,
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        precondition(attemptsMax >= 1, "a request is attempted at least once")
        precondition(initialDelaySeconds >= 0 && delaySecondsMax >= 0 && totalDelaySecondsMax >= 0)
        self.attemptsMax = attemptsMax
        self.initialDelaySeconds = initialDelaySeconds
        self.delaySecondsMax = delaySecondsMax
        self.totalDelaySecondsMax = totalDelaySecondsMax
        self.sleep = sleep
    }

    /// The wait before attempt `attempt + 1` after `error` ended attempt `attempt` (counted
    /// from 1), having already waited `waitedSeconds`; `nil` when no retry is allowed.
    ///
    /// A `Retry-After` the gateway sent with a `503` is honoured when it is longer than the
    /// backoff, since the gateway knows better when it will be back.
    func delayBeforeRetry(after error: ElMomentoError, attempt: Int, waitedSeconds: Double) -> Double? {
        guard error.isRetryable, attempt < attemptsMax else { return nil }
        let backoff = min(initialDelaySeconds * Double(1 << min(attempt - 1, 30)), delaySecondsMax)
        let delay = max(backoff, Double(error.retryAfterSeconds ?? 0))
        guard waitedSeconds + delay <= totalDelaySecondsMax else { return nil }
        return delay
    }
}
