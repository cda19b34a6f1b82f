import ElMomentoCore

/// Why a database cannot be used as asked: the operator's mistake, told plainly.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database was created for the other environment (SPEC 7).
    case environmentMismatch(recorded: GatewayEnvironment, requested: GatewayEnvironment)
    /// A newer build has migrated this database; this one does not know its schema.
    case schemaTooNew(found: Int, known: Int)
    /// The database holds an environment name this build does not know.
    case unknownEnvironment(String)
    /// The store has been stopped; nothing more can be written through it.
    case closed
    /// `admin merchant create` of a slug that exists.
    case merchantExists(String)
    /// A merchant command named a slug that does not exist.
    case merchantNotFound(String)
    /// An operator's movement named a reference the merchant's movements already hold: a
    /// retry when `bySameMovement` (the same kind, currency and amount), a mistake otherwise.
    case movementReferenceUsed(String, bySameMovement: Bool)
    /// An operator's command named an order id that does not exist.
    case orderNotFound(String)
    /// An events cursor that names no event of the merchant.
    case eventNotFound(String)
    /// A callback id (`evt_…`) that has no callback to send.
    case callbackNotFound(String)
    /// The order's status changed between reading it and writing the change (another
    /// instance's transaction); the change is refused, never applied twice.
    case orderChangedMeanwhile(String)
    /// A row holds a value this build cannot read: a bug or a damaged file, never input.
    case corruptRow(table: String, id: String)

    public var description: String {
        switch self {
        case .environmentMismatch(let recorded, let requested):
            "this database belongs to the \(recorded.rawValue) environment; it cannot be used as \(requested.rawValue)"
        case .schemaTooNew(let found, let known):
            "the database's schema is version \(found), newer than this build's \(known): upgrade elmomento"
        case .unknownEnvironment(let name):
            "the database records an unknown environment \"\(name)\""
        case .closed:
            "the database has been closed"
        case .merchantExists(let slug):
            "a merchant named \"\(slug)\" exists already"
        case .merchantNotFound(let slug):
            "no merchant is named \"\(slug)\""
        case .movementReferenceUsed(let reference, let bySameMovement):
            bySameMovement
                ? "the movement with reference \"\(reference)\" is recorded already"
                : "the reference \"\(reference)\" is already used by a different movement"
        case .orderNotFound(let id):
            "no order has the id \"\(id)\""
        case .eventNotFound(let id):
            "no event has the id \"\(id)\""
        case .callbackNotFound(let id):
            "no callback has the id \"\(id)\""
        case .orderChangedMeanwhile(let id):
            "the order \(id) changed meanwhile; look at it again"
        case .corruptRow(let table, let id):
            "the row \(id) of \(table) cannot be read"
        }
    }
}
