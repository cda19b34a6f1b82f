import ElMomentoSigning
import ElMomentoTestSupport
import Foundation
import Testing

/// Every code block of docs/integration.md, run as a merchant following the guide would
/// run it, against the real binary: the guide cannot rot.
///
/// A block's info string says how: `LANGUAGE test=MODE`. The modes:
/// - `environment`: the `export` lines naming the variables every example reads;
/// - `worked-example-v1`, `worked-example-v2`: prints the digest of the guide's table;
/// - `create`: creates a deposit with `ELMOMENTO_URL`, `ELMOMENTO_MERCHANT` and
///   `ELMOMENTO_SECRET`, printing the status first and the answer's body last;
/// - `read`: reads an order back, printing the status first;
/// - `verify-callback`: exits 0 for the callback in `callback.json` with `X_TIMESTAMP`
///   and `SIGNATURE`, non-zero for one not signed with the secret;
/// - `callback-receiver`: serves on `PORT`, answering 2xx to a genuine callback and 401 to
///   any other;
/// - `package` (Swift only): the `Package.swift` the Swift blocks are built with, each as
///   the executable target its `target=` names (see `GuideSwiftPackage`).
///
/// `json` blocks are parsed. Any other block fails the test, so none goes unchecked.
@Suite struct IntegrationGuideTests {
    /// How each scripting language's blocks run: the command `/usr/bin/env` finds, and the
    /// file extension. Swift blocks are compiled instead, by `GuideSwiftPackage`.
    static let runners: [String: (command: String, fileExtension: String)] = [
        "sh": ("sh", "sh"),
        "python": ("python3", "py"),
        "javascript": ("node", "js"),
    ]

    /// Every language a block may be in besides `json`.
    static let languages = Set(runners.keys).union(["swift"])

    static let modes: Set<String> = [
        "environment", "worked-example-v1", "worked-example-v2", "create", "read", "verify-callback",
        "callback-receiver",
    ]

    let guide: IntegrationGuide

    init() throws {
        guide = try IntegrationGuide.load()
    }

