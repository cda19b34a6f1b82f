import Dispatch
import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore
import Foundation

/// What a route's handler receives.
public struct RequestContext: Sendable {
    /// The request as received; its `id` is the `req_…` sent back in `X-Request-Id`.
    public let request: HTTPRequest
    /// Path parameters, percent-decoded (`merchant`, `orderID`).
    public let parameters: [String: String]
}

/// A route's handler: an answer, or a thrown `APIError`.
public typealias RouteHandler = @Sendable (RequestContext) async throws -> HTTPResponse

/// The gateway behind the HTTP engine: routing, errors, request ids and request logs.
///
/// Usable without sockets: tests call `respond(to:)` directly.
public struct GatewayApplication: HTTPResponder {
    var router: Router<RouteHandler>
    private let logger: Logger
    private let clock: any GatewayClock

    /// The gateway over `store`, whose merchant secrets `vault` opens; `publicURL` is
    /// the base of `payment_url`, `rateLimits` the limits beside each merchant's own, and
    /// `paymentInstructions` what production payment pages tell payers to do.
    public init(
        store: some GatewayStore,
        vault: SecretVault,
        publicURL: PublicURL,
        logger: Logger,
        clock: some GatewayClock = SystemClock(),
        rateLimits: RateLimitConfiguration = RateLimitConfiguration(),
        paymentInstructions: String? = nil
    ) {
        self.logger = logger
        self.clock = clock
        var router = Router<RouteHandler>()
        router.add("GET", "/healthz") { [logger] _ in try await Self.health(of: store, logger: logger) }
        router.add("GET", OpenAPIDocument.path) { _ in OpenAPIDocument.response() }
        let gate = MerchantGate(
            authenticator: RequestAuthenticator(
                directory: MerchantDirectory(store: store, vault: vault, clock: clock), clock: clock),
            rateLimiter: RateLimiter(configuration: rateLimits, clock: clock))
        OrderRoutes(kind: .deposit, store: store, gate: gate, clock: clock, publicURL: publicURL)
            .register(in: &router, collection: "orders")
        OrderRoutes(kind: .withdrawal, store: store, gate: gate, clock: clock, publicURL: publicURL)
            .register(in: &router, collection: "withdrawalorders")
        EventRoutes(store: store, gate: gate).register(in: &router)
        PaymentPageRoutes(store: store, clock: clock, instructions: paymentInstructions).register(in: &router)
        router.add("GET", "/api/{merchant}/balance") { context in
            try await gate.serve(context) { merchant in
                let balances = try await store.balances(merchantID: merchant.id)
                return .json(
                    MerchantBalance.jsonObject(
                        MerchantBalance.listed(
                            balances, currencyCodes: merchant.settings.currencyCodes, withOthersHoldingMoney: false)))
            }
        }
        self.router = router
    }

    public func makeRequestID() -> String {
        TimeOrderedID.make(prefix: "req", clock: clock)
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let handler, let parameters, _):
            do {
                response = try await handler(RequestContext(request: request, parameters: parameters))
            } catch {
                response = answer(to: error, requestID: request.id)
            }
        case .methodNotAllowed(let allowed):
            response = APIError.methodNotAllowed(allowed: allowed).response(requestID: request.id)
        case .notFound:
            response = APIError.notFound.response(requestID: request.id)
        }
        return Self.identified(response, requestID: request.id)
    }

    public func refuse(_ refusal: HTTPRefusal, request: HTTPRequest) -> HTTPResponse {
        Self.identified(APIError.refusal(refusal).response(requestID: request.id), requestID: request.id)
    }

    public func didAnswer(_ request: HTTPRequest, with response: HTTPResponse) {
        let (route, merchant) =
            switch router.match(method: request.method, path: request.path) {
            case .found(_, let parameters, let pattern):
                (pattern, parameters["merchant"].flatMap { Merchant.isValidSlug($0) ? $0 : nil })
            case .methodNotAllowed, .notFound: ("unmatched", nil)
            }
        let elapsed =
            request.receivedAtNanoseconds == 0
            ? 0 : DispatchTime.now().uptimeNanoseconds &- request.receivedAtNanoseconds
        logger.log(
            "info",
            "request",
            [
                ("request_id", .string(request.id)),
                ("method", .string(request.method)),
                ("merchant", .optional(merchant)),
                ("route", .string(route)),
                ("status", .integer(response.status)),
                ("latency_ms", .number(Logger.milliseconds(fromNanoseconds: elapsed))),
                ("client", .string(request.clientAddress)),
            ]
        )
    }

    public func engineDidLog(_ message: String) {
        logger.log("warning", "http engine", [("detail", .string(message))])
    }

    /// What a client is told of a handler's `error`: an `APIError` as it is, anything else
    /// logged and told as `503` (the database cannot answer) or `500`.
    private func answer(to error: any Error, requestID: String) -> HTTPResponse {
        switch error {
        case let error as ErrorWithHeaders:
            var response = answer(to: error.underlying, requestID: requestID)
            for (name, value) in error.headers { response.headers.add(name, value) }
            return response
        case let error as APIError:
            return error.response(requestID: requestID)
        case let error as any DatabaseFailure where error.meansDatabaseUnavailable:
            logger.log(
                "error", "database unavailable",
                [("request_id", .string(requestID)), ("error", .string(String(describing: error)))])
            return APIError.unavailable.response(requestID: requestID)
        default:
            logger.log(
                "error", "handler failed",
                [("request_id", .string(requestID)), ("error", .string(String(describing: error)))])
            return APIError.internalError.response(requestID: requestID)
        }
    }

    /// Every answer carries its request's id in `X-Request-Id`.
    private static func identified(_ response: HTTPResponse, requestID: String) -> HTTPResponse {
        var response = response
        response.headers.add("X-Request-Id", requestID)
        return response
    }

    private static func health(of store: some GatewayStore, logger: Logger) async throws -> HTTPResponse {
        do {
            try await store.ping()
        } catch {
            logger.log("error", "database unreachable", [("error", .string(String(describing: error)))])
            throw APIError.unavailable
        }
        return .json(.object([("status", .string("ok")), ("environment", .string(store.environment.rawValue))]))
    }
}
