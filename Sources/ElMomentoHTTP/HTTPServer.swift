import CMicroHTTPD
import Dispatch
import Foundation
import Synchronization

/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible {
    /// What went wrong, for the operator.
    public let description: String
}

/// An HTTP/1.1 server on GNU libmicrohttpd's epoll thread pool.
///
/// Handlers are `async`: while one awaits, its connection is suspended and holds no
/// engine thread. Framing that could smuggle a request, bodies over the limit and
/// requests that arrive too slowly are refused here, before any handler runs.
public final class HTTPServer: Sendable {
    /// The port the server listens on (the one picked, when 0 was asked for).
    public let port: UInt16
    private let engine: Engine
    private let daemon: DaemonHandle
    private let sweeper: DeadlineSweeper

    private let stopped = Atomic<Bool>(false)

    /// After the grace period, how long a stop waits for libmicrohttpd to resume the
    /// connections it answered 503, and then for those answers to be sent.
    private static let resumeWaitNanoseconds: UInt64 = 5_000_000_000
    private static let lastAnswersWaitNanoseconds: UInt64 = 1_000_000_000

    /// Starts listening and serving at once. The server serves until `shutdown()`,
    /// which dropping the last reference to it also calls.
    public init(configuration: HTTPServerConfiguration, responder: some HTTPResponder) throws {
        var address = try SocketAddress(host: configuration.host, port: configuration.port)
        let addressFlag = address.isIPv6 ? MHD_USE_IPv6.rawValue : 0
        let engine = Engine(configuration: configuration, responder: responder)
        let context = Unmanaged.passRetained(engine).toOpaque()
        let started = address.withSocketAddress { socketAddress in
            var options = Self.options(for: configuration, context: context)
            options.insert(MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: socketAddress), at: 1)
            let flags =
                MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
                | MHD_USE_ITC.rawValue | MHD_USE_ERROR_LOG.rawValue | addressFlag
            return elm_mhd_start_daemon(flags, configuration.port, handleAccess, context, options)
        }
        guard let started else {
            Unmanaged<Engine>.fromOpaque(context).release()
            throw HTTPServerError(description: "cannot listen on \(configuration.host):\(configuration.port)")
        }
        self.engine = engine
        daemon = DaemonHandle(pointer: started, context: context)
        port = elm_mhd_bound_port(started)
        sweeper = DeadlineSweeper(engine: engine)
    }

    deinit {
        shutdown()
    }

    /// Stops accepting, lets requests in flight finish (answering `503` to handlers
    /// still running when the grace period ends), then stops every engine thread.
    /// Only the first call does anything; later ones return at once.
    public func shutdown() {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return }
        let listeningSocket = MHD_quiesce_daemon(daemon.pointer)
        if listeningSocket >= 0 {
            // Refuse new connections now rather than leave them queued, unanswered.
            Glibc.shutdown(listeningSocket, Int32(SHUT_RDWR))
        }
        engine.draining.store(true, ordering: .sequentiallyConsistent)
        let graceNanoseconds = UInt64(engine.configuration.shutdownGraceSeconds * 1e9)
        engine.waitForRequestsInFlight(until: Engine.now + graceNanoseconds)
        engine.answerEveryHandler(timeoutNanoseconds: Self.resumeWaitNanoseconds)
        engine.waitForRequestsInFlight(until: Engine.now + Self.lastAnswersWaitNanoseconds)
        sweeper.stop()
        MHD_stop_daemon(daemon.pointer)
        if listeningSocket >= 0 { close(listeningSocket) }
        Unmanaged<Engine>.fromOpaque(daemon.context).release()
    }

    private static func options(
        for configuration: HTTPServerConfiguration,
        context: UnsafeMutableRawPointer
    ) -> [MHD_OptionItem] {
        func option(_ name: MHD_OPTION, _ value: Int, _ pointer: UnsafeMutableRawPointer? = nil) -> MHD_OptionItem {
            MHD_OptionItem(option: name, value: value, ptr_value: pointer)
        }
        func callback<Function>(_ function: Function) -> Int { unsafeBitCast(function, to: Int.self) }
        return [
            // libmicrohttpd requires the logger to come first.
            option(.EXTERNAL_LOGGER, callback(logEngineMessage as MHD_LogCallback), context),
            option(.URI_LOG_CALLBACK, callback(requestStarted as URILogCallback), context),
            option(.NOTIFY_COMPLETED, callback(requestCompleted as MHD_RequestCompletedCallback), context),
            option(.NOTIFY_CONNECTION, callback(connectionChanged as MHD_NotifyConnectionCallback), context),
            option(.THREAD_POOL_SIZE, max(1, configuration.threadCount)),
            option(.CONNECTION_TIMEOUT, configuration.connectionIdleTimeoutSeconds),
            option(.CONNECTION_LIMIT, configuration.connectionsMax),
            option(.PER_IP_CONNECTION_LIMIT, configuration.connectionsPerAddressMax),
            option(.CONNECTION_MEMORY_LIMIT, configuration.connectionMemoryBytesMax),
            option(.STRICT_FOR_CLIENT, 1),
            option(.END, 0),
        ]
    }
}

typealias URILogCallback =
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?
    ) -> UnsafeMutableRawPointer?

/// The daemon pointer and the retained engine its callbacks receive.
///
/// Sendable because both are used only by `shutdown()`, which the `stopped` flag lets
/// run once, on one thread.
private struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: UnsafeMutableRawPointer
}

/// A thread that enforces the deadlines libmicrohttpd does not.
private final class DeadlineSweeper: Sendable {
    private let stopped = Atomic<Bool>(false)

    /// After the grace period, how long a stop waits for libmicrohttpd to resume the
    /// connections it answered 503, and then for those answers to be sent.
    private static let resumeWaitNanoseconds: UInt64 = 5_000_000_000
    private static let lastAnswersWaitNanoseconds: UInt64 = 1_000_000_000
    private let finished = DispatchSemaphore(value: 0)

    /// How often deadlines are checked: a deadline is enforced this late at worst.
    static let intervalMicroseconds: UInt32 = 50_000

    init(engine: Engine) {
        let thread = Thread { [self] in
            // Named from inside, for `top -H`: on Linux a name set before `start` does not
            // reach the OS thread.
            Thread.current.name = "http-deadlines"
            while !stopped.load(ordering: .relaxed) {
                usleep(Self.intervalMicroseconds)
                engine.sweep()
            }
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }
}
