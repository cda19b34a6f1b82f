import ElMomentoCore
import ElMomentoServer
import ElMomentoStore

/// `serve --demo`: the sandbox merchant `1xbet`, created when missing, whose secret is
/// printed at each start so a first request can be signed at once.
enum DemoMerchant {
    static let slug = "1xbet"
    static let sandboxOnly = "--demo is for sandbox databases only"

    static func ensure(in store: SQLiteStore, vault: SecretVault) throws {
        guard store.environment == .sandbox else {
            throw UsageError(message: sandboxOnly, suggestsHelp: false)
        }
        let now = Int64(SystemClock().millisecondsSince1970())
        let secret: String
        if let credentials = try waitFor({ try await store.merchantCredentials(slug: slug, atMilliseconds: now) }),
            let current = credentials.sealedSecrets.first
        {
            secret = try vault.open(current, context: slug)
        } else {
            secret = MerchantSecret.generate(for: .sandbox)
            let sealed = vault.seal(secret, context: slug)
            _ = try waitFor {
                try await store.createMerchant(
                    slug: slug, settings: MerchantSettings(), sealedSecret: sealed, atMilliseconds: now)
            }
        }
        // On standard error, apart from the JSON log lines on standard output, which never carry a secret.
        printError("Demo merchant \(slug) (sandbox), secret: \(secret)")
    }
}
