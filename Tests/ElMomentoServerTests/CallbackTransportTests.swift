import ElMomentoHTTP
import ElMomentoTestSupport
import Foundation
import Synchronization
import Testing

@testable import ElMomentoServer

/// A resolver that answers from a table and records every lookup, so no test ever asks the
/// network.
final class TableResolver: HostResolver {
    private let table: [String: [String]]
    private let lookedUp = Mutex<[String]>([])

    init(_ table: [String: [String]]) {
        self.table = table
    }

    /// The host names looked up, in order.
    var lookups: [String] { lookedUp.withLock { $0 } }

    func addresses(of host: String, port: Int) throws -> [IPAddress] {
        lookedUp.withLock { $0.append(host) }
        guard let answers = table[host] else {
            throw HostResolutionError(description: "no such host in the test table")
        }
        return answers.map { IPAddress($0)! }
    }
}

/// A resolver that answers only once released, like a DNS server that does not answer.
struct HangingResolver: HostResolver {
    let release: DispatchSemaphore

    func addresses(of host: String, port: Int) throws -> [IPAddress] {
        release.wait()
        throw HostResolutionError(description: "released")
    }
}

@Suite struct CallbackTransportTests {
    let body = Array(#"{"id":"ord_1","amount":500,"event":"deposit.completed","note":"café ✓"}"#.utf8)
    let headers: [(name: String, value: String)] = [
        ("Content-Type", "application/json"), ("X-Timestamp", "1766825847"), ("Signature", "ab12"),
        ("Webhook-Id", "evt_1"),
    ]

    func transport(
        allowsPrivateAddresses: Bool = true, resolver: any HostResolver = TableResolver([:]), timeoutSeconds: Int = 5,
        inFlightMax: Int = 64
    ) -> CallbackTransport {
        CallbackTransport(
            configuration: CallbackTransportConfiguration(
                timeoutSeconds: timeoutSeconds, inFlightMax: inFlightMax,
                allowsPrivateAddresses: allowsPrivateAddresses, resolver: resolver))
    }

    @Test func aCallbackArrivesWithItsExactBodyAndHeadersAndIsAcknowledged() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(response.statusCode == 200)
        #expect(response.error == nil)
        #expect(response.isAcknowledged)
        #expect(response.latencyMilliseconds >= 0 && response.latencyMilliseconds < 5000)
        let request = try #require(receiver.requests.first)
        #expect(receiver.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/callback")
        #expect(request.body == body)
        for (name, value) in headers { #expect(request.headerValues(name) == [value]) }
        #expect(request.header("Content-Length") == "\(body.count)")
        #expect(request.header("Expect") == nil)
        #expect(request.header("Host") == "127.0.0.1:\(receiver.port)")
    }

    @Test func withoutAContentTypeNoneIsSent() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: [], body: []))
        #expect(response.statusCode == 200)
        #expect(receiver.requests.first?.header("Content-Type") == nil)
        #expect(receiver.requests.first?.body == [])
    }

    /// libcurl would ask for `100 Continue` before a large body and wait up to a second for it.
    @Test func aLargeBodyIsSentWholeWithoutAskingToContinue() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = transport()
        defer { transport.stop() }
        let large = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: large))
        #expect(response.statusCode == 200)
        #expect(receiver.requests.first?.body == large)
        #expect(receiver.requests.first?.header("Expect") == nil)
    }

    @Test func serverErrorsAndGoneAreReportedAsStatusesNotErrors() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.answers = [.init(status: 500, body: "boom"), .init(status: 410)]
        let transport = transport()
        defer { transport.stop() }
        let first = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        let second = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(first.statusCode == 500 && first.error == nil && !first.isAcknowledged)
        #expect(second.statusCode == 410 && second.error == nil && !second.isAcknowledged)
        #expect(first.retryAfterSeconds == nil)
    }

    @Test func retryAfterIsRead() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.answers = [
            .init(status: 503, headers: [("Retry-After", "120")]),
            .init(status: 429, headers: [("Retry-After", " 7 ")]),
        ]
        let transport = transport()
        defer { transport.stop() }
        let first = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        let second = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(first.statusCode == 503 && first.retryAfterSeconds == 120)
        #expect(second.statusCode == 429 && second.retryAfterSeconds == 7)
    }

    @Test func retryAfterReadsDeltaSecondsAndHTTPDates() {
        let now = 1_445_412_480  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(CallbackTransfer.retryAfterSeconds("0", nowSecondsSince1970: now) == 0)
        #expect(CallbackTransfer.retryAfterSeconds("3600", nowSecondsSince1970: now) == 3600)
        #expect(CallbackTransfer.retryAfterSeconds("99999999999999999999999", nowSecondsSince1970: now) == Int.max)
        #expect(CallbackTransfer.retryAfterSeconds("Wed, 21 Oct 2015 07:30:00 GMT", nowSecondsSince1970: now) == 120)
        #expect(CallbackTransfer.retryAfterSeconds("Wed, 21 Oct 2015 07:00:00 GMT", nowSecondsSince1970: now) == 0)
        for nonsense in ["", "soon", "-5", "1.5", "12 s"] {
            #expect(CallbackTransfer.retryAfterSeconds(nonsense, nowSecondsSince1970: now) == nil, "\(nonsense)")
        }
    }

    @Test func anAttemptEndsAtTheTimeout() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.defaultAnswer = .init(delaySeconds: 10)
        let transport = transport(timeoutSeconds: 1)
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(response.statusCode == nil)
        #expect(response.error == "timed out after 1 s")
        #expect(response.latencyMilliseconds >= 900 && response.latencyMilliseconds < 3000)
        #expect(receiver.requests.count == 1)
    }

    @Test func redirectsAreNotFollowed() async throws {
        let target = try CallbackReceiver()
        defer { target.stop() }
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.answers = [.init(status: 302, headers: [("Location", target.url)])]
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(response.statusCode == 302)
        #expect(!response.isAcknowledged)
        #expect(target.connectionCount == 0)
    }

    @Test func aRefusedConnectionIsReported() async throws {
        let closed = try CallbackReceiver()
        closed.stop()
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: closed.url, headers: headers, body: body))
        #expect(response.statusCode == nil)
        #expect(response.error == "connection refused")
    }

    @Test func aLargeAnswerBodyIsCutShortAndTheStatusDecides() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.answers = [.init(body: String(repeating: "x", count: 1_000_000))]
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: headers, body: body))
        #expect(response.statusCode == 200)
        #expect(response.isAcknowledged)
    }

    @Test(arguments: ["ftp://127.0.0.1/callback", "127.0.0.1/callback", "http://", "not a url", ""])
    func whatIsNotAnHTTPURLIsRefused(_ url: String) async {
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: url, headers: headers, body: body))
        #expect(response.statusCode == nil)
        #expect(response.error == "callback URL is not an absolute http or https URL")
    }

    @Test(arguments: ["Bad Name", "", "Name:", "Über"])
    func aMalformedHeaderNameIsRefusedBeforeConnecting(_ name: String) async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = transport()
        defer { transport.stop() }
        let response = await transport.send(CallbackRequest(url: receiver.url, headers: [(name, "v")], body: body))
        #expect(response.error == "a header name or value is not valid")
        #expect(receiver.connectionCount == 0)
    }

    @Test func aHeaderValueCannotSmuggleAnotherHeader() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let transport = transport()
        defer { transport.stop() }
        for value in ["a\r\nX-Injected: 1", "a\nb", "a\0b"] {
            let response = await transport.send(CallbackRequest(url: receiver.url, headers: [("X", value)], body: body))
            #expect(response.error == "a header name or value is not valid")
        }
        #expect(receiver.connectionCount == 0)
    }

    @Test func noMoreThanInFlightMaxAttemptsAreMadeAtOnce() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.defaultAnswer = .init(delaySeconds: 0.2)
        let transport = transport(inFlightMax: 2)
        defer { transport.stop() }
        let statuses = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    await transport.send(CallbackRequest(url: receiver.url, headers: [], body: [])).statusCode
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [Int?](repeating: 200, count: 10))
        #expect(receiver.requests.count == 10)
        #expect(receiver.concurrentRequestsMax == 2)
        #expect(receiver.concurrentConnectionsMax <= 2)
    }

    /// Linux refuses thread names past 15 bytes, silently through Foundation: `top -H` must show them.
    @Test func theTransportsThreadsCarryTheirNames() async throws {
        let transport = transport(allowsPrivateAddresses: false, resolver: TableResolver(["a.example": ["10.0.0.5"]]))
        defer { transport.stop() }
        // Answered only once the sender thread and a lookup thread have run, named.
        _ = await transport.send(CallbackRequest(url: "https://a.example/", headers: [], body: []))
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = Set(
            tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .newlines) })
        #expect(names.contains("callback-sender"))
        #expect(names.contains("callback-dns"))
    }

    @Test func aSendAfterStopFailsAtOnce() async {
        let transport = transport()
        transport.stop()
        let response = await transport.send(CallbackRequest(url: "http://127.0.0.1:9/", headers: [], body: []))
        #expect(response.error == "callback transport stopped")
        #expect(response.statusCode == nil)
    }

    @Test func stopAbortsTheAttemptsInProgressAndWaiting() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        receiver.defaultAnswer = .init(delaySeconds: 30)
        let transport = transport(timeoutSeconds: 30, inFlightMax: 1)
        let sends = (0..<3).map { _ in
            Task { await transport.send(CallbackRequest(url: receiver.url, headers: [], body: [])) }
        }
        #expect(await receiver.waitForRequests(count: 1, timeoutSeconds: 5))
        let started = ContinuousClock.now
        transport.stop()
        for send in sends { #expect(await send.value.error == "callback transport stopped") }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(receiver.requests.count == 1)
    }
}

