/// An account of the double-entry ledger (SPEC 5): a merchant's money in one currency,
/// `available` or `reserved`, or one of the gateway's own accounts.
///
/// A balance is the sum of the account's postings. Merchant accounts hold what the
/// gateway owes the merchant and never go below zero; `funding` mirrors the money that
/// came in from or went out to the outside (top-ups, payouts, payments) and `fees` what
/// the gateway earned, so either may be negative.
public struct LedgerAccount: Sendable, Hashable, CustomStringConvertible {
    /// Which of an owner's accounts this is.
    public enum Name: String, Sendable {
        /// A merchant's money it may pay out.
        case available
        /// A merchant's money held for withdrawals not yet settled.
        case reserved
        /// The gateway's side of money entering or leaving it.
        case funding
        /// The fees the gateway earned.
        case fees
    }

    /// The merchant whose money it holds; `nil` for the gateway's own accounts.
    public let merchantID: Int64?
    /// Which account of its owner this is.
    public let name: Name
    /// The currency of every amount posted to it.
    public let currency: Currency

    /// The account `name` of `merchantID` (`nil`: the gateway) in `currency`.
    public init(merchantID: Int64?, name: Name, currency: Currency) {
        precondition(
            (merchantID == nil) == [.funding, .fees].contains(name), "merchants hold available and reserved only")
        self.merchantID = merchantID
        self.name = name
        self.currency = currency
    }

    /// A merchant's money it may pay out.
    public static func available(merchantID: Int64, currency: Currency) -> LedgerAccount {
        LedgerAccount(merchantID: merchantID, name: .available, currency: currency)
    }

    /// A merchant's money held for its withdrawals.
    public static func reserved(merchantID: Int64, currency: Currency) -> LedgerAccount {
        LedgerAccount(merchantID: merchantID, name: .reserved, currency: currency)
    }

    /// The gateway's side of money entering or leaving it.
    public static func funding(currency: Currency) -> LedgerAccount {
        LedgerAccount(merchantID: nil, name: .funding, currency: currency)
    }

    /// The fees the gateway earned.
    public static func fees(currency: Currency) -> LedgerAccount {
        LedgerAccount(merchantID: nil, name: .fees, currency: currency)
    }

    public var description: String {
        "\(merchantID.map { "merchant \($0)" } ?? "gateway") \(name.rawValue) \(currency.code)"
    }
}

/// An amount in minor units added to an account's balance; a negative one takes away.
public struct LedgerPosting: Sendable, Equatable {
    /// The account.
    public let account: LedgerAccount
    /// Signed minor units of the account's currency.
    public let amountMinorUnits: Int64
}

/// A movement of money: postings that sum to zero, in one currency, and what caused it.
///
/// Built only through the named movements below, each of which states the one way its
/// money moves; the initializer asserts the double-entry invariants.
public struct LedgerMovement: Sendable, Equatable {
    /// What caused a movement.
    public enum Kind: String, Sendable {
        /// An operator recorded money the merchant sent (a payout float), or a correction.
        case balanceCredit = "balance_credit"
        /// An operator recorded money returned to the merchant, or a correction.
        case balanceDebit = "balance_debit"
        /// A new withdrawal set its amount and fee aside.
        case withdrawalReserved = "withdrawal_reserved"
        /// A deposit was paid: the amount came in, the merchant got it less the fee.
        case depositCompleted = "deposit_completed"
        /// A withdrawal was paid out: its reservation left, as the amount and the fee.
        case withdrawalCompleted = "withdrawal_completed"
        /// A withdrawal failed or was rejected: its reservation went back to available.
        case withdrawalReleased = "withdrawal_released"
    }

    /// What caused it.
    public let kind: Kind
    /// The merchant whose money moves.
    public let merchantID: Int64
    /// The gateway's id of the order that caused it, when an order did.
    public let orderID: String?
    /// The operator's reason, when an operator made it.
    public let reason: String?
    /// The postings, in the order they apply.
    public let postings: [LedgerPosting]

    private init(kind: Kind, merchantID: Int64, orderID: String?, reason: String?, postings: [LedgerPosting]) {
        precondition(postings.count >= 2, "a movement has two sides")
        precondition(postings.allSatisfy { $0.amountMinorUnits != 0 }, "a posting moves money")
        precondition(
            Set(postings.map(\.account.currency)).count == 1, "a movement stays in one currency")
        precondition(postings.reduce(0) { $0 + $1.amountMinorUnits } == 0, "postings sum to zero")
        self.kind = kind
        self.merchantID = merchantID
        self.orderID = orderID
        self.reason = reason
        self.postings = postings
    }

    /// An operator's top-up of the merchant's available balance.
    public static func credit(
        merchantID: Int64, currency: Currency, amountMinorUnits: Int64, reason: String
    ) -> LedgerMovement {
        precondition(amountMinorUnits > 0, "a credit adds money")
        return transfer(
            .balanceCredit, amountMinorUnits, from: .funding(currency: currency),
            to: .available(merchantID: merchantID, currency: currency), merchantID: merchantID, reason: reason)
    }

    /// An operator's withdrawal from the merchant's available balance.
    public static func debit(
        merchantID: Int64, currency: Currency, amountMinorUnits: Int64, reason: String
    ) -> LedgerMovement {
        precondition(amountMinorUnits > 0, "a debit takes money")
        return transfer(
            .balanceDebit, amountMinorUnits, from: .available(merchantID: merchantID, currency: currency),
            to: .funding(currency: currency), merchantID: merchantID, reason: reason)
    }

