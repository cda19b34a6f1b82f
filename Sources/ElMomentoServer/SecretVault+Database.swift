import ElMomentoSigning
import ElMomentoStore
import Foundation

/// The key file does not belong to the database: its merchant secrets would not open.
public struct KeyFileMismatch: Error, CustomStringConvertible {
    public let description: String
}

extension SecretVault {
    /// The setting holding a value sealed under the database's key, so that a wrong or
    /// lost key file is found at start rather than on a merchant's request.
    static let keyCheckSetting = "secret_key_check"
    private static let keyCheckText = "elmomento secret key check"

    /// The vault over the key file at `keyFilePath`, checked against `store`.
    ///
    /// The first vault to open a database records a check value in it; later ones must
    /// open it. A missing key file is created only for a database with no check yet, so
    /// that a lost key is reported instead of silently replaced by a new one.
    public static func open(keyFilePath: String, for store: some GatewayStore) async throws -> SecretVault {
        let recorded = try await store.setting(keyCheckSetting)
        if recorded != nil && !FileManager.default.fileExists(atPath: keyFilePath) {
            throw KeyFileMismatch(
                description: "the key file \(keyFilePath) is missing, and this database's merchant secrets are sealed "
                    + "with it: restore it, or name it with --key-file")
        }
        let vault = try loadOrCreate(keyFilePath: keyFilePath)
        let check: String
        if let recorded {
            check = recorded
        } else {
            let sealed = Hex.encode(vault.seal(keyCheckText, context: keyCheckSetting))
            check = try await store.recordSetting(keyCheckSetting, value: sealed)
        }
        guard let sealed = Hex.decode(check), (try? vault.open(sealed, context: keyCheckSetting)) == keyCheckText
        else {
            throw KeyFileMismatch(
                description: "the key file \(keyFilePath) is not the one this database's merchant secrets are sealed "
                    + "with: name the right one with --key-file")
        }
        return vault
    }
}
