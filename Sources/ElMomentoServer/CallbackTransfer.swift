import CCurl
import ElMomentoHTTP
import Foundation
import Glibc
import Synchronization

/// Why an attempt was refused before any connection, in a few words for the attempt's record.
struct TransferRefusal: Error {
    let reason: String
}

/// libcurl's multi handle: the transfers the transport's thread drives.
///
/// `@unchecked Sendable` because other threads call only `wakeUp`, and `curl_multi_wakeup`
/// is documented safe to call from any thread; it runs under `isClosed`'s lock, which
/// `close` holds while freeing the handle, so it never touches a freed handle. Every other
/// method is called on the transport's thread alone.
final class MultiHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let isClosed = Mutex(false)

    /// A multi handle with at most `connectionsMax` connections open at once, in use or
    /// kept for reuse.
    init(connectionsMax: Int) {
        guard let handle = curl_multi_init() else { preconditionFailure("curl_multi_init failed: out of memory") }
        self.handle = handle
        for option in [CURLMOPT_MAX_TOTAL_CONNECTIONS, CURLMOPT_MAXCONNECTS] {
            precondition(elm_curl_multi_setopt_long(handle, option, connectionsMax) == CURLM_OK, "curl_multi_setopt")
        }
    }

    /// Interrupts `wait`, from any thread; does nothing once closed.
    func wakeUp() {
        isClosed.withLock { isClosed in
            if !isClosed { _ = curl_multi_wakeup(handle) }
        }
    }

    func add(_ easy: UnsafeMutableRawPointer) {
        precondition(curl_multi_add_handle(handle, easy) == CURLM_OK, "curl_multi_add_handle")
    }

    func remove(_ easy: UnsafeMutableRawPointer) {
        precondition(curl_multi_remove_handle(handle, easy) == CURLM_OK, "curl_multi_remove_handle")
    }

    /// Moves every transfer as far as it can go without blocking.
    func perform() {
        var running: Int32 = 0
        precondition(curl_multi_perform(handle, &running) == CURLM_OK, "curl_multi_perform")
    }

    /// A transfer that has ended since the last call, and its result.
    func nextFinishedTransfer() -> (easy: UnsafeMutableRawPointer, result: CURLcode)? {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            return (easy, message.pointee.data.result)
        }
        return nil
    }

    /// Sleeps until a socket is ready, libcurl has a timer due, `wakeUp` is called, or
    /// `milliseconds` pass.
    func wait(milliseconds: Int32) {
        precondition(curl_multi_poll(handle, nil, 0, milliseconds, nil) == CURLM_OK, "curl_multi_poll")
    }

    /// Frees the handle, once every transfer has been removed.
    func close() {
        isClosed.withLock { isClosed in
            guard !isClosed else { return }
            isClosed = true
            curl_multi_cleanup(handle)
        }
    }
}

/// A callback URL as libcurl reads it: the parsed URL handed to the transfer
/// (`CURLOPT_CURLU`), so the host checked here is the host libcurl connects to.
final class CallbackDestination {
    fileprivate let url: OpaquePointer
    /// The host, without the brackets of an IPv6 literal.
    let host: String
    /// The port, the scheme's default when the URL names none.
    let port: Int
    /// The host when it is an IP address rather than a name.
    let literalAddress: IPAddress?

    /// Parses `text`, which must be an absolute http or https URL with a host.
    init(url text: String) throws(TransferRefusal) {
        guard let url = curl_url() else { preconditionFailure("curl_url failed: out of memory") }
        let refusal = TransferRefusal(reason: "callback URL is not an absolute http or https URL")
        guard curl_url_set(url, CURLUPART_URL, text, 0) == CURLUE_OK,
            let scheme = Self.part(CURLUPART_SCHEME, of: url)?.lowercased(), scheme == "http" || scheme == "https",
            let host = Self.part(CURLUPART_HOST, of: url), !host.isEmpty,
            let port = Self.part(CURLUPART_PORT, of: url, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap({ Int($0) })
        else {
            curl_url_cleanup(url)
            throw refusal
        }
        self.url = url
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        literalAddress = IPAddress(self.host)
    }

    deinit {
        curl_url_cleanup(url)
    }

    private static func part(_ part: CURLUPart, of url: OpaquePointer, flags: UInt32 = 0) -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard curl_url_get(url, part, &text, flags) == CURLUE_OK, let text else { return nil }
        defer { curl_free(text) }
        return String(cString: text)
    }
}

