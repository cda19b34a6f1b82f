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

    /// Applies `transition` to the order with the gateway's id `id` and writes, in one
    /// transaction, the order, its event, the ledger movement the change makes and, when the
    /// order has a `callback_url`, its callback (SPEC 4). What `transition` throws refuses
    /// the change; `StoreError.orderNotFound` when there is no such order.
    func changeOrder(
        id: String, atMilliseconds now: Int64, _ transition: @escaping @Sendable (Order) throws -> OrderChange
    ) async throws -> OrderEvent

    /// The ids of pending deposits that are due, oldest deadline first, at most `limit`.
    func pendingDepositIDs(dueBy due: DepositDue, limit: Int) async throws -> [String]

    /// The deposit whose payment page `token` opens, with its merchant.
    func orderForPayment(token: String) async throws -> MerchantOrder?

    /// The order with the gateway's id `id`, its merchant and its changes (`admin order show`).
    func orderHistory(id: String) async throws -> OrderHistory?

    /// Orders of every kind, newest first, for an operator (`admin order list`).
    func operatorOrders(merchantSlug: String?, status: OrderStatus?, limit: Int) async throws -> [MerchantOrder]

    /// The merchant's events after the one named `webhookID` (from the first when `nil`),
    /// oldest first; `StoreError.eventNotFound` when the merchant has no such event.
    func events(merchantID: Int64, after webhookID: String?, limit: Int) async throws -> EventPage

    /// Takes up to `limit` callbacks due at `now` and holds them for `leaseMilliseconds` (an
    /// attempt's timeout and more): if their attempt is never recorded, as after a crash, they
    /// fall due again then. Per order, only the oldest open callback is ever due. Merchants
    /// take turns, each up to `perMerchantMax` in flight counting the `inFlight` it has (by
    /// slug), so that one merchant's slow receiver never holds every attempt.
    func claimDueCallbacks(
        atMilliseconds now: Int64, leaseMilliseconds: Int64, limit: Int, perMerchantMax: Int,
        inFlight: [String: Int]
    ) async throws -> [DueCallback]

    /// Records an attempt to send `callback`, and what follows it, unless it was claimed again
    /// meanwhile (its lease ran out, an operator resent it): then only the attempt is kept, and
    /// the later claim decides.
    func recordCallbackAttempt(_ callback: DueCallback, _ attempt: CallbackAttempt, outcome: CallbackOutcome)
        async throws

    /// Callbacks, newest first; only those that gave up when `failedOnly`.
    func callbacks(failedOnly: Bool, limit: Int) async throws -> [CallbackRecord]

    /// The callback of event `webhookID` with every attempt made, oldest first.
    func callbackHistory(webhookID: String) async throws -> CallbackHistory?

    /// Makes the callback of event `webhookID` due now with a fresh retry schedule, its
    /// attempts counted again from none (`admin callbacks retry`); `StoreError.callbackNotFound`
    /// when it has none.
    func retryCallback(webhookID: String, atMilliseconds now: Int64) async throws
}

/// Which pending deposits a background service wants.
public enum DepositDue: Sendable, Equatable {
    /// Those whose time to live ends by then: the expiry sweeper's.
    case expiringBy(milliseconds: Int64)
    /// Those created by then: the sandbox's automatic settlement.
    case createdBy(milliseconds: Int64)
}

/// An order and the slug of its merchant.
public struct MerchantOrder: Sendable, Equatable {
    /// The order.
    public let order: Order
    /// Its merchant's slug.
    public let merchantSlug: String

    /// An order of `merchantSlug`.
    public init(order: Order, merchantSlug: String) {
        self.order = order
        self.merchantSlug = merchantSlug
    }

    /// The order object of SPEC 3.3 plus `"merchant"`, as `admin … --json` prints it.
    public func jsonObject() -> JSONValue {
        order.jsonObject().appending([("merchant", .string(merchantSlug))])
    }
}

