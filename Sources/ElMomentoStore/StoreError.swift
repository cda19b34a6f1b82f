import ElMomentoCore

/// Why a database cannot be used as asked: the operator's mistake, told plainly.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database was created for the other environment (SPEC 7).
    case environmentMismatch(recorded: GatewayEnvironment, requested: GatewayEnvironment)
    /// A newer build has migrated this database; this one does not know its schema.
    case schemaTooNew(found: Int, known: Int)
    /// The database holds an environment name this build does not know.
    case unknownEnvironment(String)

    public var description: String {
        switch self {
        case .environmentMismatch(let recorded, let requested):
            "this database belongs to the \(recorded.rawValue) environment; it cannot be used as \(requested.rawValue)"
        case .schemaTooNew(let found, let known):
            "the database's schema is version \(found), newer than this build's \(known): upgrade elmomento"
        case .unknownEnvironment(let name):
            "the database records an unknown environment \"\(name)\""
        }
    }
}