    /// A new withdrawal's amount plus fee, moved from available to reserved.
    public static func withdrawalReservation(of order: Order, merchantID: Int64) -> LedgerMovement {
        precondition(order.kind == .withdrawal, "only withdrawals reserve")
        return transfer(
            .withdrawalReserved, order.reservedMinorUnits,
            from: .available(merchantID: merchantID, currency: order.currency),
            to: .reserved(merchantID: merchantID, currency: order.currency), merchantID: merchantID,
            orderID: order.id)
    }

    /// The money a status change moves, if any (SPEC 5): a completed deposit brings its amount
    /// in, the merchant's share to `available` and the fee to the gateway; a completed
    /// withdrawal pays its reservation out as amount and fee; a failed or rejected one
    /// returns it to `available`. Other changes move nothing.
    public static func settlement(of change: OrderChange, merchantID: Int64) -> LedgerMovement? {
        let order = change.order
        let currency = order.currency
        let available = LedgerAccount.available(merchantID: merchantID, currency: currency)
        let reserved = LedgerAccount.reserved(merchantID: merchantID, currency: currency)
        let postings: [(LedgerAccount, Int64)]
        let kind: Kind
        switch (order.kind, order.status) {
        case (.deposit, .completed):
            precondition(order.feeMinorUnits <= order.amountMinorUnits, "a deposit's fee is at most its amount")
            kind = .depositCompleted
            postings = [
                (.funding(currency: currency), -order.amountMinorUnits),
                (available, order.amountMinorUnits - order.feeMinorUnits),
                (.fees(currency: currency), order.feeMinorUnits),
            ]
        case (.withdrawal, .completed):
            kind = .withdrawalCompleted
            postings = [
                (reserved, -order.reservedMinorUnits), (.funding(currency: currency), order.amountMinorUnits),
                (.fees(currency: currency), order.feeMinorUnits),
            ]
        case (.withdrawal, .failed), (.withdrawal, .rejected):
            kind = .withdrawalReleased
            postings = [(reserved, -order.reservedMinorUnits), (available, order.reservedMinorUnits)]
        default:
            return nil
        }
        return LedgerMovement(
            kind: kind, merchantID: merchantID, orderID: order.id, reason: change.reason,
            postings: postings.filter { $0.1 != 0 }.map { LedgerPosting(account: $0.0, amountMinorUnits: $0.1) })
    }

    private static func transfer(
        _ kind: Kind, _ amountMinorUnits: Int64, from source: LedgerAccount, to destination: LedgerAccount,
        merchantID: Int64, orderID: String? = nil, reason: String? = nil
    ) -> LedgerMovement {
        LedgerMovement(
            kind: kind, merchantID: merchantID, orderID: orderID, reason: reason,
            postings: [
                LedgerPosting(account: source, amountMinorUnits: -amountMinorUnits),
                LedgerPosting(account: destination, amountMinorUnits: amountMinorUnits),
            ])
    }
}

extension Order {
    /// What a withdrawal holds while it is open: its amount plus its fee.
    public var reservedMinorUnits: Int64 { amountMinorUnits + feeMinorUnits }
}

/// A movement refused because it would take a merchant account below zero.
public struct InsufficientFunds: Error, Sendable, Equatable {
    /// The account that lacks the money.
    public let account: LedgerAccount
    /// Its balance before the movement.
    public let balanceMinorUnits: Int64
    /// What the movement needed to take from it.
    public let neededMinorUnits: Int64

    /// A refusal of `neededMinorUnits` from `account`, which holds `balanceMinorUnits`.
    public init(account: LedgerAccount, balanceMinorUnits: Int64, neededMinorUnits: Int64) {
        self.account = account
        self.balanceMinorUnits = balanceMinorUnits
        self.neededMinorUnits = neededMinorUnits
    }
}

/// A merchant's money in one currency (SPEC 3.3, `GET /api/{merchant}/balance/`).
public struct MerchantBalance: Sendable, Equatable {
    /// The currency.
    public let currency: Currency
    /// What the merchant may pay out, in minor units.
    public var availableMinorUnits: Int64
    /// What open withdrawals hold, in minor units.
    public var reservedMinorUnits: Int64

    /// A balance with both parts given.
    public init(currency: Currency, availableMinorUnits: Int64 = 0, reservedMinorUnits: Int64 = 0) {
        self.currency = currency
        self.availableMinorUnits = availableMinorUnits
        self.reservedMinorUnits = reservedMinorUnits
    }

    /// `{"currency": "DOP", "available": 300, "reserved": 200}`.
    public func jsonObject() -> JSONValue {
        .object([
            ("currency", .string(currency.code)),
            ("available", .number(MinorUnits.format(availableMinorUnits, currency: currency))),
            ("reserved", .number(MinorUnits.format(reservedMinorUnits, currency: currency))),
        ])
    }

    /// The balances in the currencies `codes`, in that order (zero where nothing was
    /// ever posted), followed, when `withOthersHoldingMoney`, by any other currency that
    /// holds money (one no longer enabled, for an operator).
    public static func listed(
        _ balances: [MerchantBalance], currencyCodes codes: [String], withOthersHoldingMoney: Bool
    ) -> [MerchantBalance] {
        let enabled = codes.compactMap(Currency.init(code:)).map { currency in
            balances.first { $0.currency == currency } ?? MerchantBalance(currency: currency)
        }
        guard withOthersHoldingMoney else { return enabled }
        let others = balances.filter { balance in
            !codes.contains(balance.currency.code)
                && (balance.availableMinorUnits != 0 || balance.reservedMinorUnits != 0)
        }
        return enabled + others.sorted { $0.currency.code < $1.currency.code }
    }

    /// `{"balances": [...]}`.
    public static func jsonObject(_ balances: [MerchantBalance]) -> JSONValue {
        .object([("balances", .array(balances.map { $0.jsonObject() }))])
    }
}
