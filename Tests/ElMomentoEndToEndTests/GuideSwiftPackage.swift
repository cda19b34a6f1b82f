import ElMomentoTestSupport
import Foundation

/// The guide's Swift blocks built the way the guide tells a merchant to build them, so that
/// they run like its scripts do.
///
/// The `swift test=package` block is, byte for byte, the `Package.swift` of a package `shop`
/// beside a folder `ElMomento` (here a link to this repository, as a clone would be); every
/// other Swift block is the `main.swift` of the target its `target=` names. One build per test
/// run serves every block, in a temporary folder with its own `.build`, so the repository's
/// build is never touched; only the executables are kept afterwards.
actor GuideSwiftPackage {
    /// The one build of a test run.
    static let shared = GuideSwiftPackage()

    /// How long building may take: the SDK and its signature, from nothing, on a loaded machine
    /// (about 5 s of processor time).
    static let buildTimeoutSeconds = 180.0

    private var building: Task<URL, any Error>?

    /// The executable built from `block`, building the guide's package first if this run has not.
    func executable(for block: IntegrationGuide.CodeBlock, of guide: IntegrationGuide) async throws -> URL {
        guard let target = block.attributes["target"] else {
            throw TestSupportError("\(block) names no target= to build it in")
        }
        return try await executables(of: guide).appendingPathComponent(target)
    }

    /// The folder of the executables, one per target; a failed build fails every later call too.
    func executables(of guide: IntegrationGuide) async throws -> URL {
        if let building { return try await building.value }
        let task = Task { try await Self.build(guide) }
        building = task
        return try await task.value
    }

    private static func build(_ guide: IntegrationGuide) async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "elmomento-guide-swift-\(UUID().uuidString)")
        let package = folder.appendingPathComponent("shop")
        let targets = try write(guide, to: package)
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("ElMomento"), withDestinationURL: Repository.root)
        let buildFolder = package.appendingPathComponent(".build")
        // The executables find the Swift runtime by absolute path: the build's tens of
        // megabytes need not outlive it.
        defer { try? FileManager.default.removeItem(at: buildFolder) }
        // No index store: it is for editors, and building it doubled the processor time.
        let built = try await runProgram(
            "/usr/bin/env", ["swift", "build", "--disable-index-store", "--package-path", package.path],
            workingDirectory: package, timeoutSeconds: buildTimeoutSeconds)
        guard built.status == 0 else {
            let sources = targets.map { "Sources/\($0.name)/main.swift is \($0.block)" }.joined(separator: "\n")
            throw TestSupportError(
                "the guide's Swift package does not build:\n\(built.standardOutput)\(built.standardError)\(sources)")
        }
        let executables = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: executables, withIntermediateDirectories: true)
        for target in targets {
            let product = buildFolder.appendingPathComponent("debug/\(target.name)")
            guard FileManager.default.isExecutableFile(atPath: product.path) else {
                throw TestSupportError(
                    "the guide's Package.swift has no executable target \(target.name) for \(target.block)")
            }
            try FileManager.default.moveItem(at: product, to: executables.appendingPathComponent(target.name))
        }
        return executables
    }

    /// Writes the manifest and each block's `main.swift`; returns the targets written and
    /// the block of each.
    private static func write(_ guide: IntegrationGuide, to package: URL) throws
        -> [(name: String, block: IntegrationGuide.CodeBlock)]
    {
        let swiftBlocks = guide.blocks.filter { $0.language == "swift" }
        let manifests = swiftBlocks.filter { $0.test == "package" }
        guard manifests.count == 1, let manifest = manifests.first else {
            throw TestSupportError("the guide has \(manifests.count) swift test=package blocks, not one")
        }
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try Data(manifest.code.utf8).write(to: package.appendingPathComponent("Package.swift"))
        var targets: [(name: String, block: IntegrationGuide.CodeBlock)] = []
        for block in swiftBlocks where block.test != "package" {
            guard let target = block.attributes["target"], !targets.contains(where: { $0.name == target }) else {
                throw TestSupportError("\(block) needs a target= of its own")
            }
            let sources = package.appendingPathComponent("Sources/\(target)")
            try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
            try Data(block.code.utf8).write(to: sources.appendingPathComponent("main.swift"))
            targets.append((target, block))
        }
        return targets
    }
}
