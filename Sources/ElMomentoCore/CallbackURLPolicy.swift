/// Which callback URLs a merchant may give (SPEC 3.2, SPEC 7), and which addresses a callback may
/// be delivered to.
///
/// The URL is read here byte by byte rather than through Foundation's `URL`, because parsers
/// disagree on odd spellings and the one that matters is the one that will connect: a host written
/// as numbers (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`) is read as the IPv4 address that
/// browsers and curl read (WHATWG URL's IPv4 parser) and then checked like any other address. What
/// those readers would reject or read differently (a `%` or `\` anywhere, non-ASCII, an IPv6 zone) is
/// refused outright.
public enum CallbackURLPolicy {
    /// The longest callback URL accepted.
    public static let urlBytesMax = 2048

    /// Why `url` cannot be a callback URL in `environment`, or `nil` when it can. Both environments
    /// want an absolute `http`/`https` URL with a host and no credentials; production also wants
    /// `https` and refuses `localhost` and literal addresses that are not public.
    public static func refusal(for url: String, environment: GatewayEnvironment) -> String? {
        let bytes = Array(url.utf8)
        guard bytes.count <= urlBytesMax else { return "callback_url must be at most \(urlBytesMax) bytes." }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else {
            return "callback_url must be ASCII without spaces, control characters or backslashes."
        }
        guard let parts = URLParts(bytes) else {
            return "callback_url must be an absolute http or https URL with a host, such as https://example.com/hook."
        }
        guard !parts.hasUserInfo else { return "callback_url must not carry credentials (user@ or user:password@)." }
        guard let host = Host(parts.host) else { return "callback_url's host is not a valid host name or address." }
        guard environment == .production else { return nil }
        guard parts.scheme == "https" else { return "callback_url must use https in production." }
        guard host.isPublic else {
            return
                "callback_url must not point at localhost or a private, loopback or link-local address in production."
        }
        return nil
    }

    /// Whether a callback may be delivered to this IPv4 address: `false` for this-network (0/8),
    /// private (10/8, 172.16/12, 192.168/16), shared CGNAT (100.64/10), loopback (127/8),
    /// link-local (169.254/16), IETF and documentation blocks, benchmarking (198.18/15), multicast,
    /// reserved and broadcast (224/3).
    public static func isPublic(ipv4 address: [UInt8]) -> Bool {
        precondition(address.count == 4, "an IPv4 address has 4 bytes")
        let (first, second, third) = (address[0], address[1], address[2])
        switch (first, second) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168), (224..., _): return false
        case (100, 64...127), (172, 16...31), (198, 18...19): return false
        case (192, 0): return third != 0 && third != 2
        case (198, 51): return third != 100
        case (203, 0): return third != 113
        default: return true
        }
    }

    /// Whether a callback may be delivered to this IPv6 address: `false` for unspecified and
    /// loopback, link-local (fe80::/10), site-local (fec0::/10), unique-local (fc00::/7), multicast,
    /// documentation (2001:db8::/32), and for IPv4 addresses embedded by mapping (::ffff:0:0/96),
    /// compatibility (::/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) that are not public themselves.
    public static func isPublic(ipv6 address: [UInt8]) -> Bool {
        precondition(address.count == 16, "an IPv6 address has 16 bytes")
        let prefix = Array(address[0..<12])
        let embedded = Array(address[12..<16])
        if prefix.allSatisfy({ $0 == 0 }) { return isPublic(ipv4: embedded) }
        if prefix == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { return isPublic(ipv4: embedded) }
        if prefix == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return isPublic(ipv4: embedded) }
        if address[0] == 0x20, address[1] == 0x02 { return isPublic(ipv4: Array(address[2..<6])) }
        if address[0] == 0x20, address[1] == 0x01, address[2] == 0x0D, address[3] == 0xB8 { return false }
        return address[0] & 0xFE != 0xFC && address[0] != 0xFF && !(address[0] == 0xFE && address[1] & 0x80 != 0)
    }

    /// A callback URL's host, read the way a connecting client reads it.
    enum Host: Equatable {
        case ipv4([UInt8])
        case ipv6([UInt8])
        case name(String)

        init?(_ text: String) {
            if text.hasPrefix("[") {
                guard text.hasSuffix("]"), let address = IPAddressText.ipv6(text.dropFirst().dropLast()) else {
                    return nil
                }
                self = .ipv6(address)
                return
            }
            let allowed = text.utf8.allSatisfy {
                $0.isASCIILetter || $0.isASCIIDigit || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F
            }
            var labels = text.lowercased().split(separator: ".", omittingEmptySubsequences: false)
            if labels.count > 1, labels.last == "" { labels.removeLast() }
            guard allowed, !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty }) else { return nil }
            guard IPAddressText.isNumeric(labels[labels.count - 1]) else {
                self = .name(labels.joined(separator: "."))
                return
            }
            guard let address = IPAddressText.ipv4(labels) else { return nil }
            self = .ipv4(address)
        }

        var isPublic: Bool {
            switch self {
            case .ipv4(let address): CallbackURLPolicy.isPublic(ipv4: address)
            case .ipv6(let address): CallbackURLPolicy.isPublic(ipv6: address)
            case .name(let name): name != "localhost" && !name.hasSuffix(".localhost")
            }
        }
    }
}

