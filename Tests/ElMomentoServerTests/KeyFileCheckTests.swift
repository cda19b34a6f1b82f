import ElMomentoStore
import Foundation
import Testing

@testable import ElMomentoServer

/// A database and its key file belong together: a wrong or lost key is found at start.
@Suite struct KeyFileCheckTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "elmomento-keycheck-\(UUID().uuidString)")
    var keyPath: String { folder.appendingPathComponent("elmomento.key").path }

    private func store() throws -> SQLiteStore {
        try SQLiteStore(path: folder.appendingPathComponent("gateway.sqlite").path, requested: .sandbox)
    }

    @Test func theKeyThatOpenedTheDatabaseFirstOpensItAgain() async throws {
        let store = try store()
        let first = try await SecretVault.open(keyFilePath: keyPath, for: store)
        let again = try await SecretVault.open(keyFilePath: keyPath, for: store)
        #expect(try again.open(first.seal("sk_test_x", context: "shop"), context: "shop") == "sk_test_x")
    }

    @Test func anotherKeyFileIsRefused() async throws {
        let store = try store()
        _ = try await SecretVault.open(keyFilePath: keyPath, for: store)
        let other = folder.appendingPathComponent("other.key").path
        await #expect(throws: KeyFileMismatch.self) { try await SecretVault.open(keyFilePath: other, for: store) }
    }

    @Test func aLostKeyFileIsReportedNotReplaced() async throws {
        let store = try store()
        _ = try await SecretVault.open(keyFilePath: keyPath, for: store)
        try FileManager.default.removeItem(atPath: keyPath)
        await #expect(throws: KeyFileMismatch.self) { try await SecretVault.open(keyFilePath: keyPath, for: store) }
        #expect(!FileManager.default.fileExists(atPath: keyPath))
    }
}
