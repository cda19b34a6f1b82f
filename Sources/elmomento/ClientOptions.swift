import ElMomentoClient
import ElMomentoCore
import Foundation

/// The options every `client` command shares: which gateway, as which merchant (SPEC 8).
///
/// Each comes from its flag or else its environment variable; the environment is the better
/// place for the secret, which a flag shows to anyone who can list processes.
enum ClientOptions {
    static let credentialSpecs = [
        OptionSpec(name: "url", valueName: "URL", help: "The gateway's base URL (env ELMOMENTO_URL)."),
        OptionSpec(name: "merchant", valueName: "SLUG", help: "Your merchant slug (env ELMOMENTO_MERCHANT)."),
        secretSpec,
        OptionSpec(
            name: "signature-version", valueName: "N",
            help: "1 (timestamp and body) or 2 (method, path and query too; the default)."),
    ]

    static let secretSpec = OptionSpec(
        name: "secret", valueName: "S", help: "Your secret (env ELMOMENTO_SECRET, which other users cannot see).")

    static let jsonSpec = OptionSpec(name: "json", valueName: nil, help: "Print the gateway's JSON, for scripts.")

    /// The SDK client the options describe; a missing or unusable one is a usage error (exit 2).
    static func client(_ arguments: ParsedArguments) throws(UsageError) -> ElMomentoClient {
        let urlText = try required(arguments, "url", environment: "ELMOMENTO_URL")
        guard let url = URL(string: urlText), let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            ["http", "https"].contains(components.scheme?.lowercased()), components.host?.isEmpty == false,
            components.query == nil, components.fragment == nil
        else {
            throw UsageError(message: "the gateway URL must be http:// or https:// with a host, not \"\(urlText)\"")
        }
        let merchant = try required(arguments, "merchant", environment: "ELMOMENTO_MERCHANT")
        guard Merchant.isValidSlug(merchant) else {
            throw UsageError(
                message: "the merchant slug must be 1–63 characters of a-z, 0-9 and -, not \"\(merchant)\"")
        }
        let secret = try self.secret(arguments)
        let version: ElMomentoSignatureVersion
        switch arguments.string("signature-version") {
        case nil, "2": version = .v2
        case "1": version = .v1
        case let other?: throw UsageError(message: "--signature-version must be 1 or 2, not \"\(other)\"")
        }
        return ElMomentoClient(baseURL: url, merchant: merchant, secret: secret, signatureVersion: version)
    }

    /// The merchant's secret, from `--secret` or `ELMOMENTO_SECRET`.
    static func secret(_ arguments: ParsedArguments) throws(UsageError) -> String {
        try required(arguments, "secret", environment: "ELMOMENTO_SECRET")
    }

    private static func required(_ arguments: ParsedArguments, _ name: String, environment: String) throws(UsageError)
        -> String
    {
        let value = arguments.string(name) ?? ProcessInfo.processInfo.environment[environment]
        guard let value, !value.isEmpty else {
            throw UsageError(message: "no \(name) given: pass --\(name) or set \(environment)")
        }
        return value
    }
}
