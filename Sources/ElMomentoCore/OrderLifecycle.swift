/// What can be done to an order (SPEC 4, SPEC 8's `admin order …`).
public enum OrderAction: String, Sendable, CaseIterable {
    /// Settle it: the money moved.
    case complete
    /// The rail or the operator declined it; withdrawals get their funds back.
    case fail
    /// An operator sends a pending withdrawal to the rail.
    case approve
    /// An operator refuses a pending withdrawal; its funds are released.
    case reject
    /// An operator withdraws a pending deposit.
    case cancel
    /// A pending deposit outlived its time to live.
    case expire
}

/// Who changed an order, for its audit trail.
public enum OrderActor: String, Sendable, CaseIterable {
    /// A person, through `elmomento admin order …`.
    case `operator`
    /// The payer, on the hosted payment page (sandbox buttons).
    case payerPage = "payer_page"
    /// The sandbox's automatic settlement (`serve --sandbox-auto-settle`).
    case sandboxAutoSettle = "sandbox_auto_settle"
    /// The background service that expires unpaid deposits.
    case expirySweeper = "expiry_sweeper"
}

extension OrderStatus {
    /// Whether the status is final: a terminal order never changes again.
    public var isTerminal: Bool {
        switch self {
        case .pending, .processing: false
        case .completed, .failed, .expired, .cancelled, .rejected: true
        }
    }
}

/// One status change, as the order's audit trail records it.
public struct OrderChange: Sendable, Equatable {
    /// The order after the change.
    public let order: Order
    /// The status it left.
    public let previousStatus: OrderStatus
    /// Who made it.
    public let actor: OrderActor
    /// Why, when someone said.
    public let reason: String?

    /// The callback's `event`: `deposit.completed`, `withdrawal.processing`, ….
    public var eventName: String { "\(order.kind.rawValue).\(order.status.rawValue)" }
}

/// An action the order's status does not allow; the message says what would.
public struct OrderTransitionRefused: Error, Sendable, Equatable, CustomStringConvertible {
    /// The order as it is.
    public let order: Order
    /// What was asked.
    public let action: OrderAction

    public var description: String {
        let subject = "\(order.id) is a \(order.status.rawValue) \(order.kind.rawValue)"
        if order.status.isTerminal { return "\(subject): its status is final and can't change" }
        let allowed = OrderAction.allCases.filter { Order.status(after: $0, of: order.kind, from: order.status) != nil }
        let listed = allowed.filter { $0 != .expire }.map(\.pastTense).joined(separator: " or ")
        return "\(subject): it can't be \(action.pastTense); it can be \(listed)"
    }
}

extension OrderAction {
    var pastTense: String {
        switch self {
        case .complete: "completed"
        case .fail: "failed"
        case .approve: "approved"
        case .reject: "rejected"
        case .cancel: "cancelled"
        case .expire: "expired"
        }
    }
}

extension Order {
    /// The order after `action`, by `actor`, at `atMilliseconds`, or `OrderTransitionRefused`
    /// when its status does not allow it (SPEC 4):
    ///
    /// - deposit: `pending` → `completed` | `failed` | `expired` | `cancelled`;
    /// - withdrawal: `pending` → `processing` (approve) | `rejected`; `processing` →
    ///   `completed` | `failed`.
    ///
    /// A failed or rejected order keeps `reason` as its `failure_reason`.
    public func applying(
        _ action: OrderAction, by actor: OrderActor, reason: String?, atMilliseconds now: Int64
    ) throws(OrderTransitionRefused) -> OrderChange {
        guard let next = Self.status(after: action, of: kind, from: status) else {
            throw OrderTransitionRefused(order: self, action: action)
        }
        var changed = self
        changed.status = next
        changed.updatedAtMilliseconds = max(now, updatedAtMilliseconds)
        if next == .failed || next == .rejected { changed.failureReason = reason }
        return OrderChange(order: changed, previousStatus: status, actor: actor, reason: reason)
    }

    /// The lifecycle's table: where `action` takes an order of `kind` in `status`, if anywhere.
    static func status(after action: OrderAction, of kind: OrderKind, from status: OrderStatus) -> OrderStatus? {
        switch (kind, status, action) {
        case (.deposit, .pending, .complete): .completed
        case (.deposit, .pending, .fail): .failed
        case (.deposit, .pending, .expire): .expired
        case (.deposit, .pending, .cancel): .cancelled
        case (.withdrawal, .pending, .approve): .processing
        case (.withdrawal, .pending, .reject): .rejected
        case (.withdrawal, .processing, .complete): .completed
        case (.withdrawal, .processing, .fail): .failed
        default: nil
        }
    }
}

/// A status change as merchants receive it: the body of its callback and of its entry in
/// `GET /api/{merchant}/events/` (SPEC 3.5, 6).
public struct OrderEvent: Sendable, Equatable {
    /// `evt_…`: unique per event, stable across the callback's retries, the events cursor.
    public let webhookID: String
    /// 1 for the order's first change, then 2, ….
    public let sequence: Int
    /// The change.
    public let change: OrderChange

    /// The event `sequence` of an order, named `webhookID`.
    public init(webhookID: String, sequence: Int, change: OrderChange) {
        self.webhookID = webhookID
        self.sequence = sequence
        self.change = change
    }

    /// The order object after the change, followed by `event`, `sequence` and `webhook_id`.
    public func jsonObject() -> JSONValue {
        change.order.jsonObject().appending([
            ("event", .string(change.eventName)), ("sequence", .integer(sequence)), ("webhook_id", .string(webhookID)),
        ])
    }

}
