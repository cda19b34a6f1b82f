import Glibc
import Synchronization

/// A libmicrohttpd connection pointer that may cross threads.
///
/// Sendable because the pointer is only an identity and an argument to the
/// thread-safe `MHD_resume_connection`; the connection it names is never read here.
struct ConnectionHandle: @unchecked Sendable, Hashable {
    let pointer: OpaquePointer
}

/// The open connections and their deadlines, which libmicrohttpd does not enforce.
///
/// libmicrohttpd's inactivity timeout is reset by every byte, so a client trickling
/// one byte every two seconds would hold a connection forever, and a suspended
/// connection never times out at all. Here an idle connection must start a request
/// within the idle timeout, a started request must arrive whole (headers and body)
/// within the receive timeout, and a suspended request must be answered within the
/// handler timeout; the sweeper shuts down sockets past their deadline. Shutting down
/// happens under the same mutex as the removal on close: libmicrohttpd notifies the
/// close before it closes the socket, so the descriptor shut down is always the
/// connection's own.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let socket: Int32
        var socketDeadlineNanoseconds: UInt64?
        var inRequest = false
        var suspended: InFlightRequest?
        var handlerDeadlineNanoseconds: UInt64?
    }

    private struct State {
        var entries: [ConnectionHandle: Entry] = [:]
        var stopping = false
    }

    private let state = Mutex(State())
    private let idleTimeoutNanoseconds: UInt64
    private let receiveTimeoutNanoseconds: UInt64
    private let handlerTimeoutNanoseconds: UInt64

    init(configuration: HTTPServerConfiguration) {
        idleTimeoutNanoseconds = UInt64(configuration.connectionIdleTimeoutSeconds) * 1_000_000_000
        receiveTimeoutNanoseconds = UInt64(configuration.requestReceiveTimeoutSeconds * 1e9)
        handlerTimeoutNanoseconds = UInt64(configuration.handlerTimeoutSeconds * 1e9)
    }

    func opened(_ connection: ConnectionHandle, socket: Int32, now: UInt64) {
        state.withLock {
            $0.entries[connection] = Entry(socket: socket, socketDeadlineNanoseconds: now + idleTimeoutNanoseconds)
        }
    }

    func closed(_ connection: ConnectionHandle) {
        _ = state.withLock { $0.entries.removeValue(forKey: connection) }
    }

    /// A request line has arrived: the rest of the request has the receive timeout,
    /// and the connection is busy until the answer is sent.
    func requestStarted(_ connection: ConnectionHandle, now: UInt64) {
        state.withLock { state in
            state.entries[connection]?.inRequest = true
            state.entries[connection]?.socketDeadlineNanoseconds = now + receiveTimeoutNanoseconds
        }
    }

    /// Headers and body are in: no receive deadline while the request is handled.
    func requestReceived(_ connection: ConnectionHandle) {
        state.withLock { $0.entries[connection]?.socketDeadlineNanoseconds = nil }
    }

    /// Records a suspended request and its handler deadline; refuses (returns `false`)
    /// once the server is stopping, when no new handler may start.
    func suspended(_ connection: ConnectionHandle, request: InFlightRequest, now: UInt64) -> Bool {
        state.withLock { state in
            guard !state.stopping else { return false }
            state.entries[connection]?.suspended = request
            state.entries[connection]?.handlerDeadlineNanoseconds = now + handlerTimeoutNanoseconds
            return true
        }
    }

    func resumed(_ connection: ConnectionHandle) {
        state.withLock { state in
            state.entries[connection]?.suspended = nil
            state.entries[connection]?.handlerDeadlineNanoseconds = nil
        }
    }

    /// The answer is sent: the connection is idle until its next request line.
    func requestCompleted(_ connection: ConnectionHandle, now: UInt64) {
        state.withLock { state in
            state.entries[connection]?.inRequest = false
            state.entries[connection]?.socketDeadlineNanoseconds = now + idleTimeoutNanoseconds
        }
    }

    /// Shuts down every socket past its deadline (and, when `draining`, every idle
    /// one), and returns the suspended requests past their handler deadline.
    func sweep(now: UInt64, draining: Bool) -> [(ConnectionHandle, InFlightRequest)] {
        state.withLock { state in
            var timedOut: [(ConnectionHandle, InFlightRequest)] = []
            for (connection, entry) in state.entries {
                if let deadline = entry.socketDeadlineNanoseconds, deadline <= now || (draining && !entry.inRequest) {
                    Glibc.shutdown(entry.socket, Int32(SHUT_RDWR))
                    state.entries[connection]?.socketDeadlineNanoseconds = nil
                }
                if let request = entry.suspended, let deadline = entry.handlerDeadlineNanoseconds, deadline <= now {
                    timedOut.append((connection, request))
                    state.entries[connection]?.handlerDeadlineNanoseconds = nil
                }
            }
            return timedOut
        }
    }

    /// From now on no request is suspended; returns those that still are.
    func stopSuspending() -> [(ConnectionHandle, InFlightRequest)] {
        state.withLock { state in
            state.stopping = true
            return state.entries.compactMap { connection, entry in entry.suspended.map { (connection, $0) } }
        }
    }

    /// Whether any connection is still suspended (answered, but not yet resumed).
    var hasSuspended: Bool {
        state.withLock { $0.entries.values.contains { $0.suspended != nil } }
    }
}
