import Synchronization

/// The base address payers reach the gateway at, from which `payment_url` is made.
///
/// Settable once the server listens, because the default names the port, which is
/// chosen only then when port 0 was asked for.
public final class PublicURL: Sendable {
    private let base: Mutex<String>

    /// The address `base` (`https://pay.example.com`); a trailing slash is dropped.
    public init(_ base: String) {
        self.base = Mutex(Self.trimmed(base))
    }

    /// Replaces the address.
    public func set(_ base: String) {
        self.base.withLock { $0 = Self.trimmed(base) }
    }

    /// The hosted payment page that the deposit's unguessable `token` opens.
    public func paymentPage(token: String) -> String {
        base.withLock { $0 } + "/pay/" + token
    }

    private static func trimmed(_ base: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) : base
    }
}