/// Production's address rules (SPEC 7): a callback reaches only public addresses, checked
/// before any connection, whatever the spelling; the receivers here are on loopback, so each
/// test also proves no connection was made.
@Suite struct CallbackTransportAddressTests {
    func transport(resolver: TableResolver, allowsPrivateAddresses: Bool = false) -> CallbackTransport {
        CallbackTransport(
            configuration: CallbackTransportConfiguration(
                timeoutSeconds: 5, allowsPrivateAddresses: allowsPrivateAddresses, resolver: resolver))
    }

    func send(_ url: String, through transport: CallbackTransport) async -> CallbackResponse {
        await transport.send(CallbackRequest(url: url, headers: [("Webhook-Id", "evt_1")], body: Array("{}".utf8)))
    }

    @Test func aNameResolvingToAPrivateAddressIsRefused() async {
        let resolver = TableResolver(["merchant.example": ["10.0.0.5"]])
        let transport = transport(resolver: resolver)
        defer { transport.stop() }
        let response = await send("https://merchant.example/hook", through: transport)
        #expect(response.error == "address 10.0.0.5 is not public")
        #expect(response.statusCode == nil)
        #expect(resolver.lookups == ["merchant.example"])
    }

    @Test func aNameResolvingToLoopbackIsRefusedWithoutAConnection() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let resolver = TableResolver(["merchant.example": ["127.0.0.1"]])
        let transport = transport(resolver: resolver)
        defer { transport.stop() }
        let response = await send("http://merchant.example:\(receiver.port)/hook", through: transport)
        #expect(response.error == "address 127.0.0.1 is not public")
        #expect(receiver.connectionCount == 0)
    }

    @Test func oneNonPublicAnswerAmongPublicOnesRefusesTheAttempt() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let resolver = TableResolver(["merchant.example": ["93.184.216.34", "2606:2800:220:1::1", "127.0.0.1"]])
        let transport = transport(resolver: resolver)
        defer { transport.stop() }
        let response = await send("http://merchant.example:\(receiver.port)/hook", through: transport)
        #expect(response.error == "address 127.0.0.1 is not public")
        #expect(receiver.connectionCount == 0)
    }

    @Test(arguments: [
        ("::ffff:10.0.0.1", "10.0.0.1"), ("fd00::1", "fd00::1"), ("fe80::1", "fe80::1"), ("::1", "::1"),
        ("100.64.0.1", "100.64.0.1"), ("169.254.169.254", "169.254.169.254"), ("0.0.0.0", "0.0.0.0"),
        ("224.0.0.1", "224.0.0.1"), ("ff02::1", "ff02::1"), ("::", "::"), ("64:ff9b::a00:1", "64:ff9b::a00:1"),
    ])
    func everyKindOfNonPublicAnswerIsRefused(_ answer: String, _ shown: String) async {
        let transport = transport(resolver: TableResolver(["merchant.example": [answer]]))
        defer { transport.stop() }
        let response = await send("https://merchant.example/hook", through: transport)
        #expect(response.error == "address \(shown) is not public")
    }

    /// Literal addresses in every spelling libcurl accepts are checked as the address it
    /// would connect to, without a lookup.
    @Test(arguments: [
        "127.0.0.1", "127.1", "2130706433", "0x7f.1", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    ])
    func aLiteralLoopbackAddressIsRefusedWithoutALookupOrAConnection(_ host: String) async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let resolver = TableResolver([:])
        let transport = transport(resolver: resolver)
        defer { transport.stop() }
        let response = await send("http://\(host):\(receiver.port)/hook", through: transport)
        #expect(response.error?.hasSuffix("is not public") == true, "\(response.error ?? "no error")")
        #expect(resolver.lookups == [])
        #expect(receiver.connectionCount == 0)
    }

    @Test func aNameThatDoesNotResolveIsReported() async {
        let transport = transport(resolver: TableResolver([:]))
        defer { transport.stop() }
        let response = await send("https://nowhere.example/hook", through: transport)
        #expect(response.error == "could not resolve nowhere.example: no such host in the test table")
    }

    @Test func aLookupThatHangsEndsAtTheTimeout() async {
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }
        let transport = CallbackTransport(
            configuration: CallbackTransportConfiguration(
                timeoutSeconds: 1, allowsPrivateAddresses: false, resolver: HangingResolver(release: release)))
        defer { transport.stop() }
        let response = await send("https://slow.example/hook", through: transport)
        #expect(response.error == "timed out after 1 s")
        #expect(response.latencyMilliseconds >= 900 && response.latencyMilliseconds < 3000)
    }

    @Test func inSandboxANameResolvingToLoopbackIsReachedAtThatAddress() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let resolver = TableResolver(["merchant.example": ["127.0.0.1"]])
        let transport = transport(resolver: resolver, allowsPrivateAddresses: true)
        defer { transport.stop() }
        let response = await send("http://merchant.example:\(receiver.port)/hook?order=1", through: transport)
        #expect(response.statusCode == 200)
        #expect(receiver.requests.first?.header("Host") == "merchant.example:\(receiver.port)")
        #expect(receiver.requests.first?.target == "/hook?order=1")
        #expect(resolver.lookups == ["merchant.example"])
    }

    /// The answer is pinned: libcurl connects to the checked address and does not look the
    /// name up again (which a rebinding DNS server would answer differently). `localhost`
    /// resolves to 127.0.0.1 where the receiver listens, so an unpinned connection would reach
    /// it; pinned to 127.0.0.2, where nothing listens, it is refused.
    @Test func theConnectionGoesToTheCheckedAddressOnly() async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let resolver = TableResolver(["localhost": ["127.0.0.2"]])
        let transport = transport(resolver: resolver, allowsPrivateAddresses: true)
        defer { transport.stop() }
        let response = await send("http://localhost:\(receiver.port)/hook", through: transport)
        #expect(response.error == "connection refused")
        #expect(receiver.connectionCount == 0)
        #expect(resolver.lookups == ["localhost"])
    }
}

