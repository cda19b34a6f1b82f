import Foundation

/// Maps a method and a path to a handler, with `{name}` path parameters.
///
/// Every route matches with or without a trailing slash. A path that matches a
/// route under another method is told apart from one that matches nothing, so the
/// caller can answer 405 with `Allow` rather than 404. `HEAD` is served by `GET`
/// routes.
public struct Router<Handler: Sendable>: Sendable {
    /// What a method and path lead to.
    public enum Match {
        /// A route: its handler, its parameters (percent-decoded) and its pattern.
        case found(Handler, parameters: [String: String], pattern: String)
        /// The path exists under other methods, listed for `Allow`.
        case methodNotAllowed(allowed: [String])
        /// Nothing is routed at this path.
        case notFound
    }

    private struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    private enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    private var routes: [Route] = []

    /// A router with no routes yet.
    public init() {}

    /// Every pattern with the methods that serve it, in the order they were added.
    public var patterns: [(pattern: String, methods: [String])] {
        var result: [(pattern: String, methods: [String])] = []
        for route in routes {
            if let index = result.firstIndex(where: { $0.pattern == route.pattern }) {
                result[index].methods.append(route.method)
            } else {
                result.append((route.pattern, [route.method]))
            }
        }
        return result
    }

    /// Adds a route; `pattern` is a path such as `/api/{merchant}/orders/{orderID}/`.
    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.split(pattern).map { part in
            part.hasPrefix("{") && part.hasSuffix("}")
                ? Segment.parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    /// The route for `method` and `path` (percent-encoded, without the query).
    public func match(method: String, path: String) -> Match {
        let parts = Self.split(path)
        let routeMethod = method == "HEAD" ? "GET" : method
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.parameters(of: route.segments, in: parts) else { continue }
            if route.method == routeMethod {
                return .found(route.handler, parameters: parameters, pattern: route.pattern)
            }
            allowed.append(route.method)
            if route.method == "GET" { allowed.append("HEAD") }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// The path's segments, with one trailing slash ignored; an empty segment (`//`)
    /// is kept so that it matches nothing.
    private static func split(_ path: String) -> [Substring] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.isEmpty ? [] : trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }

    private static func parameters(of segments: [Segment], in parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text):
                guard part == text else { return nil }
            case .parameter(let name):
                guard !part.isEmpty, let value = part.removingPercentEncoding else { return nil }
                parameters[name] = value
            }
        }
        return parameters
    }
}
