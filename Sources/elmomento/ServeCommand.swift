import ElMomentoCore
import ElMomentoHTTP
import ElMomentoServer
import ElMomentoStore
import Foundation
import Glibc

/// `elmomento serve`: the gateway's HTTP server.
enum ServeCommand {
    private static let limitOptions = [
        OptionSpec(name: "threads", valueName: "N", help: "HTTP engine threads (default: one per core)."),
        OptionSpec(
            name: "connection-idle-timeout-seconds", valueName: "S",
            help: "Close a connection silent this long (default 30)."),
        OptionSpec(
            name: "request-receive-timeout-seconds", valueName: "S",
            help: "A request's headers and body must arrive within this long (default 10)."
        ),
        OptionSpec(
            name: "handler-timeout-seconds", valueName: "S",
            help: "Answer 503 to a request not handled within this long (default 30)."),
        OptionSpec(name: "connections-max", valueName: "N", help: "Open connections in all (default 10000)."),
        OptionSpec(
            name: "connections-per-address-max", valueName: "N",
            help: "Open connections from one address (default 512)."),
        OptionSpec(
            name: "connection-memory-bytes-max", valueName: "N",
            help: "Memory for one connection's headers (default 32768)."),
        OptionSpec(
            name: "body-bytes-max", valueName: "N", help: "Largest request body; larger ones get 413 (default 65536)."),
        OptionSpec(
            name: "shutdown-grace-seconds", valueName: "S",
            help: "On SIGTERM, wait this long for requests in flight (default 30)."),
        OptionSpec(
            name: "auth-failures-per-minute", valueName: "N",
            help: "Requests answered 401 from one client address in any minute; then 429 (default 60)."),
        OptionSpec(
            name: "callback-timeout-seconds", valueName: "S",
            help: "A callback receiver must answer within this long (default 10)."),
        OptionSpec(
            name: "callback-backoff-base-seconds", valueName: "S",
            help: "Scale of the callback retry schedule: 10 waits 10 s, 30 s, 2 min, … for 72 h (default 10)."),
        OptionSpec(name: "callbacks-in-flight-max", valueName: "N", help: "Callback attempts at once (default 64)."),
        OptionSpec(
            name: "callbacks-in-flight-per-merchant-max", valueName: "N",
            help: "Callback attempts at once for one merchant (default 32, at most the total)."),
        OptionSpec(
            name: "callback-poll-interval-ms", valueName: "MS",
            help: "How often due callbacks are looked for when none is in flight (default 500)."),
        OptionSpec(
            name: "deposit-sweep-interval-ms", valueName: "MS",
            help: "How often pending deposits are checked for expiry and auto-settlement (default 1000)."),
    ]

    static let command = Command(
        spec: CommandSpec(
            words: ["serve"],
            summary: "Run the gateway's HTTP server until SIGTERM or SIGINT.",
            arguments: [],
            options: [
                OptionSpec(name: "host", valueName: "ADDRESS", help: "IP address to listen on (default 127.0.0.1)."),
                OptionSpec(
                    name: "port", valueName: "PORT", help: "Port to listen on; 0 picks a free one (default 8080)."),
                OptionSpec(
                    name: "public-url", valueName: "URL",
                    help: "Base of payment_url, as payers reach the gateway (default http://HOST:PORT)."),
                OptionSpec(
                    name: "trusted-proxy", valueName: "CIDR",
                    help: "Proxies whose X-Forwarded-For names the client: addresses or blocks, comma-separated."),
                OptionSpec(
                    name: "demo", valueName: nil,
                    help: "Sandbox only: create the merchant 1xbet if missing and print its secret."),
                OptionSpec(
                    name: "payment-instructions", valueName: "TEXT",
                    help: "Production: where payers send the money (bank, account, holder), shown on payment pages."),
                OptionSpec(
                    name: "sandbox-auto-settle", valueName: "SECONDS",
                    help: "Sandbox only: complete pending deposits this long after creation (default off)."),
                StoreOptions.keyFileSpec,
            ] + StoreOptions.specs + limitOptions
        ),
        run: run
    )

