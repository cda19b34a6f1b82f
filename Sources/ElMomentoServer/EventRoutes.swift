import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore

/// `GET /api/{merchant}/events/` (SPEC 3.5): every status change of the merchant's orders,
/// oldest first, each exactly the body its callback carries, so that a merchant who missed
/// callbacks catches up with the code that handles them.
struct EventRoutes: Sendable {
    let store: any GatewayStore
    let gate: MerchantGate

    func register(in router: inout Router<RouteHandler>) {
        router.add("GET", "/api/{merchant}/events") { context in
            try await gate.serve(context) { try await list(context, merchant: $0) }
        }
    }

    private func list(_ context: RequestContext, merchant: Merchant) async throws -> HTTPResponse {
        let query: EventListQuery
        do {
            query = try EventListQuery.parse(query: context.request.query ?? "")
        } catch {
            throw APIError(error)
        }
        let page: EventPage
        do {
            page = try await store.events(merchantID: merchant.id, after: query.after, limit: query.limit)
        } catch StoreError.eventNotFound {
            throw APIError(
                status: 400, code: "validation_failed", message: "after names no event of this merchant.",
                field: "after")
        }
        // The stored bodies go out as they are: byte for byte what their callbacks carry.
        var body = Array(#"{"data":["#.utf8)
        for (index, payload) in page.payloads.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += payload
        }
        body += Array(#"],"has_more":"#.utf8) + JSONValue.bool(page.hasMore).encoded()
        body += Array(#","next_cursor":"#.utf8) + JSONValue.optional(page.hasMore ? page.lastWebhookID : nil).encoded()
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
    }
}
