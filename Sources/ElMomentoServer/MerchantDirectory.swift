import ElMomentoCore
import ElMomentoSigning
import ElMomentoStore
import Synchronization

/// A merchant ready to check signatures: its settings and a signer per valid secret.
struct AuthenticatingMerchant: Sendable {
    let merchant: Merchant
    /// One per secret valid now, the current one first.
    let signers: [RequestSignature]
    /// The Standard Webhooks signers of the same secrets, for callbacks.
    let webhookSigners: [StandardWebhookSignature]
}

/// The merchants the server has looked up, each kept for at most `freshnessMilliseconds`,
/// so that an operator's change (from `admin`, another process) is seen within a
/// second while most requests cost no database read and no decryption.
///
/// Only merchants that exist are kept: unknown slugs, which anyone can make up, are
/// looked up each time rather than filling memory.
final class MerchantDirectory: Sendable {
    private struct Entry: Sendable {
        let merchant: AuthenticatingMerchant
        let sealedSecrets: [[UInt8]]
        let loadedAtMilliseconds: UInt64
    }

    /// How long a looked-up merchant is trusted: under a second, so changes show within one.
    static let freshnessMilliseconds: UInt64 = 900

    private let store: any GatewayStore
    private let vault: SecretVault
    private let clock: any GatewayClock
    private let entries = Mutex<[String: Entry]>([:])

    init(store: any GatewayStore, vault: SecretVault, clock: any GatewayClock) {
        self.store = store
        self.vault = vault
        self.clock = clock
    }

    /// The merchant named `slug`, or `nil` when there is none.
    func merchant(slug: String) async throws -> AuthenticatingMerchant? {
        guard Merchant.isValidSlug(slug) else { return nil }
        let now = clock.millisecondsSince1970()
        let cached = entries.withLock { $0[slug] }
        // A clock that stepped back wraps to a huge age: the entry is reloaded, never kept longer.
        if let cached, now &- cached.loadedAtMilliseconds < Self.freshnessMilliseconds {
            return cached.merchant
        }
        guard let credentials = try await store.merchantCredentials(slug: slug, atMilliseconds: Int64(now)) else {
            entries.withLock { _ = $0.removeValue(forKey: slug) }
            return nil
        }
        // Decrypting and keying HMAC cost more than the lookup: reuse them while the secrets are unchanged.
        var signers = cached?.merchant.signers ?? []
        var webhookSigners = cached?.merchant.webhookSigners ?? []
        if cached?.sealedSecrets != credentials.sealedSecrets {
            let secrets = try credentials.sealedSecrets.map { try vault.open($0, context: slug) }
            signers = secrets.map(RequestSignature.init(secret:))
            webhookSigners = secrets.map(StandardWebhookSignature.init(secret:))
        }
        let entry = Entry(
            merchant: AuthenticatingMerchant(
                merchant: credentials.merchant, signers: signers, webhookSigners: webhookSigners),
            sealedSecrets: credentials.sealedSecrets, loadedAtMilliseconds: now)
        entries.withLock { $0[slug] = entry }
        return entry.merchant
    }
}
