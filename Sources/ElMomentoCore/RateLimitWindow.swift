/// A rolling-window request count (SPEC 3.7): no `windowSeconds` span of time ever holds
/// more admitted requests than the limit, whatever the limit, in memory that does not grow
/// with it.
///
/// Requests are counted per whole second of the clock, in one bucket per second that had
/// any: at most `windowSeconds + 1` of them, so a limit of a billion an hour costs what a
/// limit of ten does. A request is admitted while the buckets of the last `windowSeconds + 1`
/// seconds, the current one included, hold fewer than the limit. Any real span of
/// `windowSeconds` touches at most that many whole seconds, so none can admit more than the
/// limit; the price is that a request is held up to one second longer than strictly needed.
///
/// Neither a fixed clock window (twice the limit across its edge) nor GCRA with a burst of
/// the limit (which lets nearly twice the limit through one window) keeps that promise.
public struct RateLimitWindow: Sendable {
    private struct Bucket: Sendable {
        let second: Int64
        var count: Int
    }

    /// The length of the rolling window.
    public let windowSeconds: Int
    /// Buckets oldest first from `firstLive`; the ones before it have expired and are dropped
    /// in one move once they are as many as the live ones, so each costs O(1) on average.
    private var buckets: [Bucket] = []
    private var firstLive = 0
    /// The sum of the live buckets' counts.
    private var liveCount = 0

    /// An empty window of `windowSeconds` (at least one).
    public init(windowSeconds: Int) {
        precondition(windowSeconds >= 1, "a rate-limit window shorter than a second")
        self.windowSeconds = windowSeconds
    }

    /// Counts one request at `atMilliseconds` if fewer than `limit` are counted in the window,
    /// and tells what became of it: a refused request is not counted.
    public mutating func take(limit: Int, atMilliseconds: Int64) -> RateLimitDecision {
        let now = advance(to: atMilliseconds)
        guard liveCount < limit else { return refusal(limit: limit, now: now) }
        if buckets.last?.second == now {
            buckets[buckets.count - 1].count += 1
        } else {
            buckets.append(Bucket(second: now, count: 1))
        }
        liveCount += 1
        return admission(limit: limit, now: now)
    }

    /// What `take` would decide at `atMilliseconds`, counting nothing.
    public mutating func peek(limit: Int, atMilliseconds: Int64) -> RateLimitDecision {
        let now = advance(to: atMilliseconds)
        return liveCount < limit ? admission(limit: limit, now: now) : refusal(limit: limit, now: now)
    }

    /// Whether nothing is counted any more at `atMilliseconds`, so the window can be forgotten.
    public func isEmpty(atMilliseconds: Int64) -> Bool {
        guard let newest = buckets.last else { return true }
        return newest.second < atMilliseconds / 1000 - Int64(windowSeconds)
    }

    /// Buckets held in memory, live or awaiting removal (for tests of the memory bound).
    var storedBucketCount: Int { buckets.count }

    /// The second `atMilliseconds` falls in, once the buckets older than its window are
    /// dropped. Never before the newest bucket, so a clock that steps back neither reorders
    /// the buckets nor frees a request early.
    ///
    /// Afterwards every bucket from `firstLive` on is live, and there is one unless none is held.
    private mutating func advance(to atMilliseconds: Int64) -> Int64 {
        let now = max(atMilliseconds / 1000, buckets.last?.second ?? .min)
        let oldestKept = now - Int64(windowSeconds)
        while firstLive < buckets.count, buckets[firstLive].second < oldestKept {
            liveCount -= buckets[firstLive].count
            firstLive += 1
        }
        if firstLive > 0, firstLive >= buckets.count - firstLive {
            buckets.removeFirst(firstLive)
            firstLive = 0
        }
        return now
    }

    /// An admission at second `now`: reset when the oldest request counted leaves.
    private func admission(limit: Int, now: Int64) -> RateLimitDecision {
        let resetSeconds = firstLive < buckets.count ? secondsLeaving(buckets[firstLive], now: now) : 0
        return RateLimitDecision(
            isAllowed: true, limit: limit, remaining: limit - liveCount, resetSeconds: resetSeconds,
            windowSeconds: windowSeconds)
    }

    /// A request leaves the window `windowSeconds + 1` seconds after the start of its second.
    private func secondsLeaving(_ bucket: Bucket, now: Int64) -> Int {
        Int(bucket.second + Int64(windowSeconds) + 1 - now)
    }

    /// The refusal at second `now`: admitted again once enough of the oldest requests have
    /// left for fewer than `limit` to remain, which takes longer after the limit was lowered.
    private func refusal(limit: Int, now: Int64) -> RateLimitDecision {
        var remainingCount = liveCount
        // A limit of zero or less never admits: told to wait the whole window.
        var waitSeconds = windowSeconds
        for bucket in buckets[firstLive...] where limit > 0 {
            remainingCount -= bucket.count
            if remainingCount < limit {
                waitSeconds = secondsLeaving(bucket, now: now)
                break
            }
        }
        return RateLimitDecision(
            isAllowed: false, limit: limit, remaining: 0, resetSeconds: waitSeconds, windowSeconds: windowSeconds)
    }
}

/// What a rate limit made of one request, and what its answer tells the client (SPEC 3.7).
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request was admitted (and counted).
    public let isAllowed: Bool
    /// Requests admitted in any window.
    public let limit: Int
    /// Requests still admitted in the window now, after this one.
    public let remaining: Int
    /// Seconds until the window frees a request; for a refusal, until one would be admitted.
    public let resetSeconds: Int
    /// The window's length.
    public let windowSeconds: Int

    /// A decision with every field given.
    public init(isAllowed: Bool, limit: Int, remaining: Int, resetSeconds: Int, windowSeconds: Int) {
        self.isAllowed = isAllowed
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
        self.windowSeconds = windowSeconds
    }

    /// `Retry-After` for a refusal: whole seconds, at least one.
    public var retryAfterSeconds: Int { max(1, resetSeconds) }

    /// The header fields every answer under this limit carries: the `X-RateLimit-` ones and
    /// the IETF httpapi draft's `RateLimit-Policy` and `RateLimit`, under `policyName` (`hour`).
    public func headerFields(policyName: String) -> [(name: String, value: String)] {
        [
            ("X-RateLimit-Limit", String(limit)),
            ("X-RateLimit-Remaining", String(remaining)),
            ("X-RateLimit-Reset", String(resetSeconds)),
            ("RateLimit-Policy", "\"\(policyName)\";q=\(limit);w=\(windowSeconds)"),
            ("RateLimit", "\"\(policyName)\";r=\(remaining);t=\(resetSeconds)"),
        ]
    }
}
