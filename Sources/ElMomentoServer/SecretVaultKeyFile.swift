#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SecretVault {
    /// Loads the key from `keyFilePath`, or creates it there when the file does not exist.
    ///
    /// A new key is 32 bytes from `RAND_bytes`, written to a temporary file beside the key
    /// file (created with `O_CREAT | O_EXCL`, mode 0600, fsynced) and linked into place;
    /// its folder is created with mode 0700 when missing. `link` refuses an existing name,
    /// so when several processes start at once exactly one key is published and the others
    /// read it, and none ever reads a half-written key.
    ///
    /// Refuses, naming the path, a key file that is not a regular file, that group or
    /// others may read or change (it unlocks every merchant secret), or that is not 32 bytes.
    public static func loadOrCreate(keyFilePath: String) throws(SecretVaultError) -> SecretVault {
        guard !keyFilePath.isEmpty else { throw SecretVaultError("the secret key file path is empty") }
        if let key = try KeyFile.load(at: keyFilePath) { return try SecretVault(key: key) }
        try KeyFile.createFolder(of: keyFilePath)
        let key = SecureRandom.bytes(count: keyByteCount)
        if try KeyFile.publish(key, at: keyFilePath) { return try SecretVault(key: key) }
        // Another process published its key first: that one is the gateway's key.
        guard let published = try KeyFile.load(at: keyFilePath) else {
            throw SecretVaultError("the secret key file \(keyFilePath) disappeared while the gateway was starting")
        }
        return try SecretVault(key: published)
    }
}

/// The key file's reading, checking and exclusive creation, in POSIX calls: Foundation's
/// file APIs cannot create a file exclusively with a given mode.
enum KeyFile {
    /// The key in the file at `path`, or nil when there is no such file.
    static func load(at path: String) throws(SecretVaultError) -> [UInt8]? {
        // O_NONBLOCK so a FIFO in the key's place is refused below instead of blocking the start.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw systemError("cannot open the secret key file", path: path, code: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw systemError("cannot inspect the secret key file", path: path, code: errno)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SecretVaultError("the secret key file \(path) is not a regular file")
        }
        let permissions = status.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw SecretVaultError(
                "the secret key file \(path) has mode \(String(permissions, radix: 8)): group or others may "
                    + "read or change the key to every merchant secret; run `chmod 600 \(path)`")
        }
        guard status.st_size == SecretVault.keyByteCount else {
            throw SecretVaultError(
                "the secret key file \(path) is \(status.st_size) bytes long; a key file holds exactly "
                    + "\(SecretVault.keyByteCount) bytes")
        }
        var key = [UInt8](repeating: 0, count: SecretVault.keyByteCount)
        var filled = 0
        while filled < key.count {
            let count = key.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw systemError("cannot read the secret key file", path: path, code: count < 0 ? errno : EIO)
            }
            filled += count
        }
        return key
    }

    /// Creates the folders leading to `path` that are missing, each with mode 0700.
    static func createFolder(of path: String) throws(SecretVaultError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        var folder = ""
        for (index, component) in components.enumerated() {
            folder += (index == 0 ? "" : "/") + component
            guard !component.isEmpty, component != ".", component != ".." else { continue }
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw systemError("cannot create the folder", path: folder, code: errno)
            }
        }
    }

    /// Publishes `key` at `path`; false when another process's key got there first.
    static func publish(_ key: [UInt8], at path: String) throws(SecretVaultError) -> Bool {
        let suffix = SecureRandom.bytes(count: 8).map { String($0, radix: 16) }.joined()
        let temporaryPath = "\(path).tmp-\(suffix)"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw systemError("cannot create the secret key file", path: temporaryPath, code: errno)
        }
        // Once linked, the key lives on under `path`; on any failure nothing is left behind.
        defer { unlink(temporaryPath) }
        do {
            defer { close(descriptor) }
            // The umask may only have removed bits; this makes the mode exactly 0600.
            guard fchmod(descriptor, 0o600) == 0 else {
                throw systemError("cannot set the mode of the secret key file", path: temporaryPath, code: errno)
            }
            try writeAll(key, to: descriptor, path: temporaryPath)
            guard fsync(descriptor) == 0 else {
                throw systemError("cannot flush the secret key file", path: temporaryPath, code: errno)
            }
        }
        guard link(temporaryPath, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw systemError("cannot create the secret key file", path: path, code: code)
        }
        try syncFolder(of: path)
        return true
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(SecretVaultError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw systemError("cannot write the secret key file", path: path, code: count < 0 ? errno : EIO)
            }
            written += count
        }
    }

    /// Makes the new name durable: without this, a crash could lose the key file while
    /// secrets sealed under its key are already committed to the database.
    private static func syncFolder(of path: String) throws(SecretVaultError) {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw systemError("cannot open the folder", path: folder, code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw systemError("cannot flush the folder", path: folder, code: errno) }
    }

    private static func systemError(_ what: String, path: String, code: Int32) -> SecretVaultError {
        SecretVaultError("\(what) \(path): \(String(cString: strerror(code)))")
    }
}
