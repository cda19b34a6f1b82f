/// Every limit of the HTTP engine, named with its unit last.
///
/// Each has a `serve` option, so tests shorten deadlines instead of waiting. Memory is
/// bounded by `connectionsMax × (connectionMemoryBytesMax + bodyBytesMax)` at worst:
/// about 1 GB with the defaults, reached only if every connection sends a full body
/// at once.
public struct HTTPServerConfiguration: Sendable {
    /// The IP address to listen on (IPv4 or IPv6 literal).
    public var host = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    public var port: UInt16 = 8080
    /// Engine threads, each with its own epoll loop.
    public var threadCount = 2
    /// A connection that starts no request for this long after opening or after its
    /// last answer is closed, however slowly bytes of a request line trickle in.
    public var connectionIdleTimeoutSeconds = 30
    /// The whole of a request (headers and body) must arrive within this long of its
    /// request line: a client trickling bytes is cut off.
    public var requestReceiveTimeoutSeconds = 10.0
    /// A handler still running after this long is answered `503`.
    public var handlerTimeoutSeconds = 30.0
    /// Open connections in all.
    public var connectionsMax = 10_000
    /// Open connections from one address (SPEC 3.7 asks for at least 256).
    public var connectionsPerAddressMax = 512
    /// Memory for one connection's headers and read buffer; longer headers get `431`.
    /// libmicrohttpd clears it between requests, so a larger pool costs every request
    /// (measured: 64 KiB served /healthz ~5% slower than 32 KiB).
    public var connectionMemoryBytesMax = 32 * 1024
    /// The largest body accepted; larger ones get `413`.
    public var bodyBytesMax = 64 * 1024
    /// How long a stop waits for requests in flight before answering them `503`.
    public var shutdownGraceSeconds = 30.0

    /// The defaults, fit for a public endpoint.
    public init() {}

    /// Whether `host` is something the server can listen on: an IPv4 or IPv6 literal,
    /// or `localhost`.
    public static func isListenable(host: String) -> Bool {
        (try? SocketAddress(host: host, port: 0)) != nil
    }
}
