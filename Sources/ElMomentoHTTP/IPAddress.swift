import Glibc

/// An IPv4 or IPv6 address, read by the C library's `inet_pton` rather than by hand, so
/// that every spelling it accepts (`::1`, `0:0::1`) is one address and nothing else is one.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, how a dual-stack socket shows an IPv4
/// peer) is its IPv4 address, so the client has one identity whichever way it connected.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    private static let ipv4MappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// The address written in `text` (no brackets, port or zone), or `nil` when it is none.
    public init?(_ text: String) {
        // inet_pton reads a C string: text with a NUL inside would be read only up to it.
        guard text.utf8.count < INET6_ADDRSTRLEN, !text.utf8.contains(0) else { return nil }
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 {
            bytes = withUnsafeBytes(of: ipv4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &ipv6) == 1 {
            let all = withUnsafeBytes(of: ipv6) { Array($0) }
            bytes = all.starts(with: Self.ipv4MappedPrefix) ? Array(all.suffix(4)) : all
        } else {
            return nil
        }
    }

    /// The address of these 4 or 16 bytes.
    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an address of 4 or 16 bytes")
        self.bytes = bytes
    }

    /// The canonical text, as `inet_ntop` writes it (`2001:db8::1`, `192.0.2.7`).
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { address in
            _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, address.baseAddress, &text, socklen_t(text.count))
        }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The block's first address (bits past the prefix may be set as written; they are ignored).
    public let address: IPAddress
    /// How many leading bits an address must share with `address` to be inside.
    public let prefixLength: Int

    /// The block written in `text`, or `nil` when it is not one. A bare address is a block
    /// of one; an IPv4-mapped block (`::ffff:10.0.0.0/104`) is the IPv4 block it maps.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let writtenBitCount = parts[0].contains(":") ? 128 : 32
        var prefixLength = writtenBitCount
        if parts.count == 2 {
            guard (1...3).contains(parts[1].utf8.count),
                parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let length = Int(parts[1]), length <= writtenBitCount
            else { return nil }
            prefixLength = length
        }
        let mappedBitCount = writtenBitCount - address.bytes.count * 8
        guard prefixLength >= mappedBitCount else { return nil }
        self.address = address
        self.prefixLength = prefixLength - mappedBitCount
    }

    /// The block of `prefixLength` bits around `address`, its bits past the prefix cleared.
    public init(containing address: IPAddress, prefixLength: Int) {
        precondition((0...address.bytes.count * 8).contains(prefixLength), "a prefix longer than the address")
        let cleared = address.bytes.enumerated().map { index, byte in
            let keptBits = min(max(prefixLength - index * 8, 0), 8)
            return keptBits == 0 ? 0 : byte & (UInt8(0xff) << (8 - keptBits))
        }
        self.address = IPAddress(bytes: cleared)
        self.prefixLength = prefixLength
    }

    /// Whether `other` is inside the block: same family, same leading `prefixLength` bits.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        let wholeBytes = prefixLength / 8
        guard other.bytes.prefix(wholeBytes) == address.bytes.prefix(wholeBytes) else { return false }
        let restBits = prefixLength % 8
        guard restBits > 0 else { return true }
        let mask = UInt8(0xff) << (8 - restBits)
        return other.bytes[wholeBytes] & mask == address.bytes[wholeBytes] & mask
    }

    /// `address/prefixLength`, with the address in canonical text.
    public var description: String { "\(address)/\(prefixLength)" }
}
