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
/// connection never times out at all. Each connection here has a deadline for its
/// whole request to arrive, and each suspended request one for its handler; the
/// sweeper shuts down sockets past theirs. Shutting down happens under the same
/// mutex as the removal on close: libmicrohttpd notifies the close before it closes
/// the socket, so the descriptor shut down is always the connection's own.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let socket: Int32
        var receiveDeadlineNanoseconds: UInt64?
        var inRequest = false
        var suspended: InFlightRequest?
        var handlerDeadlineNanoseconds: UInt64?
    }

    private let entries = Mutex<[ConnectionHandle: Entry]>([:])
    private let receiveTimeoutNanoseconds: UInt64
    private let handlerTimeoutNanoseconds: UInt64

    init(receiveTimeoutSeconds: Double, handlerTimeoutSeconds: Double) {
        receiveTimeoutNanoseconds = UInt64(receiveTimeoutSeconds * 1e9)
        handlerTimeoutNanoseconds = UInt64(handlerTimeoutSeconds * 1e9)
    }

    func opened(_ connection: ConnectionHandle, socket: Int32, now: UInt64) {
        entries.withLock {
            $0[connection] = Entry(socket: socket, receiveDeadlineNanoseconds: now + receiveTimeoutNanoseconds)
        }
    }

    func closed(_ connection: ConnectionHandle) {
        _ = entries.withLock { $0.removeValue(forKey: connection) }
    }

    /// A request line has arrived: the connection is busy until the answer is sent.
    func requestStarted(_ connection: ConnectionHandle) {
        entries.withLock { $0[connection]?.inRequest = true }
    }

    /// Headers and body are in: no receive deadline while the request is handled.
    func requestReceived(_ connection: ConnectionHandle) {
        entries.withLock { $0[connection]?.receiveDeadlineNanoseconds = nil }
    }

    func suspended(_ connection: ConnectionHandle, request: InFlightRequest, now: UInt64) {
        entries.withLock { entries in
            entries[connection]?.suspended = request
            entries[connection]?.handlerDeadlineNanoseconds = now + handlerTimeoutNanoseconds
        }
    }

    func resumed(_ connection: ConnectionHandle) {
        entries.withLock { entries in
            entries[connection]?.suspended = nil
            entries[connection]?.handlerDeadlineNanoseconds = nil
        }
    }

    /// The answer is sent: the next request on this connection has a fresh deadline.
    func requestCompleted(_ connection: ConnectionHandle, now: UInt64) {
        entries.withLock { entries in
            entries[connection]?.inRequest = false
            entries[connection]?.receiveDeadlineNanoseconds = now + receiveTimeoutNanoseconds
        }
    }

    /// Shuts down every socket past its receive deadline (and, when `draining`, every
    /// idle one), and returns the suspended requests past their handler deadline.
    func sweep(now: UInt64, draining: Bool) -> [(ConnectionHandle, InFlightRequest)] {
        entries.withLock { entries in
            var timedOut: [(ConnectionHandle, InFlightRequest)] = []
            for (connection, entry) in entries {
                if let deadline = entry.receiveDeadlineNanoseconds, deadline <= now || (draining && !entry.inRequest) {
                    Glibc.shutdown(entry.socket, Int32(SHUT_RDWR))
                    entries[connection]?.receiveDeadlineNanoseconds = nil
                }
                if let request = entry.suspended, let deadline = entry.handlerDeadlineNanoseconds, deadline <= now {
                    timedOut.append((connection, request))
                    entries[connection]?.handlerDeadlineNanoseconds = nil
                }
            }
            return timedOut
        }
    }

    /// Every request still suspended, for a stop whose grace period has run out.
    func allSuspended() -> [(ConnectionHandle, InFlightRequest)] {
        entries.withLock { entries in
            entries.compactMap { connection, entry in entry.suspended.map { (connection, $0) } }
        }
    }
}