    static func configuration(from arguments: ParsedArguments) throws(UsageError) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.host = arguments.string("host") ?? configuration.host
        guard HTTPServerConfiguration.isListenable(host: configuration.host) else {
            throw UsageError(
                message: "--host must be an IP address (such as 127.0.0.1 or ::1), not \"\(configuration.host)\"")
        }
        configuration.port = try arguments.integer("port", in: 0...65535).map(UInt16.init) ?? configuration.port
        configuration.threadCount =
            try arguments.integer("threads", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
        configuration.connectionIdleTimeoutSeconds =
            try arguments.integer("connection-idle-timeout-seconds", in: 1...86_400)
            ?? configuration.connectionIdleTimeoutSeconds
        configuration.requestReceiveTimeoutSeconds =
            try arguments.seconds("request-receive-timeout-seconds") ?? configuration.requestReceiveTimeoutSeconds
        configuration.handlerTimeoutSeconds =
            try arguments.seconds("handler-timeout-seconds") ?? configuration.handlerTimeoutSeconds
        configuration.connectionsMax =
            try arguments.integer("connections-max", in: 1...1_000_000) ?? configuration.connectionsMax
        configuration.connectionsPerAddressMax =
            try arguments.integer("connections-per-address-max", in: 1...1_000_000)
            ?? configuration.connectionsPerAddressMax
        configuration.connectionMemoryBytesMax =
            try arguments.integer("connection-memory-bytes-max", in: 8192...(16 << 20))
            ?? configuration.connectionMemoryBytesMax
        configuration.bodyBytesMax =
            try arguments.integer("body-bytes-max", in: 1...(16 << 20)) ?? configuration.bodyBytesMax
        configuration.shutdownGraceSeconds =
            try arguments.seconds("shutdown-grace-seconds") ?? configuration.shutdownGraceSeconds
        return configuration
    }

    /// The rate limits `serve` is given beside each merchant's own (SPEC 3.7).
    static func rateLimits(from arguments: ParsedArguments) throws(UsageError) -> RateLimitConfiguration {
        var rateLimits = RateLimitConfiguration()
        rateLimits.authFailuresPerMinute =
            try arguments.integer("auth-failures-per-minute", in: 1...1_000_000) ?? rateLimits.authFailuresPerMinute
        if let list = arguments.string("trusted-proxy") {
            rateLimits.trustedProxies = TrustedProxies(try trustedProxyNetworks(list))
        }
        return rateLimits
    }

    /// The callback dispatcher's limits and timings.
    static func callbackConfiguration(from arguments: ParsedArguments) throws(UsageError)
        -> CallbackDispatcher.Configuration
    {
        var callbacks = CallbackDispatcher.Configuration()
        callbacks.timeoutSeconds =
            try arguments.integer("callback-timeout-seconds", in: 1...300) ?? callbacks.timeoutSeconds
        callbacks.backoffBaseSeconds =
            try arguments.seconds("callback-backoff-base-seconds") ?? callbacks.backoffBaseSeconds
        callbacks.inFlightMax =
            try arguments.integer("callbacks-in-flight-max", in: 1...10_000) ?? callbacks.inFlightMax
        callbacks.inFlightPerMerchantMax = min(
            try arguments.integer("callbacks-in-flight-per-merchant-max", in: 1...10_000)
                ?? callbacks.inFlightPerMerchantMax,
            callbacks.inFlightMax)
        callbacks.pollIntervalMilliseconds =
            try arguments.integer("callback-poll-interval-ms", in: 10...60_000) ?? callbacks.pollIntervalMilliseconds
        return callbacks
    }

    /// The blocks in `--trusted-proxy`'s comma-separated list.
    private static func trustedProxyNetworks(_ list: String) throws(UsageError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        for entry in list.split(separator: ",", omittingEmptySubsequences: false) {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard let network = IPNetwork(text) else {
                throw UsageError(
                    message: "--trusted-proxy must be IP addresses or CIDR blocks (such as 10.0.0.0/8 or fd00::/8), "
                        + "comma-separated; \"\(text)\" is not one")
            }
            networks.append(network)
        }
        return networks
    }

