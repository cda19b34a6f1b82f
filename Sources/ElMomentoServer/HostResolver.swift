import ElMomentoCore
import ElMomentoHTTP
import Glibc

/// Turns a callback URL's host name into the addresses to connect to.
///
/// The callback transport asks this, not libcurl, so that it can check every answer before
/// any connection is made and pin the connection to the checked addresses (SSRF, SPEC 7).
/// Called on the transport's resolver threads, never on Swift's cooperative pool, so a
/// blocking implementation is fine; tests inject one that answers without the network.
public protocol HostResolver: Sendable {
    /// The addresses of `host` for a TCP connection to `port`, or a throw when there are none
    /// or the lookup failed.
    func addresses(of host: String, port: Int) throws -> [IPAddress]
}

/// The machine's resolver: `getaddrinfo`, as any program on the machine would resolve.
public struct SystemHostResolver: HostResolver {
    /// The machine's resolver.
    public init() {}

    public func addresses(of host: String, port: Int) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var first: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &first)
        guard status == 0 else { throw HostResolutionError(description: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry = first
        while let current = entry {
            let socketAddress: UnsafeMutablePointer<sockaddr>? = current.pointee.ai_addr
            if let socketAddress, let address = IPAddress(socketAddress: socketAddress), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

/// A host name that could not be resolved, with the resolver's reason.
public struct HostResolutionError: Error, CustomStringConvertible {
    /// The reason, such as "Name or service not known".
    public let description: String

    /// A failure for `description`.
    public init(description: String) {
        self.description = description
    }
}

extension IPAddress {
    /// The address in a socket address of family `AF_INET` or `AF_INET6`, or `nil` for any
    /// other family. An IPv6 scope (`%eth0`) is not part of the result.
    init?(socketAddress: UnsafePointer<sockaddr>) {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let raw = UnsafeRawPointer(socketAddress)
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            var address = raw.loadUnaligned(as: sockaddr_in.self).sin_addr
            inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        case AF_INET6:
            var address = raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        default:
            return nil
        }
        self.init(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Whether a callback may be delivered to this address in production: `false` for
    /// private, loopback, link-local, unique-local, multicast, unspecified, CGNAT
    /// (100.64/10), documentation, benchmarking and reserved blocks, and for IPv4 addresses
    /// embedded in IPv6 (mapped, compatible, NAT64, 6to4) that are not public themselves.
    ///
    /// The one classification is `CallbackURLPolicy`'s, the same that checks a literal
    /// `callback_url` when an order is created.
    public var isPublic: Bool {
        bytes.count == 4 ? CallbackURLPolicy.isPublic(ipv4: bytes) : CallbackURLPolicy.isPublic(ipv6: bytes)
    }
}