@Suite struct SystemHostResolverTests {
    /// Only names the machine answers itself (`/etc/hosts`, literals): tests never ask the network.
    @Test func resolvesLocalhostAndLiterals() throws {
        let resolver = SystemHostResolver()
        #expect(try resolver.addresses(of: "localhost", port: 80).contains(IPAddress("127.0.0.1")!))
        #expect(try resolver.addresses(of: "127.0.0.1", port: 80) == [IPAddress("127.0.0.1")!])
        #expect(try resolver.addresses(of: "::1", port: 443) == [IPAddress("::1")!])
    }

    /// glibc refuses a name with a space before any query (seen with strace: nothing sent).
    @Test func aMalformedNameIsAnError() {
        #expect(throws: HostResolutionError.self) { try SystemHostResolver().addresses(of: "bad name", port: 80) }
    }
}

/// The second line of the address rules: just before libcurl connects, the socket callback
/// refuses a non-public address even if the checks before the transfer were skipped.
@Suite struct CallbackTransferSocketCheckTests {
    @Test(arguments: [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("[::ffff:127.0.0.1]", "127.0.0.1")])
    func aTransferToANonPublicAddressNeverConnects(_ host: String, _ shown: String) async throws {
        let receiver = try CallbackReceiver()
        defer { receiver.stop() }
        let url = "http://\(host):\(receiver.port)/callback"
        let error = try await onOwnThread { () -> String? in
            CurlLibrary.initializeOnce()
            let multi = MultiHandle(connectionsMax: 1)
            defer { multi.close() }
            let transfer = try CallbackTransfer(
                request: CallbackRequest(url: url, headers: [], body: []),
                destination: CallbackDestination(url: url), pinnedAddresses: [], timeoutMilliseconds: 5000,
                allowsPrivateAddresses: false)
            multi.add(transfer.easy)
            defer { multi.remove(transfer.easy) }
            while true {
                multi.perform()
                if let (_, result) = multi.nextFinishedTransfer() {
                    return transfer.response(result: result, timeoutError: "timed out").error
                }
                multi.wait(milliseconds: 100)
            }
        }
        #expect(error == "address \(shown) is not public")
        #expect(receiver.connectionCount == 0)
    }
}

