import Testing

@testable import ElMomentoCore

/// The order state machine (SPEC 4), the money each change moves (SPEC 5) and the event
/// merchants receive (SPEC 3.5, 6).
@Suite struct OrderLifecycleTests {
    static let dop = Currency(code: "DOP")!

    static func order(_ kind: OrderKind, _ status: OrderStatus = .pending, fee: Int64 = 150) -> Order {
        Order(
            id: kind == .deposit ? "dep_1" : "wd_1", orderID: "o-1", kind: kind, status: status,
            amountMinorUnits: 10_000, currency: dop, feeMinorUnits: fee, callbackURL: nil, paymentURL: nil,
            payerDetails: nil, environment: .sandbox, failureReason: nil, createdAtMilliseconds: 1_000,
            updatedAtMilliseconds: 1_000)
    }

    /// Every (kind, status, action) of the whole space: exactly SPEC 4's arrows are allowed.
    @Test func exactlyTheSpecsTransitionsAreAllowed() {
        let allowed: [String: OrderStatus] = [
            "deposit pending complete": .completed, "deposit pending fail": .failed,
            "deposit pending expire": .expired, "deposit pending cancel": .cancelled,
            "withdrawal pending approve": .processing, "withdrawal pending reject": .rejected,
            "withdrawal processing complete": .completed, "withdrawal processing fail": .failed,
        ]
        for kind in OrderKind.allCases {
            for status in OrderStatus.allCases {
                for action in OrderAction.allCases {
                    let key = "\(kind.rawValue) \(status.rawValue) \(action.rawValue)"
                    let change = try? Self.order(kind, status).applying(
                        action, by: .operator, reason: "r", atMilliseconds: 5_000)
                    #expect(change?.order.status == allowed[key], "\(key)")
                    if status.isTerminal { #expect(change == nil, "a terminal order never changes: \(key)") }
                }
            }
        }
    }

    @Test func aChangeRecordsWhoWhenAndWhyAndKeepsTheReasonOfAFailure() throws {
        let change = try Self.order(.withdrawal).applying(
            .reject, by: .operator, reason: "Account closed", atMilliseconds: 9_000)
        #expect(change.previousStatus == .pending && change.order.status == .rejected)
        #expect(change.order.failureReason == "Account closed" && change.actor == .operator)
        #expect(change.order.updatedAtMilliseconds == 9_000 && change.eventName == "withdrawal.rejected")
        let approved = try Self.order(.withdrawal).applying(
            .approve, by: .operator, reason: "ok", atMilliseconds: 9_000)
        #expect(approved.order.failureReason == nil, "only failures carry a failure_reason")
    }

    @Test func refusalsSayWhatTheOrderCanDo() {
        #expect(throws: OrderTransitionRefused.self) {
            try Self.order(.withdrawal).applying(.complete, by: .operator, reason: nil, atMilliseconds: 0)
        }
        let pending = OrderTransitionRefused(order: Self.order(.withdrawal), action: .complete)
        #expect(
            pending.description == "wd_1 is a pending withdrawal: it can't be completed; it can be approved or rejected"
        )
        let terminal = OrderTransitionRefused(order: Self.order(.deposit, .completed), action: .cancel)
        #expect(terminal.description == "dep_1 is a completed deposit: its status is final and can't change")
    }

    @Test func aCompletedDepositCreditsTheMerchantLessItsFee() throws {
        let change = try Self.order(.deposit).applying(.complete, by: .payerPage, reason: nil, atMilliseconds: 2_000)
        let movement = try #require(LedgerMovement.settlement(of: change, merchantID: 7))
        #expect(movement.kind == .depositCompleted && movement.orderID == "dep_1")
        #expect(
            movement.postings == [
                LedgerPosting(account: .funding(currency: Self.dop), amountMinorUnits: -10_000),
                LedgerPosting(account: .available(merchantID: 7, currency: Self.dop), amountMinorUnits: 9_850),
                LedgerPosting(account: .fees(currency: Self.dop), amountMinorUnits: 150),
            ])
        let free = try Self.order(.deposit, fee: 0).applying(.complete, by: .operator, reason: nil, atMilliseconds: 0)
        #expect(LedgerMovement.settlement(of: free, merchantID: 7)?.postings.count == 2, "no zero posting")
    }

    @Test func aWithdrawalPaysOutOrReleasesItsReservation() throws {
        let processing = Self.order(.withdrawal, .processing)
        let paid = try processing.applying(.complete, by: .operator, reason: nil, atMilliseconds: 0)
        #expect(
            LedgerMovement.settlement(of: paid, merchantID: 7)?.postings == [
                LedgerPosting(account: .reserved(merchantID: 7, currency: Self.dop), amountMinorUnits: -10_150),
                LedgerPosting(account: .funding(currency: Self.dop), amountMinorUnits: 10_000),
                LedgerPosting(account: .fees(currency: Self.dop), amountMinorUnits: 150),
            ])
        for (order, action) in [(processing, OrderAction.fail), (Self.order(.withdrawal), .reject)] {
            let released = try order.applying(action, by: .operator, reason: "no", atMilliseconds: 0)
            let movement = try #require(LedgerMovement.settlement(of: released, merchantID: 7))
            #expect(movement.kind == .withdrawalReleased)
            #expect(
                movement.postings == [
                    LedgerPosting(account: .reserved(merchantID: 7, currency: Self.dop), amountMinorUnits: -10_150),
                    LedgerPosting(account: .available(merchantID: 7, currency: Self.dop), amountMinorUnits: 10_150),
                ])
        }
    }

    @Test func changesThatSettleNothingMoveNoMoney() throws {
        let deposit = Self.order(.deposit)
        for action in [OrderAction.fail, .expire, .cancel] {
            let change = try deposit.applying(action, by: .operator, reason: "r", atMilliseconds: 0)
            #expect(LedgerMovement.settlement(of: change, merchantID: 7) == nil)
        }
        let approved = try Self.order(.withdrawal).applying(.approve, by: .operator, reason: nil, atMilliseconds: 0)
        #expect(LedgerMovement.settlement(of: approved, merchantID: 7) == nil)
    }

    @Test func anEventIsTheOrderObjectFollowedByEventSequenceAndWebhookID() throws {
        let change = try Self.order(.deposit, fee: 0).applying(
            .complete, by: .operator, reason: nil, atMilliseconds: 2_000)
        let event = OrderEvent(webhookID: "evt_01", sequence: 1, change: change)
        let text = String(decoding: event.jsonObject().encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"id":"dep_1","orderID":"o-1","type":"deposit","status":"completed","amount":100,"#))
        #expect(text.hasSuffix(#""event":"deposit.completed","sequence":1,"webhook_id":"evt_01"}"#))
    }

    @Test func eventListQueriesTakeAnEventIDAndALimit() throws {
        let query = try EventListQuery.parse(query: "after=evt_01KBQ0E6N4S5J3W9V8X7Y6Z5A4&limit=100&other=1")
        #expect(query.after == "evt_01KBQ0E6N4S5J3W9V8X7Y6Z5A4" && query.limit == 100)
        #expect(try EventListQuery.parse(query: "").limit == 20)
        for (bad, field) in [
            ("after=dep_1", "after"), ("limit=0", "limit"), ("limit=101", "limit"), ("after=", "after"),
        ] {
            #expect(throws: OrderRequestFault.self, "\(bad)") { try EventListQuery.parse(query: bad) }
            #expect((try? EventListQuery.parse(query: bad)) == nil)
            do {
                _ = try EventListQuery.parse(query: bad)
            } catch {
                #expect(error.field == field)
            }
        }
    }
}
