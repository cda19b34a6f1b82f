import CCurl
import Dispatch
import ElMomentoHTTP
import Foundation
import Synchronization

/// One callback attempt to make: a POST of `body` with `headers` to `url`.
public struct CallbackRequest: Sendable {
    /// The order's `callback_url`, an absolute http or https URL.
    public var url: String
    /// The headers to send, in order (`Content-Type`, the signatures, `Webhook-Id`, …).
    public var headers: [(name: String, value: String)]
    /// The body, sent byte for byte.
    public var body: [UInt8]

    /// A POST of `body` with `headers` to `url`.
    public init(url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What became of one callback attempt, as recorded with it (SPEC 6).
public struct CallbackResponse: Sendable, Equatable {
    /// The receiver's status code, when a status line arrived (also when the transfer then
    /// failed, for example timing out in the body).
    public var statusCode: Int?
    /// The receiver's `Retry-After` in seconds from now (delta-seconds or an HTTP-date).
    public var retryAfterSeconds: Int?
    /// How long the attempt took, from starting it (resolution included) to its end.
    public var latencyMilliseconds: Int64
    /// Why the attempt failed before or during the exchange, in a few words ("connection
    /// refused", "timed out after 10 s", "address 10.0.0.1 is not public"); never the body,
    /// the URL's path or query, or a header value.
    public var error: String?

    /// An outcome with these values.
    public init(statusCode: Int?, retryAfterSeconds: Int?, latencyMilliseconds: Int64, error: String?) {
        self.statusCode = statusCode
        self.retryAfterSeconds = retryAfterSeconds
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }

    /// Whether the receiver acknowledged the callback: a 2xx, and the exchange completed.
    public var isAcknowledged: Bool {
        error == nil && (200...299).contains(statusCode ?? 0)
    }
}

/// The limits and policy of a `CallbackTransport`.
public struct CallbackTransportConfiguration: Sendable {
    /// The longest an attempt may take, resolution and connection included (SPEC 6: 10 s).
    public var timeoutSeconds: Int
    /// How many attempts are in progress at once; more wait their turn, in order.
    public var inFlightMax: Int
    /// Whether private, loopback and other non-public addresses may be reached: `true` in
    /// sandbox (a receiver on loopback), `false` in production (SSRF, SPEC 7).
    public var allowsPrivateAddresses: Bool
    /// How host names become addresses.
    public var resolver: any HostResolver
    /// How many host names are resolved at once, each on a thread of its own (lookups block).
    public var resolverThreadCount: Int

    /// A configuration; `allowsPrivateAddresses` has no default, being the one choice that
    /// differs between sandbox and production.
    public init(
        timeoutSeconds: Int = 10, inFlightMax: Int = 64, allowsPrivateAddresses: Bool,
        resolver: any HostResolver = SystemHostResolver(), resolverThreadCount: Int = 4
    ) {
        precondition(timeoutSeconds >= 1, "a callback timeout of at least a second")
        precondition(inFlightMax >= 1, "at least one callback in flight")
        precondition(resolverThreadCount >= 1, "at least one resolver thread")
        self.timeoutSeconds = timeoutSeconds
        self.inFlightMax = inFlightMax
        self.allowsPrivateAddresses = allowsPrivateAddresses
        self.resolver = resolver
        self.resolverThreadCount = resolverThreadCount
    }
}

/// Sends callback attempts over HTTP, many at once, from one thread of its own.
///
/// The thread (`callback-sender`) drives every transfer through one libcurl multi handle,
/// so thousands of slow receivers cost sockets, not threads, and nothing blocks Swift's
/// cooperative pool; host names are looked up on a few resolver threads
/// (`callback-dns`). Each attempt is a POST with a total timeout; redirects are not
/// followed (a 3xx is a status like any other); the response body is read and discarded;
/// proxies from the environment are ignored; only http and https are spoken.
///
/// When private addresses are not allowed, every address a host name resolves to is checked
/// before any connection, an attempt whose host has a non-public address is refused, and the
/// connection is pinned to the checked addresses (`CURLOPT_RESOLVE`), so a second lookup
/// cannot answer differently (DNS rebinding); each address is checked again just before
/// libcurl connects to it (`CURLOPT_OPENSOCKETFUNCTION`).
public final class CallbackTransport: Sendable {
    private let queue: DeliveryQueue
    private let multi: MultiHandle
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the transport's threads.
    public init(configuration: CallbackTransportConfiguration) {
        CurlLibrary.initializeOnce()
        let multi = MultiHandle(connectionsMax: configuration.inFlightMax)
        let queue = DeliveryQueue()
        self.multi = multi
        self.queue = queue
        let resolvers = ResolverPool(threadCount: configuration.resolverThreadCount)
        let loop = TransferLoop(configuration: configuration, queue: queue, multi: multi, resolvers: resolvers)
        let thread = Thread { [finished] in
            // Named from inside, for `top -H`: on Linux a name set before `start` does not
            // reach the OS thread, and one longer than 15 bytes is refused.
            Thread.current.name = "callback-sender"
            loop.run()
            finished.signal()
        }
        thread.start()
    }

    deinit {
        stop()
    }

    /// Makes one attempt and returns what became of it, within the timeout (plus the time it
    /// waited for a turn). After `stop`, returns an error at once.
    ///
    /// Cancelling the calling task does not cut the attempt short: it ends within the timeout.
    public func send(_ request: CallbackRequest) async -> CallbackResponse {
        await withCheckedContinuation { continuation in
            guard queue.submit(Delivery(request: request, continuation: continuation)) else {
                return continuation.resume(returning: .failure(TransferLoop.stoppedError))
            }
            multi.wakeUp()
        }
    }

    /// Aborts the attempts in progress and the waiting ones (each returns an error), refuses
    /// later ones, and returns once the transport's thread has ended. Calling it again does
    /// nothing.
    ///
    /// An aborted attempt may have reached its receiver: callbacks are delivered at least
    /// once, from the outbox, so it is simply made again after a restart.
    public func stop() {
        guard queue.stop() else { return }
        multi.wakeUp()
        finished.wait()
    }
}

extension CallbackResponse {
    /// An attempt that failed before any answer, after `latencyMilliseconds`.
    static func failure(_ error: String, latencyMilliseconds: Int64 = 0) -> CallbackResponse {
        CallbackResponse(
            statusCode: nil, retryAfterSeconds: nil, latencyMilliseconds: latencyMilliseconds, error: error)
    }
}

/// An attempt asked for and the caller waiting for its outcome.
struct Delivery: Sendable {
    let request: CallbackRequest
    let continuation: CheckedContinuation<CallbackResponse, Never>
}

/// What the transport's thread is handed by other threads: attempts to make and finished
/// lookups. Everything in it is read and written under its one lock.
final class DeliveryQueue: Sendable {
    /// A finished lookup, for the attempt numbered `deliveryNumber`.
    struct Resolution: Sendable {
        let deliveryNumber: Int
        let outcome: Result<[IPAddress], HostResolutionError>
    }

    private struct State {
        /// Attempts not started yet, oldest first from `firstWaiting`; the taken ones before
        /// it are dropped once they are as many as the waiting ones, so each costs O(1).
        var waiting: [Delivery] = []
        var firstWaiting = 0
        var resolutions: [Resolution] = []
        var isStopped = false
    }

    private let state = Mutex(State())

    /// Queues `delivery`, or returns `false` when the transport has stopped.
    func submit(_ delivery: Delivery) -> Bool {
        state.withLock { state in
            guard !state.isStopped else { return false }
            state.waiting.append(delivery)
            return true
        }
    }

    /// Hands a finished lookup to the transport's thread; dropped once stopped (the
    /// thread has answered that attempt already).
    func deliver(_ resolution: Resolution) {
        state.withLock { state in
            guard !state.isStopped else { return }
            state.resolutions.append(resolution)
        }
    }

    /// Marks the queue stopped; `false` when it already was.
    func stop() -> Bool {
        state.withLock { state in
            defer { state.isStopped = true }
            return !state.isStopped
        }
    }

    /// What the transport's thread has to do: up to `deliveryCountMax` waiting attempts, every
    /// finished lookup, and whether to stop. Once stopped, every waiting attempt is returned.
    func take(deliveryCountMax: Int) -> (deliveries: [Delivery], resolutions: [Resolution], isStopped: Bool) {
        state.withLock { state in
            let waitingCount = state.waiting.count - state.firstWaiting
            let end = state.firstWaiting + (state.isStopped ? waitingCount : min(deliveryCountMax, waitingCount))
            let deliveries = Array(state.waiting[state.firstWaiting..<end])
            state.firstWaiting = end
            if state.firstWaiting * 2 >= state.waiting.count {
                state.waiting.removeFirst(state.firstWaiting)
                state.firstWaiting = 0
            }
            defer { state.resolutions.removeAll() }
            return (deliveries, state.resolutions, state.isStopped)
        }
    }
}

/// libcurl's process-wide setup, done once before the first handle.
enum CurlLibrary {
    private static let initialization: Void = {
        let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        precondition(code == CURLE_OK, "curl_global_init failed")
    }()

    static func initializeOnce() {
        _ = initialization
    }
}
