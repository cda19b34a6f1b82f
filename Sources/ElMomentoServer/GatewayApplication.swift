import Dispatch
import ElMomentoCore
import ElMomentoHTTP
import ElMomentoStore
import Foundation

/// What a route's handler receives.
public struct RequestContext: Sendable {
    public let request: HTTPRequest
    /// Path parameters, percent-decoded (`merchant`, `orderID`).
    public let parameters: [String: String]
    public let requestID: String
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

    public init(store: some GatewayStore, logger: Logger, clock: some GatewayClock = SystemClock()) {
        self.logger = logger
        self.clock = clock
        var router = Router<RouteHandler>()
        router.add("GET", "/healthz") { [logger] _ in try await Self.health(of: store, logger: logger) }
        self.router = router
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let requestID = TimeOrderedID.make(prefix: "req", clock: clock)
        var route = "unmatched"
        var response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let handler, let parameters, let pattern):
            route = pattern
            do {
                response = try await handler(
                    RequestContext(request: request, parameters: parameters, requestID: requestID))
            } catch let error as APIError {
                response = error.response(requestID: requestID)
            } catch {
                logger.log(
                    "error", "handler failed",
                    [("request_id", .string(requestID)), ("error", .string(String(describing: error)))])
                response = APIError.internalError.response(requestID: requestID)
            }
        case .methodNotAllowed(let allowed):
            response = APIError.methodNotAllowed(allowed: allowed).response(requestID: requestID)
        case .notFound:
            response = APIError.notFound.response(requestID: requestID)
        }
        response.headers.add("X-Request-Id", requestID)
        logRequest(request, route: route, status: response.status, requestID: requestID)
        return response
    }

    public func refuse(_ refusal: HTTPRefusal, request: HTTPRequest) -> HTTPResponse {
        let requestID = TimeOrderedID.make(prefix: "req", clock: clock)
        var response = APIError.refusal(refusal).response(requestID: requestID)
        response.headers.add("X-Request-Id", requestID)
        logRequest(request, route: "refused", status: response.status, requestID: requestID)
        return response
    }

    public func engineDidLog(_ message: String) {
        logger.log("warning", "http engine", [("detail", .string(message))])
    }

    private func logRequest(_ request: HTTPRequest, route: String, status: Int, requestID: String) {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- request.receivedAtNanoseconds
        let latency = request.receivedAtNanoseconds == 0 ? 0 : Double(elapsed) / 1e6
        logger.log(
            "info",
            "request",
            [
                ("request_id", .string(requestID)),
                ("method", .string(request.method)),
                ("route", .string(route)),
                ("status", .integer(status)),
                ("latency_ms", .number(String(format: "%.3f", latency))),
                ("client", .string(request.clientAddress)),
            ]
        )
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
