import Foundation

/// The proxies an operator puts in front of the gateway (`serve --trusted-proxy`), and so
/// whose `X-Forwarded-For` tells who the client is (SPEC 3.7).
///
/// Each proxy appends the address it received from, so the list is read from the right:
/// the first address no trusted proxy could have written is the client. Anything further
/// left was written by that client and is never believed.
public struct TrustedProxies: Sendable, Equatable {
    /// The blocks whose addresses are proxies.
    public let networks: [IPNetwork]

    /// The proxies inside `networks`; none by default, so `X-Forwarded-For` is ignored.
    public init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    /// Whether `address` is a trusted proxy.
    public func contains(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client behind a request from the socket peer `peer` carrying the
    /// `X-Forwarded-For` values `forwardedFor` (every field, in order), as canonical text.
    ///
    /// The peer itself unless it is trusted; then the nearest forwarded address that is
    /// not, or, when every one is trusted or one cannot be read, the last one trusted.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard let peerAddress = IPAddress(peer) else { return peer }
        var client = peerAddress
        guard contains(peerAddress) else { return client.description }
        let entries = forwardedFor.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
        for entry in entries.reversed() {
            guard let address = Self.address(inForwardedEntry: entry) else { break }
            client = address
            if !contains(address) { break }
        }
        return client.description
    }

    /// The address of one `X-Forwarded-For` entry, which some proxies write with the port
    /// they received from (`192.0.2.7:4711`, `[2001:db8::1]:4711`).
    private static func address(inForwardedEntry entry: Substring) -> IPAddress? {
        let text = entry.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") {
            return IPAddress(String(text[text.index(after: text.startIndex)..<end]))
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return IPAddress(String(text[..<colon]))
        }
        return IPAddress(text)
    }
}
