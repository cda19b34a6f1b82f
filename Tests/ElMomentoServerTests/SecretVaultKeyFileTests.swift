import Foundation
import Synchronization
import Testing

@testable import ElMomentoServer

/// A fresh temporary folder, removed when the test is done with it.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/elmomento-vault-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func permissions(of file: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
    }
}

@Suite struct SecretVaultKeyFileTests {
    let folder = try! TemporaryFolder()

    @Test func aMissingKeyFileIsCreatedWithMode0600And32Bytes() throws {
        let path = folder.path + "/keys/nested/vault.key"
        _ = try SecretVault.loadOrCreate(keyFilePath: path)
        #expect(try folder.permissions(of: path) == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
        #expect(try folder.permissions(of: folder.path + "/keys") == 0o700)
        #expect(try folder.permissions(of: folder.path + "/keys/nested") == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/keys/nested") == ["vault.key"])
    }

    @Test func aKeyFileLoadedAgainOpensWhatTheFirstVaultSealed() throws {
        let path = folder.path + "/vault.key"
        let first = try SecretVault.loadOrCreate(keyFilePath: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let sealed = first.seal("sk_live_abcdefghijklmnopqrstuvwxyz", context: "acme")
        let second = try SecretVault.loadOrCreate(keyFilePath: path)
        #expect(try second.open(sealed, context: "acme") == "sk_live_abcdefghijklmnopqrstuvwxyz")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written)
    }

    @Test func anExistingKeyIsUsedAsItIs() throws {
        let path = folder.path + "/vault.key"
        let key = SecureRandom.bytes(count: 32)
        #expect(
            FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o400]))
        let sealed = try SecretVault(key: key).seal("secret", context: "acme")
        #expect(try SecretVault.loadOrCreate(keyFilePath: path).open(sealed, context: "acme") == "secret")
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o610, 0o601])
    func aKeyFileOthersMayReadIsRefused(mode: Int) throws {
        let path = folder.path + "/vault.key"
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(SecureRandom.bytes(count: 32)), attributes: [.posixPermissions: mode])
        #expect(created)
        let error = try #require(throws: SecretVaultError.self) { try SecretVault.loadOrCreate(keyFilePath: path) }
        #expect(error.message.contains(path))
        #expect(error.message.contains("chmod 600"))
    }

    @Test(arguments: [0, 1, 31, 33, 64])
    func aKeyFileOfTheWrongSizeIsRefused(size: Int) throws {
        let path = folder.path + "/vault.key"
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(repeating: 1, count: size), attributes: [.posixPermissions: 0o600])
        #expect(created)
        let error = try #require(throws: SecretVaultError.self) { try SecretVault.loadOrCreate(keyFilePath: path) }
        #expect(error.message.contains(path))
        #expect(error.message.contains("\(size) bytes"))
        // Refused, not replaced: the old key may still be needed to open stored secrets.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == size)
    }

    @Test func aKeyPathThatIsAFolderIsRefused() throws {
        let path = folder.path + "/vault.key"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = try #require(throws: SecretVaultError.self) { try SecretVault.loadOrCreate(keyFilePath: path) }
        #expect(error.message.contains(path))
        #expect(error.message.contains("not a regular file"))
    }

    @Test func aKeyPathThatIsAFIFOIsRefusedWithoutBlocking() throws {
        let path = folder.path + "/vault.key"
        #expect(mkfifo(path, 0o600) == 0)
        let error = try #require(throws: SecretVaultError.self) { try SecretVault.loadOrCreate(keyFilePath: path) }
        #expect(error.message.contains("not a regular file"))
    }

    @Test func theSecondPublisherLosesAndTheFirstKeyStays() throws {
        let path = folder.path + "/vault.key"
        let first = SecureRandom.bytes(count: 32)
        #expect(try KeyFile.publish(first, at: path))
        #expect(try !KeyFile.publish(SecureRandom.bytes(count: 32), at: path))
        #expect(try KeyFile.load(at: path) == first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["vault.key"])
    }

    @Test func concurrentStartsOnAFreshPathShareOneKey() throws {
        let path = folder.path + "/fresh/vault.key"
        let vaults = Mutex<[SecretVault]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do {
                let vault = try SecretVault.loadOrCreate(keyFilePath: path)
                vaults.withLock { $0.append(vault) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let all = vaults.withLock { $0 }
        #expect(all.count == 8)
        let sealed = try #require(all.first).seal("one key", context: "acme")
        for vault in all {
            #expect(try vault.open(sealed, context: "acme") == "one key")
        }
        // The losers' temporary files are gone; only the published key remains.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/fresh") == ["vault.key"])
        #expect(try folder.permissions(of: path) == 0o600)
    }
}
