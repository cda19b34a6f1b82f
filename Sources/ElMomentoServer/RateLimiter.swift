import ElMomentoCore
import ElMomentoHTTP

/// The gateway's rate limits (SPEC 3.7) beside each merchant's own, which its settings hold.
public struct RateLimitConfiguration: Sendable {
    /// Requests answered `401` from one client address in any minute; more are refused `429`.
    public var authFailuresPerMinute = 60
    /// The proxies whose `X-Forwarded-For` names the client; none by default.
    public var trustedProxies = TrustedProxies()
    /// Where requests are counted: this process's memory unless instances share one.
    public var counter: any RateLimitCounter = InMemoryRateLimitCounter()

    /// The defaults: 60 failed authentications a minute, no trusted proxy, counted in memory.
    public init() {}
}

/// SPEC 3.7's limits as the merchant gate applies them: a merchant's requests in any hour,
/// and a client address's failed authentications in any minute.
struct RateLimiter: Sendable {
    /// The merchant limit's window: the rolling hour.
    static let merchantWindowSeconds = 3600
    /// The window of the failed-authentication limit: the rolling minute.
    static let authFailureWindowSeconds = 60

    let configuration: RateLimitConfiguration
    let clock: any GatewayClock

    /// Who sent `request`: its peer, or the client its trusted proxies name.
    func clientAddress(of request: HTTPRequest) -> String {
        configuration.trustedProxies.clientAddress(
            peer: request.clientAddress, forwardedFor: request.headers.values(named: "X-Forwarded-For"))
    }

    /// Refuses every request from an address whose failed authentications used up its
    /// budget, before its signature is checked: otherwise a right guess would still stand
    /// out as the one answer that is not a `401`.
    func refuseIfAuthFailuresUsedUp(by address: String) async throws {
        let decision = try await configuration.counter.peek(
            key: Self.authFailureKey(address), limit: configuration.authFailuresPerMinute,
            windowSeconds: Self.authFailureWindowSeconds, atMilliseconds: now)
        guard decision.isAllowed else { throw Self.authFailuresRefusal(decision) }
    }

    /// Counts a failed authentication from `address`, which is to be answered `failure`,
    /// or the `429` when the budget was used up meanwhile (by requests at the same time).
    func countAuthFailure(by address: String, answered failure: APIError) async throws -> APIError {
        let decision = try await configuration.counter.take(
            key: Self.authFailureKey(address), limit: configuration.authFailuresPerMinute,
            windowSeconds: Self.authFailureWindowSeconds, atMilliseconds: now)
        return decision.isAllowed ? failure : Self.authFailuresRefusal(decision)
    }

    /// Counts a request of `merchant` against its hourly limit, read from its settings on
    /// every request so that an operator's change applies within the directory's freshness.
    /// Returns the header fields its answer carries, or throws the `429` carrying them.
    func admit(_ merchant: Merchant) async throws -> [(name: String, value: String)] {
        let decision = try await configuration.counter.take(
            key: "merchant:\(merchant.id)", limit: merchant.settings.rateLimitPerHour,
            windowSeconds: Self.merchantWindowSeconds, atMilliseconds: now)
        let headers = decision.headerFields(policyName: "hour")
        guard decision.isAllowed else {
            throw APIError(
                status: 429, code: "rate_limited",
                message: "This merchant's limit of \(decision.limit) requests an hour is used up; retry after "
                    + "\(decision.retryAfterSeconds) seconds.",
                headers: Dictionary(uniqueKeysWithValues: headers + [("Retry-After", "\(decision.retryAfterSeconds)")]))
        }
        return headers
    }

    private var now: Int64 { Int64(clock.millisecondsSince1970()) }

    /// IPv6 clients are counted per block of this many bits, the block one subscriber is
    /// usually given, so that moving between its addresses gains no attempts.
    static let ipv6ClientPrefixLength = 64

    private static func authFailureKey(_ address: String) -> String {
        guard let parsed = IPAddress(address), parsed.bytes.count == 16 else { return "auth-failures:\(address)" }
        return "auth-failures:\(IPNetwork(containing: parsed, prefixLength: ipv6ClientPrefixLength))"
    }

    private static func authFailuresRefusal(_ decision: RateLimitDecision) -> APIError {
        APIError(
            status: 429, code: "rate_limited",
            message: "Too many requests from this address failed authentication; retry after "
                + "\(decision.retryAfterSeconds) seconds.",
            headers: ["Retry-After": "\(decision.retryAfterSeconds)"])
    }
}