    @Test func everyBlockIsRunOrParsed() throws {
        #expect(!guide.blocks.isEmpty)
        for block in guide.blocks {
            if block.language == "json" {
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(block.code.utf8))) != nil,
                    "\(block) is not valid JSON")
                continue
            }
            #expect(Self.languages.contains(block.language), "\(block): no runner for \(block.language) blocks")
            let modes = block.language == "swift" ? Self.modes.union(["package"]) : Self.modes
            #expect(modes.contains(block.test ?? ""), "\(block): test=\(block.test ?? "nothing") is no mode")
        }
    }

    @Test func eachLanguageCreatesADepositAndChecksACallback() {
        let creating = Set(guide.blocks.filter { $0.test == "create" }.map(\.language))
        let checking = Set(
            guide.blocks.filter { ["verify-callback", "callback-receiver"].contains($0.test) }.map(\.language))
        #expect(creating == ["sh", "python", "javascript", "swift"])
        #expect(checking == ["sh", "python", "javascript", "swift"])
    }

    @Test func theEnvironmentBlockNamesTheVariablesTheExamplesAreGiven() throws {
        let block = try #require(guide.blocks.first { $0.test == "environment" })
        let names = block.code.split(separator: "\n").compactMap { line in
            line.hasPrefix("export ") ? line.dropFirst(7).split(separator: "=").first.map(String.init) : nil
        }
        #expect(Set(names) == ["ELMOMENTO_URL", "ELMOMENTO_MERCHANT", "ELMOMENTO_SECRET"])
    }

    @Test func theWorkedExampleBlocksPrintTheTablesDigests() async throws {
        for (mode, row) in [
            ("worked-example-v1", "Signature, version 1"), ("worked-example-v2", "Signature, version 2"),
        ] {
            let block = try #require(guide.blocks.first { $0.test == mode })
            let result = try await run(block, environment: [:], in: try Self.temporaryFolder())
            #expect(result.status == 0, "\(block): \(result.standardError)")
            #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == guide.workedExample[row])
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func theExamplesCreateAndReadDepositsOnTheGateway() async throws {
        // Built before the gateway starts, which then serves only the examples' requests.
        _ = try await GuideSwiftPackage.shared.executables(of: guide)
        try await withGateway(arguments: ["--demo"]) { gateway in
            let client = try gateway.demoClient()
            let environment = [
                "ELMOMENTO_URL": "http://127.0.0.1:\(gateway.port)", "ELMOMENTO_MERCHANT": client.merchant,
                "ELMOMENTO_SECRET": client.secret,
            ]
            for block in guide.blocks where ["create", "read"].contains(block.test) {
                let result = try await run(block, environment: environment, in: try Self.temporaryFolder())
                // curl's header lines end in CR LF, which Swift counts as one character.
                let lines = result.standardOutput.components(separatedBy: .newlines).filter { !$0.isEmpty }
                let expectedStatus = block.test == "create" ? "201" : "200"
                #expect(
                    lines.first?.split(separator: " ").contains { $0 == expectedStatus } == true,
                    "\(block) printed: \(result.standardOutput.redactingSecrets) \(result.standardError.redactingSecrets)"
                )
                guard block.test == "create" else { continue }
                let order = try #require(
                    (try? JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8))) as? [String: Any],
                    "\(block) printed no order last: \(result.standardOutput)")
                let orderID = try #require(order["orderID"] as? String)
                #expect(try await client.send("GET", client.ordersPath("\(orderID)/")).status == 200, "\(block)")
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func theCallbackChecksTellAGenuineCallbackFromOthers() async throws {
        let secret = "sk_test_integrationguide0123456789ab"
        let sample = try #require(guide.blocks.first { $0.attributes["example"] == "callback" }).code
        let callbacks = SampleCallbacks(secret: secret, body: Array(sample.utf8))
        for block in guide.blocks where block.test == "verify-callback" {
            for (callback, isGenuine) in callbacks.forSavedCallback {
                let folder = try Self.temporaryFolder()
                try Data(callback.body).write(to: folder.appendingPathComponent("callback.json"))
                let result = try await run(
                    block,
                    environment: [
                        "ELMOMENTO_SECRET": secret, "X_TIMESTAMP": callback.timestamp,
                        "SIGNATURE": callback.signature,
                    ], in: folder)
                #expect((result.status == 0) == isGenuine, "\(block) on \(callback.name)")
            }
        }
        for block in guide.blocks where block.test == "callback-receiver" {
            try await Self.check(receiver: block, secret: secret, callbacks: callbacks)
        }
    }

    /// Starts the receiver and sends it each sample callback, genuine or not.
    private static func check(receiver block: IntegrationGuide.CodeBlock, secret: String, callbacks: SampleCallbacks)
        async throws
    {
        let port = try unusedLoopbackPort()
        let folder = try temporaryFolder()
        let receiver = try start(block, environment: ["ELMOMENTO_SECRET": secret, "PORT": "\(port)"], in: folder)
        do {
            for (callback, isGenuine) in callbacks.forReceiver {
                let connection = try await RawConnection.whenListening(port: port, timeoutSeconds: 10)
                let answer = try await connection.request(
                    "POST", "/elmomento/callback",
                    headers: [
                        ("Content-Type", "application/json"), ("X-Timestamp", callback.timestamp),
                        ("Signature", callback.signature), ("Webhook-Id", "wh_01M91KZ2Q4V7D3T0S8N6B5X1YE"),
                        ("webhook-id", "wh_01M91KZ2Q4V7D3T0S8N6B5X1YE"), ("webhook-timestamp", callback.timestamp),
                    ],
                    body: callback.body)
                let expected = isGenuine ? 200..<300 : 401..<402
                #expect(expected.contains(answer.status), "\(block) answered \(answer.status) to \(callback.name)")
            }
        } catch {
            try await receiver.stop()
            throw TestSupportError("\(block): \(error); it printed: \(receiver.printed)")
        }
        try await receiver.stop()
        #expect(receiver.printed.contains("deposit.completed"), "\(block) printed: \(receiver.printed)")
    }

    /// Runs `block` in `folder` to its end: a script written to a file there, or a Swift
    /// block's executable.
    private func run(_ block: IntegrationGuide.CodeBlock, environment: [String: String], in folder: URL)
        async throws -> CommandResult
    {
        guard block.language == "swift" else {
            let (command, file) = try Self.written(block, in: folder)
            return try await runProgram(
                "/usr/bin/env", [command, file.path], environment: environment, workingDirectory: folder,
                timeoutSeconds: 30)
        }
        let executable = try await GuideSwiftPackage.shared.executable(for: block, of: guide)
        return try await runProgram(
            executable.path, [], environment: environment, workingDirectory: folder, timeoutSeconds: 30)
    }

    /// Writes `block` to a file in `folder` and starts it there.
    private static func start(_ block: IntegrationGuide.CodeBlock, environment: [String: String], in folder: URL)
        throws -> BackgroundProgram
    {
        let (command, file) = try written(block, in: folder)
        return try BackgroundProgram(
            "/usr/bin/env", [command, file.path], environment: environment, workingDirectory: folder)
    }

    private static func written(_ block: IntegrationGuide.CodeBlock, in folder: URL) throws -> (String, URL) {
        let runner = try #require(runners[block.language], "\(block): no runner for \(block.language)")
        let file = folder.appendingPathComponent("example.\(runner.fileExtension)")
        try Data(block.code.utf8).write(to: file)
        return (runner.command, file)
    }

    private static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "elmomento-guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A callback as the gateway sends it, and forgeries of it: each check must take the
/// first and refuse the others.
struct SampleCallbacks {
    struct Callback {
        let name: String
        let timestamp: String
        let signature: String
        let body: [UInt8]
    }

    let genuine: Callback
    let changedBody: Callback
    let otherSecrets: Callback
    let replayedAnHourLater: Callback

    init(secret: String, body: [UInt8]) {
        let now = Int(Date().timeIntervalSince1970)
        let signer = RequestSignature(secret: secret)
        let timestamp = String(now)
        let signature = signer.sign(timestamp: timestamp, body: body)
        genuine = Callback(name: "a genuine callback", timestamp: timestamp, signature: signature, body: body)
        let changed = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "500", with: "900").utf8)
        changedBody = Callback(name: "a changed body", timestamp: timestamp, signature: signature, body: changed)
        otherSecrets = Callback(
            name: "another secret's signature", timestamp: timestamp,
            signature: RequestSignature(secret: secret + "x").sign(timestamp: timestamp, body: body), body: body)
        let hourAgo = String(now - 3600)
        replayedAnHourLater = Callback(
            name: "a callback replayed an hour later", timestamp: hourAgo,
            signature: signer.sign(timestamp: hourAgo, body: body), body: body)
    }

    /// What a check of a saved callback tells apart: the signature alone.
    var forSavedCallback: [(callback: Callback, isGenuine: Bool)] {
        [(genuine, true), (changedBody, false), (otherSecrets, false)]
    }

    /// What a receiver tells apart: also an old callback sent again.
    var forReceiver: [(callback: Callback, isGenuine: Bool)] {
        forSavedCallback + [(replayedAnHourLater, false)]
    }
}
