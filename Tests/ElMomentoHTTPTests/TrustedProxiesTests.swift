import Testing

@testable import ElMomentoHTTP

/// Addresses and blocks as `inet_pton` reads them, and the client behind trusted proxies.
@Suite struct TrustedProxiesTests {
    @Test(arguments: [
        ("192.0.2.7", "192.0.2.7"), ("::1", "::1"), ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:192.0.2.7", "192.0.2.7"), ("0:0:0:0:0:0:0:1", "::1"),
    ])
    func anAddressHasOneCanonicalSpelling(_ text: String, _ canonical: String) throws {
        #expect(try #require(IPAddress(text)).description == canonical)
    }

    @Test(arguments: [
        "", "1.2.3", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "[::1]", "fe80::1%eth0", "example.com", "1.2.3.4\u{0}",
        "1.2.3.4:80", "256.0.0.1", String(repeating: "1", count: 60),
    ])
    func whatIsNoAddressIsRefused(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false),
        ("192.168.1.128/25", "192.168.1.129", true), ("192.168.1.128/25", "192.168.1.127", false),
        ("192.168.1.1/24", "192.168.1.200", true), ("0.0.0.0/0", "203.0.113.9", true), ("0.0.0.0/0", "::1", false),
        ("127.0.0.1", "127.0.0.1", true), ("127.0.0.1", "127.0.0.2", false), ("fd00::/8", "fd12:3456::1", true),
        ("fd00::/8", "fe80::1", false), ("2001:db8::/33", "2001:db8:7fff::1", true),
        ("2001:db8::/33", "2001:db8:8000::1", false), ("::/0", "::1", true), ("::/0", "10.0.0.1", false),
        ("::1", "::1", true), ("::1", "::2", false), ("::ffff:10.0.0.0/104", "10.1.2.3", true),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true),
    ])
    func aBlockHoldsTheAddressesSharingItsPrefix(_ block: String, _ address: String, _ inside: Bool) throws {
        let network = try #require(IPNetwork(block))
        #expect(network.contains(try #require(IPAddress(address))) == inside)
    }

    @Test(arguments: [
        "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
        "::ffff:10.0.0.0/95", "10.0.0.0/0008", "bogus", "", "10.0.0.0/８",
    ])
    func whatIsNoBlockIsRefused(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test(arguments: [
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"), ("192.0.2.255", 25, "192.0.2.128/25"),
        ("192.0.2.7", 32, "192.0.2.7/32"), ("::1", 0, "::/0"),
    ])
    func aBlockAroundAnAddressClearsTheBitsPastItsPrefix(_ address: String, _ prefixLength: Int, _ block: String) throws
    {
        let network = IPNetwork(containing: try #require(IPAddress(address)), prefixLength: prefixLength)
        #expect(network.description == block)
    }

    let proxies = TrustedProxies([IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!])

    @Test(arguments: [
        ("198.51.100.1", ["203.0.113.7"], "198.51.100.1"),  // an untrusted peer is the client, whatever it says
        ("10.0.0.1", [], "10.0.0.1"),  // a proxy's own request
        ("10.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        ("10.0.0.1", ["198.51.100.1, 203.0.113.7, 10.0.0.2"], "203.0.113.7"),  // the client's own entry is not believed
        ("10.0.0.1", ["198.51.100.1", "203.0.113.7"], "203.0.113.7"),  // several fields are one list
        ("10.0.0.1", ["10.0.0.3,10.0.0.2"], "10.0.0.3"),  // every hop trusted: the farthest
        ("10.0.0.1", ["203.0.113.7, garbage, 10.0.0.2"], "10.0.0.2"),  // unreadable: the last hop vouched for
        ("10.0.0.1", ["203.0.113.7, "], "10.0.0.1"),
        ("fd00::1", ["2001:DB8::7"], "2001:db8::7"),
        ("::ffff:10.0.0.1", ["203.0.113.7"], "203.0.113.7"),  // an IPv4 proxy seen on a dual-stack socket
        ("unknown", ["203.0.113.7"], "unknown"),
        ("10.0.0.1", ["203.0.113.7:4711"], "203.0.113.7"),  // entries with the port they came from
        ("10.0.0.1", ["[2001:db8::7]:4711, 10.0.0.2:80"], "2001:db8::7"),
        ("10.0.0.1", ["[2001:db8::7"], "10.0.0.1"),
    ])
    func theClientIsTheNearestUntrustedForwardedAddress(_ peer: String, _ forwardedFor: [String], _ client: String) {
        #expect(proxies.clientAddress(peer: peer, forwardedFor: forwardedFor) == client)
    }

    @Test func withoutTrustedProxiesForwardedForIsIgnored() {
        #expect(TrustedProxies().clientAddress(peer: "10.0.0.1", forwardedFor: ["203.0.113.7"]) == "10.0.0.1")
    }
}
