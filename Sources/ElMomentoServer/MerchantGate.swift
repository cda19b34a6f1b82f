import ElMomentoCore
import ElMomentoHTTP

/// The way into every merchant route (SPEC 3.1, 3.7): a handler runs only for a request
/// its merchant signed, within the merchant's rate limit, and every answer after that
/// carries the limit's headers, errors included.
struct MerchantGate: Sendable {
    let authenticator: RequestAuthenticator
    let rateLimiter: RateLimiter

    /// Runs `handler` for the merchant that signed the request, or throws the refusal.
    func serve(
        _ context: RequestContext, _ handler: (Merchant) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let merchant = try await authenticated(context)
        let rateLimitHeaders = try await rateLimiter.admit(merchant)
        do {
            var response = try await handler(merchant)
            for (name, value) in rateLimitHeaders { response.headers.add(name, value) }
            return response
        } catch {
            throw ErrorWithHeaders(error, headers: rateLimitHeaders)
        }
    }

    /// The merchant that signed the request, checked in SPEC 3.1's order: the client
    /// address's budget of failed attempts comes after the merchant and before the
    /// signature, and each `401` spends it (never the quota of the merchant it names).
    private func authenticated(_ context: RequestContext) async throws -> Merchant {
        let merchant = try await authenticator.merchant(slug: context.parameters["merchant"] ?? "")
        let address = rateLimiter.clientAddress(of: context.request)
        try await rateLimiter.refuseIfAuthFailuresUsedUp(by: address)
        do {
            return try authenticator.verify(context.request, signedBy: merchant)
        } catch let failure as APIError where failure.status == 401 {
            throw try await rateLimiter.countAuthFailure(by: address, answered: failure)
        }
    }
}
