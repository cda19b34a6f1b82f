import ElMomentoCore
import ElMomentoHTTP

/// The way into every merchant route (SPEC 3.1, 3.7): a handler runs only for a request
/// its merchant signed.
struct MerchantGate: Sendable {
    let authenticator: RequestAuthenticator

    /// Runs `handler` for the merchant that signed the request, or throws the refusal.
    func serve(
        _ context: RequestContext, _ handler: (Merchant) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let merchant = try await authenticator.authenticate(
            context.request, merchantSlug: context.parameters["merchant"] ?? "")
        return try await handler(merchant)
    }
}
