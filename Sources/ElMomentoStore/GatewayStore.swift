import ElMomentoCore

/// Everything the server asks of its database, whichever database it is.
public protocol GatewayStore: Sendable {
    /// The environment the database was created for.
    var environment: GatewayEnvironment { get }

    /// Returns when the database answers a query; throws when it cannot.
    func ping() async throws
}
