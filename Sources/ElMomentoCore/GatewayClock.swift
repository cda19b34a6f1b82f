import Foundation

/// Wall-clock time, injected so that tests decide what "now" is.
public protocol GatewayClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func millisecondsSince1970() -> UInt64
}

extension GatewayClock {
    /// Whole seconds since 1970, as `X-Timestamp` carries them.
    public func secondsSince1970() -> Int64 {
        Int64(millisecondsSince1970() / 1000)
    }
}

/// The machine's clock.
public struct SystemClock: GatewayClock {
    /// The machine's clock.
    public init() {}

    public func millisecondsSince1970() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1000)
    }
}
