/// Where rate-limited requests are counted, by key (`merchant:42`, `address:192.0.2.7`),
/// each key in a rolling window of its own (`RateLimitWindow`'s rules).
///
/// One process counts in memory; several instances on one database will share a counter
/// in it, so that together they admit no more than the limit (SPEC 3.7). `limit` comes
/// with every call, so an operator's change applies to the next request.
public protocol RateLimitCounter: Sendable {
    /// Counts one request for `key` at `atMilliseconds` if fewer than `limit` are counted in
    /// the last `windowSeconds`, and tells what became of it: a refusal is not counted.
    func take(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) async throws -> RateLimitDecision

    /// What `take` would decide now, counting nothing.
    func peek(key: String, limit: Int, windowSeconds: Int, atMilliseconds: Int64) async throws -> RateLimitDecision
}
