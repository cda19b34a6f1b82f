import Foundation
import Glibc
import Synchronization

/// A program started with `posix_spawn`, its standard output and error read through pipes.
///
/// Not Foundation's `Process`: on Swift 6.3.1 its `run()` crashes now and then, reading past
/// a directory entry while it lists `/proc/self/fd` (swift-corelibs-foundation #5472), and
/// a suite that starts hundreds of programs meets that often.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let identifier: pid_t
    /// The read end of the child's standard output (and error, when merged).
    let outputDescriptor: Int32
    /// The read end of the child's standard error, when kept apart.
    let errorDescriptor: Int32?
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and the test's environment plus `environment`, in
    /// `workingDirectory` when given; standard input is `/dev/null`, standard error goes to
    /// the output pipe when `mergingErrors`. Nothing else of the test's open files is passed.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        workingDirectory: String? = nil, mergingErrors: Bool
    ) throws {
        let output = try Self.makePipe()
        let errors = mergingErrors ? nil : try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors?.write ?? output.write, 2)
        _ = Self.closeFrom(&actions, 3)
        if let workingDirectory { _ = Self.changeDirectory(&actions, workingDirectory) }
        let environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var identifier: pid_t = 0
        let spawned = Self.withCStrings([executable] + arguments) { argv in
            Self.withCStrings(environment) { envp in posix_spawn(&identifier, executable, &actions, nil, argv, envp) }
        }
        close(output.write)
        if let errors { close(errors.write) }
        guard spawned == 0 else {
            close(output.read)
            if let errors { close(errors.read) }
            throw TestSupportError("posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        self.identifier = identifier
        outputDescriptor = output.read
        errorDescriptor = errors?.read
    }

    deinit {
        if isRunning { kill(identifier, SIGKILL) }
        _ = waitUntilExit()
        close(outputDescriptor)
        if let errorDescriptor { close(errorDescriptor) }
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { reapedStatus() == nil }

    /// Waits for the child to exit and returns its `waitpid` status.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = reapedStatus() { return status }
            usleep(5_000)
        }
    }

    /// The exit status, or 128 + the signal that ended it, once it has exited.
    public var terminationStatus: Int32 {
        let status = waitUntilExit()
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
    }

    /// Whether it was killed by `signal`.
    public func wasKilled(by signal: Int32) -> Bool { waitUntilExit() & 0x7f == signal }

    /// Everything left on standard output, read to its end.
    public func readOutput() -> Data { Self.readToEnd(outputDescriptor) }

    /// Everything left on standard error, read to its end (empty when merged into the output).
    public func readErrors() -> Data { errorDescriptor.map(Self.readToEnd) ?? Data() }

    /// Reads `descriptor` until its writers have all closed it.
    static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }

    /// Reads what is there now, up to 64 KiB, waiting for some; empty at the end.
    static func readSome(_ descriptor: Int32) -> Data {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return Data() }
        }
    }

    /// The child's status once it has exited, without waiting.
    private func reapedStatus() -> Int32? {
        waitStatus.withLock { reaped in
            if let reaped { return reaped }
            var status: Int32 = 0
            guard waitpid(identifier, &status, WNOHANG) == identifier else { return nil }
            reaped = status
            return status
        }
    }

    /// A pipe; another child spawned meanwhile does not keep it open, since every child
    /// closes all but its first three descriptors.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw TestSupportError("pipe: \(String(cString: strerror(errno)))") }
        return (descriptors[0], descriptors[1])
    }

    private static func withCStrings<Result>(
        _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result
    ) -> Result {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }

    // glibc's `_np` file actions, which Swift's Glibc module does not declare (they need
    // _GNU_SOURCE): found at run time, present since glibc 2.29 and 2.34.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32)
        -> Int32
    {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { preconditionFailure("glibc 2.34 or later is needed") }
        return unsafeBitCast(symbol, to: CloseFrom.self)(actions, lowest)
    }

    private static func changeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String)
        -> Int32
    {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        else { preconditionFailure("glibc 2.29 or later is needed") }
        return unsafeBitCast(symbol, to: ChangeDirectory.self)(actions, path)
    }
}