/// One POST in progress: a libcurl easy handle and everything it points at, freed together.
///
/// Used on the transport's thread alone; libcurl calls its callbacks from inside
/// `curl_multi_perform` on that thread.
final class CallbackTransfer {
    /// The most response body bytes read: past it the transfer ends and the status code
    /// decides, so a receiver streaming without end costs nothing more.
    static let responseBodyBytesMax = 64 * 1024
    private static let userAgent = "ElMomento-Callbacks"

    let easy: UnsafeMutableRawPointer
    private let destination: CallbackDestination
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let allowsPrivateAddresses: Bool
    /// Why libcurl was not let connect to an address (never, while the checks before the
    /// transfer work: this is the second line).
    private var refusal: String?
    private var responseBodyByteCount = 0

    /// A POST of `request` to `destination`, connecting only to `pinnedAddresses` when given,
    /// ending after `timeoutMilliseconds` whatever its state.
    init(
        request: CallbackRequest, destination: CallbackDestination, pinnedAddresses: [IPAddress],
        timeoutMilliseconds: Int, allowsPrivateAddresses: Bool
    ) throws(TransferRefusal) {
        guard let easy = curl_easy_init() else { preconditionFailure("curl_easy_init failed: out of memory") }
        self.easy = easy
        self.destination = destination
        self.allowsPrivateAddresses = allowsPrivateAddresses
        headerList = try Self.headerList(request.headers)
        if !pinnedAddresses.isEmpty {
            let addresses = pinnedAddresses.map { $0.bytes.count == 16 ? "[\($0)]" : "\($0)" }
            let entry = "\(destination.host):\(destination.port):\(addresses.joined(separator: ","))"
            guard let list = curl_slist_append(nil, entry) else {
                preconditionFailure("curl_slist_append: out of memory")
            }
            resolveList = list
        }
        configure(body: request.body, timeoutMilliseconds: timeoutMilliseconds)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
    }

