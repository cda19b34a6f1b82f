import Glibc

/// An IPv4 or IPv6 address and port to listen on.
struct SocketAddress {
    private var storage: sockaddr_storage
    let isIPv6: Bool

    init(host: String, port: UInt16) throws {
        let literal = host == "localhost" ? "127.0.0.1" : host
        var ipv4 = sockaddr_in()
        var ipv6 = sockaddr_in6()
        if inet_pton(AF_INET, literal, &ipv4.sin_addr) == 1 {
            ipv4.sin_family = sa_family_t(AF_INET)
            ipv4.sin_port = port.bigEndian
            storage = Self.storage(holding: ipv4)
            isIPv6 = false
        } else if inet_pton(AF_INET6, literal, &ipv6.sin6_addr) == 1 {
            ipv6.sin6_family = sa_family_t(AF_INET6)
            ipv6.sin6_port = port.bigEndian
            storage = Self.storage(holding: ipv6)
            isIPv6 = true
        } else {
            throw HTTPServerError(
                description: "--host must be an IP address (such as 127.0.0.1 or ::1), not \"\(host)\"")
        }
    }

    private static func storage<Address>(holding address: Address) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeBytes(of: address) { bytes in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
        }
        return storage
    }

    mutating func withSocketAddress<Result>(_ body: (UnsafeMutableRawPointer) -> Result) -> Result {
        withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!) }
    }

    /// The text form of a peer's address, as libmicrohttpd reports it.
    static func text(of address: UnsafePointer<sockaddr>?) -> String {
        guard let address else { return "unknown" }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            var ipv4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self).sin_addr
            inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(buffer.count))
        case AF_INET6:
            var ipv6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self).sin6_addr
            inet_ntop(AF_INET6, &ipv6, &buffer, socklen_t(buffer.count))
        default:
            return "unknown"
        }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
