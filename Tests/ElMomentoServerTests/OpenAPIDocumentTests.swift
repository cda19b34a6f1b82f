import ElMomentoCore
import ElMomentoHTTP
import Foundation
import Testing

@testable import ElMomentoServer

/// The OpenAPI description served at `/openapi.json`, held to the router in both
/// directions: a route added without its description fails here, and so does a
/// description of a route that is gone.
@Suite struct OpenAPIDocumentTests {
    /// Routes that are not the merchant API, and so are not described: operations, the
    /// description itself, and the payer's hosted page. An entry ending in `/` stands for
    /// every path under it.
    static let routesNotDescribed = ["/healthz", "/metrics", "/openapi.json", "/pay/"]

    /// The members of an OpenAPI path item that are operations.
    static let operationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `METHOD /path` of every route of `router` that is part of the merchant API.
    static func routedOperations(_ router: Router<RouteHandler>) -> Set<String> {
        let described = router.patterns.filter { route in
            !routesNotDescribed.contains { excluded in
                excluded.hasSuffix("/") ? route.pattern.hasPrefix(excluded) : route.pattern == excluded
            }
        }
        return Set(described.flatMap { route in route.methods.map { "\($0) \(withoutTrailingSlash(route.pattern))" } })
    }

    /// `METHOD /path` of every operation the document describes.
    static func describedOperations(_ document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(
            paths.flatMap { path, item in
                item.keys.filter(operationMethods.contains).map { "\($0.uppercased()) \(withoutTrailingSlash(path))" }
            })
    }

    /// Every route matches with or without its trailing slash, so they compare without it.
    private static func withoutTrailingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    private static func servedDocument(by gateway: TestGateway) async throws -> [String: Any] {
        let response = await gateway.send(HTTPRequest(id: "req_test", method: "GET", target: "/openapi.json"))
        #expect(response.status == 200)
        return try #require(response.json)
    }

    @Test func isServedWithoutASignatureAsJSON() async throws {
        let gateway = try await TestGateway()
        let response = await gateway.send(HTTPRequest(id: "req_test", method: "GET", target: "/openapi.json"))
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.json?["openapi"] as? String == "3.1.0")
        #expect(response.body == PackageResources.openapi_json)
    }

    @Test func everyRouteOfTheMerchantAPIIsDescribed() async throws {
        let gateway = try await TestGateway()
        let described = Self.describedOperations(try await Self.servedDocument(by: gateway))
        let routed = Self.routedOperations(gateway.application.router)
        #expect(!routed.isEmpty)
        #expect(routed.subtracting(described).sorted() == [], "routed, but not in Sources/ElMomentoServer/openapi.json")
    }

    @Test func everyDescribedOperationIsRouted() async throws {
        let gateway = try await TestGateway()
        let described = Self.describedOperations(try await Self.servedDocument(by: gateway))
        let routed = Self.routedOperations(gateway.application.router)
        #expect(described.subtracting(routed).sorted() == [], "described, but not routed")
    }

    @Test func aRouteAddedWithoutItsDescriptionIsCaught() async throws {
        let gateway = try await TestGateway()
        var router = gateway.application.router
        router.add("GET", "/api/{merchant}/undocumented") { _ in HTTPResponse(status: 204) }
        router.add("GET", "/pay/{id}") { _ in HTTPResponse(status: 204) }
        let described = Self.describedOperations(try await Self.servedDocument(by: gateway))
        #expect(Self.routedOperations(router).subtracting(described) == ["GET /api/{merchant}/undocumented"])
    }

    @Test func pathsAreWrittenInFullWithTheirTrailingSlash() async throws {
        let document = try await Self.servedDocument(by: try await TestGateway())
        let paths = try #require(document["paths"] as? [String: Any])
        for path in paths.keys {
            #expect(path.hasPrefix("/api/{merchant}/") && path.hasSuffix("/"), "\(path)")
        }
    }

    @Test func everyReferenceResolves() async throws {
        let document = try await Self.servedDocument(by: try await TestGateway())
        var unresolved: [String] = []
        func visit(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String, Self.resolve(reference, in: document) == nil {
                    unresolved.append(reference)
                }
                object.values.forEach(visit)
            } else if let array = value as? [Any] {
                array.forEach(visit)
            }
        }
        visit(document)
        #expect(unresolved == [])
    }

    private static func resolve(_ reference: String, in document: [String: Any]) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/").reduce(document as Any?) { node, key in
            (node as? [String: Any])?[String(key)]
        }
    }

    @Test func theCurrenciesAreTheActiveISO4217CodesTheGatewayKnows() async throws {
        let document = try await Self.servedDocument(by: try await TestGateway())
        let schema = try #require(Self.resolve("#/components/schemas/CurrencyCode", in: document) as? [String: Any])
        let codes = try #require(schema["enum"] as? [String])
        #expect(codes.sorted() == Currency.minorUnitDigitsByCode.keys.sorted())
    }

    @Test func theStatusesAreTheOrdersStatuses() async throws {
        let document = try await Self.servedDocument(by: try await TestGateway())
        let schema = try #require(Self.resolve("#/components/schemas/OrderStatus", in: document) as? [String: Any])
        #expect((schema["enum"] as? [String])?.sorted() == OrderStatus.allCases.map(\.rawValue).sorted())
    }
}