    private static func run(_ arguments: ParsedArguments) throws -> Int32 {
        var configuration = try configuration(from: arguments)
        let rateLimits = try rateLimits(from: arguments)
        let givenPublicURL = try publicURL(arguments)
        let environment = try arguments.choice("environment", of: GatewayEnvironment.self)
        if arguments.has("demo") && environment == .production {
            throw UsageError(message: DemoMerchant.sandboxOnly)
        }
        let callbackConfiguration = try callbackConfiguration(from: arguments)
        let autoSettleSeconds = try arguments.integer("sandbox-auto-settle", in: 1...86_400)
        let sweepIntervalMilliseconds = try arguments.integer("deposit-sweep-interval-ms", in: 10...60_000) ?? 1000
        // Blocked before any thread starts, so every thread inherits the mask and the
        // signal waits for `sigwait` below instead of killing the process mid-request.
        var signals = terminationSignals()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let logger = Logger.standardOutput()
        configuration.connectionsMax = fitConnectionsToDescriptorLimit(configuration.connectionsMax, logger: logger)
        let store = try StoreOptions.open(arguments)
        defer { store.stop() }
        let vault = try StoreOptions.vault(arguments, store: store)
        if arguments.has("demo") {
            try DemoMerchant.ensure(in: store, vault: vault)
        }
        if autoSettleSeconds != nil && store.environment != .sandbox {
            throw UsageError(message: "--sandbox-auto-settle is for sandbox only: production deposits settle for real")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let publicURL = PublicURL(givenPublicURL ?? "http://\(host):\(configuration.port)")
        let application = GatewayApplication(
            store: store, vault: vault, publicURL: publicURL, logger: logger, rateLimits: rateLimits,
            paymentInstructions: arguments.string("payment-instructions"))
        let server = try HTTPServer(configuration: configuration, responder: application)
        if givenPublicURL == nil && configuration.port == 0 {
            // The port is known only now; no client knows it before the line below tells it.
            publicURL.set("http://\(host):\(server.port)")
        }
        logger.log(
            "info", "listening",
            [
                ("host", .string(configuration.host)), ("port", .integer(server.port)),
                ("environment", .string(store.environment.rawValue)), ("database", .string(store.path)),
            ]
        )
        let services = startServices(
            store: store, vault: vault, callbacks: callbackConfiguration, autoSettleSeconds: autoSettleSeconds,
            sweepIntervalMilliseconds: sweepIntervalMilliseconds, logger: logger)
        var received: Int32 = 0
        sigwait(&signals, &received)
        logger.log("info", "stopping", [("signal", .integer(received))])
        server.shutdown()
        // After the server: what its last requests committed is still sent, or left in the outbox.
        try waitFor { for service in services.reversed() { await service.stop() } }
        logger.log("info", "stopped")
        return 0
    }

    /// The callback dispatcher and the deposit sweeper, in the order they start.
    private static func startServices(
        store: SQLiteStore, vault: SecretVault, callbacks: CallbackDispatcher.Configuration, autoSettleSeconds: Int?,
        sweepIntervalMilliseconds: Int, logger: Logger
    ) -> [BackgroundService] {
        // Sandbox callbacks may go to loopback, for testing; production ones to public addresses only (SPEC 7).
        let transport = CallbackTransport(
            configuration: CallbackTransportConfiguration(
                timeoutSeconds: callbacks.timeoutSeconds, inFlightMax: callbacks.inFlightMax,
                allowsPrivateAddresses: store.environment == .sandbox))
        let dispatcher = CallbackDispatcher(
            store: store, vault: vault, transport: transport,
            clock: SystemClock(), configuration: callbacks, logger: logger)
        let sweeper = DepositSweeper(store: store, clock: SystemClock(), autoSettleSeconds: autoSettleSeconds)
        return [
            BackgroundService {
                await dispatcher.run()
                transport.stop()
            },
            BackgroundService { await sweeper.run(intervalMilliseconds: sweepIntervalMilliseconds, logger: logger) },
        ]
    }

    /// The `--public-url` given: an absolute `http` or `https` URL.
    private static func publicURL(_ arguments: ParsedArguments) throws(UsageError) -> String? {
        guard let text = arguments.string("public-url") else { return nil }
        let lowercased = text.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://"), text.count <= 1024,
            !text.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }),
            let host = URLComponents(string: text)?.host, !host.isEmpty
        else {
            throw UsageError(message: "--public-url must be an http or https URL such as https://pay.example.com")
        }
        return text
    }

    private static func terminationSignals() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        return signals
    }

    /// Raises the open-file limit to its hard maximum and keeps the connection limit
    /// under it: 1024, a common default, would turn away clients long before the limit.
    private static func fitConnectionsToDescriptorLimit(_ connectionsMax: Int, logger: Logger) -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let reservedDescriptors = 64
        let available = Int(clamping: limit.rlim_cur) - reservedDescriptors
        guard connectionsMax > available else { return connectionsMax }
        logger.log(
            "warning", "connection limit lowered to fit the open-file limit", [("connections_max", .integer(available))]
        )
        return available
    }
}
