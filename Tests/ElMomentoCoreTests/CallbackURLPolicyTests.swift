import ElMomentoCore
import Testing

@Suite struct CallbackURLPolicyTests {
    private func refusal(_ url: String, _ environment: GatewayEnvironment = .production) -> String? {
        CallbackURLPolicy.refusal(for: url, environment: environment)
    }

    @Test(arguments: [
        "https://google.com", "https://example.com/hook?a=1&b=2#f", "https://EXAMPLE.com:8443/x", "HTTPS://example.com",
        "https://8.8.8.8/", "https://[2606:4700::1111]/", "https://sub.example.com./", "https://a_b.example.com/",
        "https://1.1.1.1:443/cb", "https://[::ffff:8.8.8.8]/", "https://example.localhost.com/",
    ])
    func acceptsPublicHTTPSInProduction(_ url: String) {
        #expect(refusal(url) == nil)
    }

    @Test(arguments: [
        "https://127.0.0.1/", "https://127.1/", "https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/",
        "https://0x7f.1/", "https://10.0.0.1/", "https://172.16.0.1/", "https://172.31.255.255/",
        "https://192.168.1.1/",
        "https://100.64.0.1/", "https://169.254.169.254/", "https://0.0.0.0/", "https://0/", "https://255.255.255.255/",
        "https://224.0.0.1/", "https://[::1]/", "https://[::]/", "https://[fe80::1]/", "https://[febf::1]/",
        "https://[fc00::1]/", "https://[fd12:3456::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/",
        "https://[::ffff:10.1.2.3]/", "https://[64:ff9b::a00:1]/", "https://[2002:c0a8:101::1]/", "https://[ff02::1]/",
        "https://localhost/", "https://LOCALHOST:8443/", "https://localhost./", "https://api.localhost/",
        "https://[0:0:0:0:0:0:0:1]/",
    ])
    func refusesNonPublicHostsInProductionOnly(_ url: String) {
        let message = "callback_url must not point at localhost or a private, loopback or link-local address"
        #expect(refusal(url) == message + " in production.")
        #expect(refusal(url, .sandbox) == nil)
    }

    @Test func productionWantsHTTPS() {
        #expect(refusal("http://example.com/") == "callback_url must use https in production.")
        #expect(refusal("http://127.0.0.1:8080/cb", .sandbox) == nil)
    }

    @Test(arguments: [
        "http://user@host.com/", "https://user:pass@example.com/", "https://@example.com/", "https://a@127.0.0.1/",
        "https://example.com@evil.com/",
    ])
    func refusesCredentialsEverywhere(_ url: String) {
        let message = "callback_url must not carry credentials (user@ or user:password@)."
        #expect(refusal(url) == message)
        #expect(refusal(url, .sandbox) == message)
    }

    @Test(arguments: [
        "example.com", "//example.com", "ftp://example.com/", "javascript:alert(1)", "https://", "https:///path",
        "https:example.com", "https://:443/", "https://example.com:/", "https://example.com:0/",
        "https://example.com:65536/", "https://example.com:12a/", "mailto:a@b.co", "", "https://[::1/",
    ])
    func refusesWhatIsNotAnAbsoluteHTTPURLWithAHost(_ url: String) {
        let message =
            "callback_url must be an absolute http or https URL with a host, such as https://example.com/hook."
        #expect(refusal(url, .sandbox) == message)
    }

    @Test(arguments: [
        "https://256.0.0.1/", "https://1.2.3.4.5/", "https://0x100000000/", "https://4294967296/", "https://1.256.1/",
        "https://example.123/", "https://08.0.0.1/", "https://[1::2::3]/", "https://[12345::]/",
        "https://[::1%25eth0]/", "https://[1:2:3:4:5:6:7:8:9]/", "https://%6c%6f%63%61%6c%68%6f%73%74/",
        "https://a..b/", "https://.example.com/", "https://exa$mple.com/", "https://[::ffff:127.0.0.01]/",
    ])
    func refusesHostsThatAreNotValid(_ url: String) {
        let message = "callback_url's host is not a valid host name or address."
        #expect(refusal(url, .sandbox) == message)
    }

    @Test(arguments: [
        "https://exa mple.com/", "https://example.com/\u{7F}", "https://exämple.com/", "https://x.com\\@y.com/",
    ])
    func refusesSpacesControlsNonASCIIAndBackslashes(_ url: String) {
        #expect(
            refusal(url, .sandbox) == "callback_url must be ASCII without spaces, control characters or backslashes.")
    }

    @Test func limitsLengthTo2048Bytes() {
        let prefix = "https://example.com/"
        let longest = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(refusal(longest) == nil)
        #expect(refusal(longest + "a") == "callback_url must be at most 2048 bytes.")
    }

    @Test func classifiesIPv4Blocks() {
        #expect(CallbackURLPolicy.isPublic(ipv4: [8, 8, 8, 8]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [172, 15, 255, 255]))
        #expect(!CallbackURLPolicy.isPublic(ipv4: [172, 16, 0, 0]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [172, 32, 0, 0]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [100, 63, 255, 255]))
        #expect(!CallbackURLPolicy.isPublic(ipv4: [100, 127, 0, 1]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [100, 128, 0, 1]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [192, 0, 1, 1]))
        #expect(!CallbackURLPolicy.isPublic(ipv4: [192, 0, 2, 1]))
        #expect(CallbackURLPolicy.isPublic(ipv4: [223, 255, 255, 255]))
    }

    @Test func classifiesIPv6Blocks() {
        var address = [UInt8](repeating: 0, count: 16)
        address[0] = 0x26
        address[1] = 0x06
        #expect(CallbackURLPolicy.isPublic(ipv6: address))
        address[0] = 0xFE
        address[1] = 0xC0
        #expect(!CallbackURLPolicy.isPublic(ipv6: address))
        address[0] = 0xFB
        #expect(CallbackURLPolicy.isPublic(ipv6: address))
    }
}
