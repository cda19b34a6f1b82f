/// The two kinds of deployment (SPEC 7): separate databases, separate keys.
public enum GatewayEnvironment: String, Sendable, CaseIterable {
    /// Test keys, simulated settlement, relaxed callback rules.
    case sandbox
    /// Live keys, real confirmation, strict rules.
    case production
}
