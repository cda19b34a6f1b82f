import ElMomentoHTTP
import Testing

@Suite struct RouterTests {
    let router: Router<String> = {
        var router = Router<String>()
        router.add("GET", "/healthz", "health")
        router.add("POST", "/api/{merchant}/orders/", "create")
        router.add("GET", "/api/{merchant}/orders/", "list")
        router.add("GET", "/api/{merchant}/orders/{orderID}/", "show")
        return router
    }()

    private func handler(_ method: String, _ path: String) -> String? {
        if case .found(let handler, _, _) = router.match(method: method, path: path) { return handler }
        return nil
    }

    @Test(arguments: ["/api/1xbet/orders/", "/api/1xbet/orders"])
    func aTrailingSlashIsOptional(_ path: String) {
        #expect(handler("POST", path) == "create")
        #expect(handler("GET", path) == "list")
    }

    @Test func pathParametersArePercentDecoded() {
        guard
            case .found(_, let parameters, let pattern) = router.match(method: "GET", path: "/api/1xbet/orders/A%3A1/")
        else {
            Issue.record("no route")
            return
        }
        #expect(parameters == ["merchant": "1xbet", "orderID": "A:1"])
        #expect(pattern == "/api/{merchant}/orders/{orderID}/")
    }

    @Test func aKnownPathUnderAnotherMethodListsTheAllowedOnes() {
        guard case .methodNotAllowed(let allowed) = router.match(method: "DELETE", path: "/api/1xbet/orders/") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["POST", "GET", "HEAD"])
    }

    @Test func headIsServedByGetRoutes() {
        #expect(handler("HEAD", "/healthz") == "health")
    }

    @Test(arguments: [
        "/", "/api", "/api/1xbet", "/api//orders/", "/api/1xbet/orders/1/extra", "/healthzz", "//healthz",
    ])
    func otherPathsAreNotFound(_ path: String) {
        guard case .notFound = router.match(method: "GET", path: path) else {
            Issue.record("\(path) should not match")
            return
        }
    }

    @Test func patternsListEachPathOnceWithItsMethods() {
        #expect(
            router.patterns.map(\.pattern) == [
                "/healthz", "/api/{merchant}/orders/", "/api/{merchant}/orders/{orderID}/",
            ])
        #expect(router.patterns[1].methods == ["POST", "GET"])
    }
}