/// The pieces of an absolute `http`/`https` URL that the policy looks at.
private struct URLParts {
    let scheme: String
    let hasUserInfo: Bool
    let host: String

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let separator = text.range(of: "://") else { return nil }
        scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[separator.upperBound...]
        let fullAuthority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        hasUserInfo = fullAuthority.contains("@")
        let authority =
            fullAuthority.lastIndex(of: "@").map { fullAuthority[fullAuthority.index(after: $0)...] } ?? fullAuthority
        var hostAndPort = authority
        if let bracket = authority.lastIndex(of: "]") {
            hostAndPort = authority[authority.index(after: bracket)...]
            host = String(authority[...bracket])
        } else {
            host = String(authority.prefix { $0 != ":" })
            hostAndPort = authority.dropFirst(host.count)
        }
        guard !host.isEmpty, hostAndPort.isEmpty || Self.isPort(hostAndPort) else { return nil }
    }

    /// `:` and a port 1–65535; an empty port is refused, though WHATWG allows it, to keep one spelling.
    private static func isPort(_ text: Substring) -> Bool {
        guard text.first == ":" else { return false }
        let digits = text.dropFirst()
        guard (1...5).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(digits)
        else { return false }
        return (1...65535).contains(port)
    }
}

/// Reading IP addresses from host text.
enum IPAddressText {
    /// Whether a label is a number as WHATWG URL sees one (decimal digits, or `0x` and hex digits), which
    /// makes the whole host an IPv4 address or invalid.
    static func isNumeric(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") { return label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return label.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// WHATWG URL's IPv4 parser: 1–4 parts, each decimal, octal (leading 0) or hex (`0x`); the last
    /// part fills the bytes the others did not give (`127.1` is 127.0.0.1).
    static func ipv4(_ labels: [Substring]) -> [UInt8]? {
        guard labels.count <= 4 else { return nil }
        var numbers: [UInt64] = []
        for label in labels {
            guard let number = ipv4Number(label) else { return nil }
            numbers.append(number)
        }
        let last = numbers.removeLast()
        guard numbers.allSatisfy({ $0 <= 255 }), last < 1 << (8 * UInt64(4 - numbers.count)) else { return nil }
        var value = last
        for (index, number) in numbers.enumerated() { value += number << (8 * UInt64(3 - index)) }
        return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func ipv4Number(_ label: Substring) -> UInt64? {
        var digits = label
        var radix = 10
        if label.hasPrefix("0x") {
            digits = label.dropFirst(2)
            radix = 16
        } else if label.count > 1, label.hasPrefix("0") {
            digits = label.dropFirst()
            radix = 8
        }
        if digits.isEmpty { return 0 }
        // Longer than 12 digits is above 2^32 in any radix; stopping early keeps UInt64 from overflowing.
        guard digits.count <= 12 else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// RFC 4291 text: eight groups of 1–4 hex digits, one `::` for a run of zero groups, optionally
    /// ending in a dotted-decimal IPv4 address. Zone ids (`%eth0`) are refused.
    static func ipv6(_ text: Substring) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2, let head = groups(halves[0], mayEndInIPv4: halves.count == 1) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1], mayEndInIPv4: true), head.count + tail.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    private static func groups(_ text: Substring, mayEndInIPv4: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var ipv4Groups: [UInt16] = []
        if mayEndInIPv4, let last = parts.last, last.contains(".") {
            guard let address = dottedDecimal(last) else { return nil }
            ipv4Groups = [UInt16(address[0]) << 8 | UInt16(address[1]), UInt16(address[2]) << 8 | UInt16(address[3])]
            parts.removeLast()
        }
        var result: [UInt16] = []
        for part in parts {
            guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit), let group = UInt16(part, radix: 16)
            else {
                return nil
            }
            result.append(group)
        }
        return result + ipv4Groups
    }

    /// Strict `a.b.c.d` as inside IPv6 text: decimal, 0–255, no leading zeros.
    private static func dottedDecimal(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || !part.hasPrefix("0"), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