/// The public-address classification the transport applies, checked against the IANA
/// special-purpose registries written as networks: the first and last address of every
/// block, and the addresses just outside it, in IPv4 and in every IPv6 form that embeds IPv4.
@Suite struct PublicAddressTests {
    static let nonPublicIPv4 = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/3",
    ].map { IPNetwork($0)! }

    static let nonPublicIPv6 = ["::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32"]
        .map { IPNetwork($0)! }

    static func isInAnyBlock(_ address: IPAddress) -> Bool {
        (nonPublicIPv4 + nonPublicIPv6).contains { $0.contains(address) }
    }

    /// Every address at an IPv4 block's edge, and one each side of it.
    static var ipv4Edges: [IPAddress] {
        nonPublicIPv4.flatMap { block -> [IPAddress] in
            let first = value(block.address)
            let last = first + (UInt32.max >> UInt32(block.prefixLength))
            return [first &- 1, first, last, last &+ 1].map(ipv4)
        }
    }

    static func value(_ address: IPAddress) -> UInt32 {
        address.bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func ipv4(_ value: UInt32) -> IPAddress {
        IPAddress("\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)")!
    }

    @Test func ipv4AddressesArePublicExactlyOutsideTheSpecialBlocks() {
        for address in Self.ipv4Edges {
            #expect(address.isPublic == !Self.isInAnyBlock(address), "\(address)")
        }
        // One address in every /8, so no block is missed between the edges.
        for first in 0...255 {
            let address = IPAddress("\(first).77.1.1")!
            #expect(address.isPublic == !Self.isInAnyBlock(address), "\(address)")
        }
    }

    @Test func ipv4EmbeddedInIPv6IsClassifiedAsItsIPv4Address() {
        for address in Self.ipv4Edges {
            let hex = address.bytes.map { String(format: "%02x", $0) }
            // Mapped, compatible, NAT64 and 6to4 (2002:AABB:CCDD::/48).
            let forms = [
                "::ffff:\(address)", "::\(address)", "64:ff9b::\(address)",
                "2002:\(hex[0])\(hex[1]):\(hex[2])\(hex[3])::1",
            ]
            for form in forms {
                #expect(IPAddress(form)!.isPublic == address.isPublic, "\(form)")
            }
        }
    }

    @Test func ipv6AddressesArePublicExactlyOutsideTheSpecialBlocks() {
        let samples = [
            "::1", "fbff:ffff::1", "fc00::1", "fdff:ffff::1", "fe00::1", "fe7f::1", "fe80::1", "febf::1",
            "fec0::1", "feff::1", "ff00::1", "ff02::1", "2001:db7:ffff::1", "2001:db8::1", "2001:db9::1",
            "2606:4700::1111", "2a00:1450::1",
        ]
        for text in samples {
            let address = IPAddress(text)!
            #expect(address.isPublic == !Self.isInAnyBlock(address), "\(address)")
        }
    }
}