    private func configure(body: [UInt8], timeoutMilliseconds: Int) {
        setOption(CURLOPT_CURLU, pointer: UnsafeRawPointer(destination.url))
        setOption(CURLOPT_NOSIGNAL, 1)
        setOption(CURLOPT_FOLLOWLOCATION, 0)
        // An empty proxy overrides http_proxy and the like from the environment.
        setOption(CURLOPT_PROXY, string: "")
        setOption(CURLOPT_PROTOCOLS_STR, string: "http,https")
        setOption(CURLOPT_USERAGENT, string: Self.userAgent)
        setOption(CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        setOption(CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
        setOption(CURLOPT_POST, 1)
        check(elm_curl_easy_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        // Copied, so the body need not outlive this call; a valid pointer even when empty.
        (body.isEmpty ? [0] : body).withUnsafeBytes { setOption(CURLOPT_COPYPOSTFIELDS, pointer: $0.baseAddress) }
        setOption(CURLOPT_HTTPHEADER, pointer: headerList)
        if let resolveList { setOption(CURLOPT_RESOLVE, pointer: resolveList) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        setOption(CURLOPT_WRITEDATA, pointer: context)
        check(
            elm_curl_easy_setopt_write_function(easy) { _, size, count, context in
                guard let context else { return 0 }
                return Unmanaged<CallbackTransfer>.fromOpaque(context).takeUnretainedValue().discard(size * count)
            })
        setOption(CURLOPT_OPENSOCKETDATA, pointer: context)
        check(
            elm_curl_easy_setopt_open_socket_function(easy) { context, _, address in
                guard let context, let address else { return CURL_SOCKET_BAD }
                let transfer = Unmanaged<CallbackTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.openSocket(address)
            })
    }

    /// Accepts response body bytes up to `responseBodyBytesMax`; returning less than given
    /// ends the transfer.
    private func discard(_ byteCount: Int) -> Int {
        responseBodyByteCount += byteCount
        return responseBodyByteCount <= Self.responseBodyBytesMax ? byteCount : 0
    }

    /// Opens the socket for a connection to `address`, unless that address is not allowed.
    private func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        if !allowsPrivateAddresses {
            // An IPv6 address runs past the 16 bytes of `addr`: read it in libcurl's memory,
            // never from a copy of the field.
            let offset = MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
            let socketAddress = (UnsafeRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
            let ipAddress = IPAddress(socketAddress: socketAddress)
            guard let ipAddress, ipAddress.isPublic else {
                refusal = "address \(ipAddress.map { "\($0)" } ?? "of an unknown family") is not public"
                return CURL_SOCKET_BAD
            }
        }
        return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
    }

    /// What became of the transfer, which ended with `result`; the latency is filled in by
    /// the caller.
    func response(result: CURLcode, timeoutError: String) -> CallbackResponse {
        var status = 0
        check(elm_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status))
        let statusCode = status > 0 ? status : nil
        return CallbackResponse(
            statusCode: statusCode, retryAfterSeconds: statusCode == nil ? nil : retryAfterSeconds(),
            latencyMilliseconds: 0, error: error(result: result, timeoutError: timeoutError))
    }

    private func error(result: CURLcode, timeoutError: String) -> String? {
        switch result {
        case CURLE_OK:
            return nil
        case CURLE_WRITE_ERROR where responseBodyByteCount > Self.responseBodyBytesMax:
            return nil
        case CURLE_OPERATION_TIMEDOUT:
            return timeoutError
        case CURLE_COULDNT_CONNECT:
            if let refusal { return refusal }
            var osError = 0
            check(elm_curl_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osError))
            return osError == 0 ? "could not connect" : String(cString: strerror(Int32(osError))).lowercased()
        default:
            return String(cString: curl_easy_strerror(result))
        }
    }

    private func retryAfterSeconds() -> Int? {
        var header: UnsafeMutablePointer<curl_header>?
        guard curl_easy_header(easy, "Retry-After", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK,
            let value = header?.pointee.value
        else { return nil }
        return Self.retryAfterSeconds(String(cString: value), nowSecondsSince1970: time(nil))
    }

    /// A `Retry-After` value as seconds from now: delta-seconds, or an HTTP-date (read by
    /// libcurl's `curl_getdate`), a date past being 0; `nil` when it is neither.
    static func retryAfterSeconds(_ value: String, nowSecondsSince1970: Int) -> Int? {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return Int(text) ?? Int.max
        }
        let date = curl_getdate(text, nil)
        guard date >= 0 else { return nil }
        return max(0, date - nowSecondsSince1970)
    }

    /// The request's headers as libcurl takes them, with `Expect: 100-continue` removed (it
    /// would cost a round trip or a second's wait) and, unless one is given, libcurl's
    /// default form `Content-Type` removed too.
    private static func headerList(_ headers: [(name: String, value: String)]) throws(TransferRefusal)
        -> UnsafeMutablePointer<curl_slist>?
    {
        var lines: [String] = []
        for (name, value) in headers {
            guard isToken(name), value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                throw TransferRefusal(reason: "a header name or value is not valid")
            }
            // "Name:" would remove a header; "Name;" is libcurl's spelling of an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        lines.append("Expect:")
        if !headers.contains(where: { $0.name.lowercased() == "content-type" }) { lines.append("Content-Type:") }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let longer = curl_slist_append(list, line) else {
                preconditionFailure("curl_slist_append: out of memory")
            }
            list = longer
        }
        return list
    }

    /// Whether `name` is an RFC 9110 token: visible ASCII but for delimiters.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
            }
    }

    private func setOption(_ option: CURLoption, _ value: Int) {
        check(elm_curl_easy_setopt_long(easy, option, value))
    }

    private func setOption(_ option: CURLoption, string: String) {
        check(string.withCString { elm_curl_easy_setopt_pointer(easy, option, $0) })
    }

    private func setOption(_ option: CURLoption, pointer: UnsafeRawPointer?) {
        check(elm_curl_easy_setopt_pointer(easy, option, pointer))
    }

    /// libcurl refuses an option only when it is misused or not built in: a programmer error.
    private func check(_ code: CURLcode) {
        precondition(code == CURLE_OK, "libcurl refused an option: \(String(cString: curl_easy_strerror(code)))")
    }
}