/// An order with its audit trail.
public struct OrderHistory: Sendable, Equatable {
    /// One status change.
    public struct Entry: Sendable, Equatable {
        /// The event's id (`evt_…`).
        public let webhookID: String
        /// 1, 2, … per order.
        public let sequence: Int
        /// The status it left.
        public let previousStatus: OrderStatus
        /// The status it reached.
        public let status: OrderStatus
        /// Who made it.
        public let actor: OrderActor
        /// Why, when someone said.
        public let reason: String?
        /// When, in milliseconds since 1970.
        public let atMilliseconds: Int64
    }

    /// The order and its merchant.
    public let order: MerchantOrder
    /// Its changes, oldest first.
    public let changes: [Entry]
}

/// A page of a merchant's events: each the exact body its callback carries.
public struct EventPage: Sendable, Equatable {
    /// The callback bodies, oldest first.
    public let payloads: [[UInt8]]
    /// The `webhook_id` of the last one: the cursor of the next page.
    public let lastWebhookID: String?
    /// Whether more events follow.
    public let hasMore: Bool
}

/// A callback taken for an attempt.
public struct DueCallback: Sendable, Equatable {
    /// The event's row: what the attempt is recorded against.
    public let eventID: Int64
    /// This claim's token: the attempt decides what follows only while the claim is the latest.
    public let claimToken: Int64
    /// `Webhook-Id`.
    public let webhookID: String
    /// Whose secret signs it.
    public let merchantSlug: String
    /// Where it goes.
    public let url: String
    /// The body, byte for byte the same on every attempt.
    public let body: [UInt8]
    /// Attempts made before this one.
    public let attemptCount: Int
    /// When its first attempt was made (now, for a first attempt): the retry horizon's start.
    public let firstAttemptAtMilliseconds: Int64
}

/// One attempt to deliver a callback (SPEC 6: time, status code, latency, error).
public struct CallbackAttempt: Sendable, Equatable {
    /// When it was made.
    public let atMilliseconds: Int64
    /// The receiver's status code, when it answered.
    public let statusCode: Int?
    /// How long it took.
    public let latencyMilliseconds: Int64
    /// What went wrong, for an operator.
    public let error: String?

    /// An attempt made at `atMilliseconds`.
    public init(atMilliseconds: Int64, statusCode: Int?, latencyMilliseconds: Int64, error: String?) {
        self.atMilliseconds = atMilliseconds
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }
}

/// What follows an attempt.
public enum CallbackOutcome: Sendable, Equatable {
    /// Acknowledged: done.
    case delivered
    /// Try again then.
    case retry(atMilliseconds: Int64)
    /// No more attempts (72 hours passed, or `410 Gone`); an operator may resend.
    case gaveUp
}

/// A callback and every attempt to send it (`admin callbacks show`).
public struct CallbackHistory: Sendable, Equatable {
    /// The callback.
    public let callback: CallbackRecord
    /// Its attempts, oldest first.
    public let attempts: [CallbackAttempt]
}

/// A callback as an operator sees it (`admin callbacks list`).
public struct CallbackRecord: Sendable, Equatable {
    /// Where a callback is.
    public enum State: String, Sendable {
        /// Waiting for its next attempt.
        case pending
        /// Acknowledged.
        case delivered
        /// Gave up.
        case failed
    }

    /// `evt_…`.
    public let webhookID: String
    /// The gateway's order id.
    public let orderID: String
    /// The order's merchant.
    public let merchantSlug: String
    /// `deposit.completed`, ….
    public let eventName: String
    /// Where it goes.
    public let url: String
    /// Where it is.
    public let state: State
    /// Attempts made.
    public let attemptCount: Int
    /// When the next attempt is due, while pending.
    public let nextAttemptAtMilliseconds: Int64
    /// When it last changed.
    public let updatedAtMilliseconds: Int64
    /// The last attempt's status code, if it got one.
    public let lastStatusCode: Int?
    /// The last attempt's error, if it had one.
    public let lastError: String?
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
