import CSQLite
import ElMomentoCore

/// Everything the server and the operator's commands ask of the database, whichever
/// database it is.
public protocol GatewayStore: Sendable {
    /// The environment the database was created for.
    var environment: GatewayEnvironment { get }

    /// Returns when the database answers a query; throws when it cannot.
    func ping() async throws

    /// The value of the gateway-wide setting `name`, or `nil` when none is recorded.
    func setting(_ name: String) async throws -> String?

    /// Records `value` for the setting `name` unless one is recorded already, and returns
    /// the recorded one: the first writer wins when several processes start at once.
    func recordSetting(_ name: String, value: String) async throws -> String

    /// Records a new merchant with its first secret, sealed; `StoreError.merchantExists`
    /// when the slug is taken.
    func createMerchant(
        slug: String, settings: MerchantSettings, sealedSecret: [UInt8], atMilliseconds now: Int64
    ) async throws -> Merchant

    /// Applies `change` to the merchant's enabled flag and settings, in one transaction.
    func updateMerchant(
        slug: String, atMilliseconds now: Int64, _ change: @escaping @Sendable (inout Merchant) -> Void
    ) async throws -> Merchant

    /// Makes `sealedSecret` the merchant's current secret; the one it replaces stays valid
    /// until `previousValidUntilMilliseconds`, and any older one stops now.
    func rotateSecret(
        slug: String, sealedSecret: [UInt8], previousValidUntilMilliseconds: Int64, atMilliseconds now: Int64
    ) async throws -> Merchant

    /// Every merchant, by slug.
    func merchants() async throws -> [Merchant]

    /// The merchant and its secrets valid at `now`, newest first; `nil` when there is none.
    func merchantCredentials(slug: String, atMilliseconds now: Int64) async throws -> MerchantCredentials?

    /// Creates `order` unless the merchant has one of its kind with its `orderID`: then the
    /// existing one is a replay when its fingerprint is the same, a conflict otherwise.
    /// `admit` runs, in the same transaction, only when the order is new; what it throws
    /// refuses the order (the merchant's limits apply to new orders, never to a retry).
    /// A new withdrawal reserves its amount plus fee in the same transaction, or is
    /// refused with `InsufficientFunds` and nothing is stored.
    func createOrder(
        _ order: Order, merchantID: Int64, fingerprint: String, admit: @escaping @Sendable () throws -> Void
    ) async throws -> OrderCreation

    /// The merchant's order of `kind` with the merchant's own `orderID`.
    func order(merchantID: Int64, kind: OrderKind, orderID: String) async throws -> Order?

    /// One page of the merchant's orders of `kind`, newest first.
    func orders(merchantID: Int64, kind: OrderKind, matching query: OrderListQuery) async throws -> OrderPage

    /// The merchant's balance in every currency that has a ledger account.
    func balances(merchantID: Int64) async throws -> [MerchantBalance]

    /// The merchant named `slug` with its balances; `nil` when there is none.
    func balanceSheet(slug: String) async throws -> BalanceSheet?

    /// Records the movement `movement` makes for the merchant named `slug`, and returns the
    /// balances after it, in one transaction. What `movement` throws refuses it; so does
    /// `InsufficientFunds` when it would take a merchant account below zero, and
    /// `StoreError.merchantNotFound`. A `reference` the merchant's movements already hold
    /// records nothing: `StoreError.movementReferenceUsed` says whether by the same movement.
    func recordMovement(
        slug: String, reference: String?, atMilliseconds now: Int64,
        _ movement: @escaping @Sendable (Merchant) throws -> LedgerMovement
    ) async throws -> BalanceSheet

    /// Recomputes every balance from its postings and checks every movement and every
    /// open withdrawal's reservation (`admin ledger verify`).
    func verifyLedger() async throws -> LedgerReport
}

/// A merchant and its balances.
public struct BalanceSheet: Sendable, Equatable {
    /// The merchant.
    public let merchant: Merchant
    /// Its balance in every currency that has a ledger account.
    public let balances: [MerchantBalance]
}

/// What `admin ledger verify` found.
public struct LedgerReport: Sendable, Equatable {
    /// Accounts checked.
    public let accountCount: Int
    /// Movements checked.
    public let movementCount: Int
    /// Every disagreement, for a person; empty when the ledger is sound.
    public let differences: [String]
}

/// A merchant with the secrets that authenticate it now, newest first, still sealed.
public struct MerchantCredentials: Sendable, Equatable {
    /// The merchant.
    public let merchant: Merchant
    /// Sealed secrets; the first is the current one.
    public let sealedSecrets: [[UInt8]]

    /// The merchant and its sealed secrets.
    public init(merchant: Merchant, sealedSecrets: [[UInt8]]) {
        self.merchant = merchant
        self.sealedSecrets = sealedSecrets
    }
}

/// How a create ended (SPEC 3.2).
public enum OrderCreation: Sendable, Equatable {
    /// A new order: `201`.
    case created(Order)
    /// The same order again: `200` with `Idempotent-Replayed: true`.
    case replayed(Order)
    /// The `orderID` is taken by a different order: `409 order_id_conflict`.
    case conflict
}

/// A page of a list, and whether more follow it.
public struct OrderPage: Sendable, Equatable {
    /// The orders, newest first.
    public let orders: [Order]
    /// Whether there are orders after the last one.
    public let hasMore: Bool

    /// A page of `orders`.
    public init(orders: [Order], hasMore: Bool) {
        self.orders = orders
        self.hasMore = hasMore
    }
}

/// An error that may mean the database cannot be used right now (locked past the busy
/// timeout, an I/O failure, a full disk, a store being stopped) rather than a bug: the
/// client is told to try again (`503 unavailable`) instead of `500`.
public protocol DatabaseFailure: Error {
    /// Whether the failure is the database's being unavailable.
    var meansDatabaseUnavailable: Bool { get }
}

extension SQLiteError: DatabaseFailure {
    public var meansDatabaseUnavailable: Bool {
        let unavailable: [Int32] = [
            SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY,
        ]
        return unavailable.contains(code & 0xff)
    }
}

extension StoreError: DatabaseFailure {
    public var meansDatabaseUnavailable: Bool { self == .closed }
}
