import ElMomentoHTTP

/// The OpenAPI 3.1 description of the merchant API (SPEC 9), served unauthenticated at
/// `GET /openapi.json`.
///
/// Written by hand in `openapi.json` beside this file and compiled into the binary, so the
/// one executable serves the description of exactly the routes it was built with; tests
/// hold it to the router in both directions.
enum OpenAPIDocument {
    /// The path it is served at.
    static let path = "/openapi.json"

    /// The answer to `GET /openapi.json`: the document's bytes as written.
    static func response() -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: 200, headers: headers, body: PackageResources.openapi_json)
    }
}
