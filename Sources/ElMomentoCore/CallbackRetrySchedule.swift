/// When an unacknowledged callback is tried again, and when the gateway stops trying (SPEC 6).
///
/// After attempt 1, 2, 3, … fails, the next waits about 10 s, 30 s, 2 min, 10 min, 30 min, 1 h,
/// 2 h, 4 h, 8 h, then 8 h each time, every wait multiplied by a jitter factor in 0.8...1.2 so
/// that callbacks that failed together (a merchant's outage) do not all come back together. No
/// attempt is scheduled later than 72 h after the first: the one that would be is not made, and
/// the callback is given up (then marked failed; an operator can resend it).
///
/// Every duration scales with `baseSeconds` (the list above is for the default 10): base 1 makes
/// the waits 1 s, 3 s, 12 s, … and the horizon 7.2 h, so tests and demos
/// (`serve --callback-backoff-base-seconds`) see the whole schedule in little time.
///
/// The status code of the failed attempt is an input, so the rules about it live here with
/// the rest: `410 Gone` gives up at once; `Retry-After` on a `429` or `503` is honoured when it
/// asks for longer than the computed wait, up to 24 h (scaled with the base) so that no
/// receiver can park a callback past most of its horizon with one header. The `Retry-After`
/// wait itself is not jittered: the receiver named the moment it wants.
public struct CallbackRetrySchedule: Sendable, Equatable {
    /// The waits, in seconds at the default base of 10, after the 1st, 2nd, … failed attempt;
    /// the last repeats.
    public static let waitsSecondsAtBase10: [Int64] = [10, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800]
    /// How long after the first attempt attempts may still be made, at base 10: 72 h.
    public static let horizonSecondsAtBase10: Int64 = 72 * 3_600
    /// The longest wait a `Retry-After` can ask for, at base 10: 24 h.
    public static let retryAfterSecondsMaxAtBase10: Int64 = 24 * 3_600
    /// The factors a computed wait is multiplied by.
    public static let jitterRange: ClosedRange<Double> = 0.8...1.2

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Equatable {
        /// Try again at this time (milliseconds since 1970, like `GatewayClock`).
        case retry(atMilliseconds: Int64)
        /// Stop: the callback has failed.
        case giveUp
    }

    /// The scale of every duration: 10 is the SPEC's schedule.
    public let baseSeconds: Double

    /// The schedule at `baseSeconds` (positive; 10 is the SPEC's).
    public init(baseSeconds: Double = 10) {
        precondition(baseSeconds > 0 && baseSeconds.isFinite, "a callback backoff base must be a positive number")
        self.baseSeconds = baseSeconds
    }

    /// How long after the first attempt attempts may still be made.
    public var horizonMilliseconds: Int64 { scaledMilliseconds(Self.horizonSecondsAtBase10) }

    /// The longest wait a `Retry-After` can ask for.
    public var retryAfterMillisecondsMax: Int64 { scaledMilliseconds(Self.retryAfterSecondsMaxAtBase10) }

    /// The wait after attempt `attempt` (1 for the first) failed, before jitter.
    public func waitMilliseconds(afterAttempt attempt: Int) -> Int64 {
        precondition(attempt >= 1, "attempts are counted from 1")
        let waits = Self.waitsSecondsAtBase10
        return scaledMilliseconds(waits[min(attempt, waits.count) - 1])
    }

    /// What to do after attempt `attempt` (1 for the first) failed at `nowMilliseconds`.
    ///
    /// `statusCode` is the receiver's answer (`nil` when none came: refused, timed out, a
    /// refused address); `retryAfterSeconds` its `Retry-After`, read only on a 429 or 503;
    /// `jitter` a factor in `jitterRange`, injected so tests can fix it. A 2xx is an
    /// acknowledgment, not a failure, and is a programmer error here.
    public func decision(
        afterAttempt attempt: Int, statusCode: Int?, retryAfterSeconds: Int?, firstAttemptAtMilliseconds: Int64,
        nowMilliseconds: Int64, jitter: Double
    ) -> Decision {
        precondition(Self.jitterRange.contains(jitter), "jitter outside 0.8...1.2")
        precondition(!(200...299).contains(statusCode ?? 0), "a 2xx acknowledges a callback: nothing to retry")
        if statusCode == 410 { return .giveUp }
        var wait = Int64((Double(waitMilliseconds(afterAttempt: attempt)) * jitter).rounded())
        if statusCode == 429 || statusCode == 503, let retryAfterSeconds, retryAfterSeconds > 0 {
            let asked = Int64(retryAfterSeconds).multipliedReportingOverflow(by: 1000)
            let askedMilliseconds = asked.overflow ? Int64.max : asked.partialValue
            wait = max(wait, min(askedMilliseconds, retryAfterMillisecondsMax))
        }
        let retryAt = nowMilliseconds + wait
        return retryAt - firstAttemptAtMilliseconds <= horizonMilliseconds ? .retry(atMilliseconds: retryAt) : .giveUp
    }

    /// `decision(afterAttempt:…jitter:)` with the jitter drawn from `generator`.
    public func decision(
        afterAttempt attempt: Int, statusCode: Int?, retryAfterSeconds: Int?, firstAttemptAtMilliseconds: Int64,
        nowMilliseconds: Int64, using generator: inout some RandomNumberGenerator
    ) -> Decision {
        decision(
            afterAttempt: attempt, statusCode: statusCode, retryAfterSeconds: retryAfterSeconds,
            firstAttemptAtMilliseconds: firstAttemptAtMilliseconds, nowMilliseconds: nowMilliseconds,
            jitter: Double.random(in: Self.jitterRange, using: &generator))
    }

    private func scaledMilliseconds(_ secondsAtBase10: Int64) -> Int64 {
        Int64((Double(secondsAtBase10) * 100 * baseSeconds).rounded())
    }
}
