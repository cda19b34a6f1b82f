import Testing

@testable import ElMomentoCore

/// The ledger's movements and the balances merchants see (SPEC 5).
@Suite struct LedgerTests {
    let dop = Currency(code: "DOP")!
    let usd = Currency(code: "USD")!

    @Test func eachMovementMovesItsAmountBetweenTwoAccountsAndSumsToZero() {
        let credit = LedgerMovement.credit(merchantID: 7, currency: dop, amountMinorUnits: 500, reason: "float")
        #expect(credit.kind == .balanceCredit && credit.reason == "float")
        #expect(
            credit.postings == [
                LedgerPosting(account: .funding(currency: dop), amountMinorUnits: -500),
                LedgerPosting(account: .available(merchantID: 7, currency: dop), amountMinorUnits: 500),
            ])
        let debit = LedgerMovement.debit(merchantID: 7, currency: dop, amountMinorUnits: 200, reason: "refund")
        #expect(debit.postings.map(\.amountMinorUnits) == [-200, 200])
        #expect(debit.postings[0].account == .available(merchantID: 7, currency: dop))

        let order = Order(
            id: "wd_1", orderID: "w-1", kind: .withdrawal, status: .pending, amountMinorUnits: 10_000, currency: dop,
            feeMinorUnits: 150, callbackURL: nil, paymentURL: nil, payerDetails: nil, environment: .sandbox,
            failureReason: nil, createdAtMilliseconds: 0, updatedAtMilliseconds: 0)
        let reservation = LedgerMovement.withdrawalReservation(of: order, merchantID: 7)
        #expect(reservation.orderID == "wd_1" && reservation.reason == nil)
        #expect(
            reservation.postings == [
                LedgerPosting(account: .available(merchantID: 7, currency: dop), amountMinorUnits: -10_150),
                LedgerPosting(account: .reserved(merchantID: 7, currency: dop), amountMinorUnits: 10_150),
            ])
        for movement in [credit, debit, reservation] {
            #expect(movement.postings.reduce(0) { $0 + $1.amountMinorUnits } == 0)
        }
    }

    @Test func balancesAreListedPerEnabledCurrencyWithZerosAndOthersOnlyWhenAsked() {
        let held = [
            MerchantBalance(currency: Currency(code: "EUR")!, availableMinorUnits: 5),
            MerchantBalance(currency: usd, availableMinorUnits: 30_050, reservedMinorUnits: 20_000),
            MerchantBalance(currency: Currency(code: "JPY")!),
        ]
        let merchantView = MerchantBalance.listed(held, currencyCodes: ["DOP", "USD"], withOthersHoldingMoney: false)
        #expect(
            String(decoding: MerchantBalance.jsonObject(merchantView).encoded(), as: UTF8.self)
                == #"{"balances":[{"currency":"DOP","available":0,"reserved":0},"#
                + #"{"currency":"USD","available":300.5,"reserved":200}]}"#)
        let operatorView = MerchantBalance.listed(held, currencyCodes: ["DOP", "USD"], withOthersHoldingMoney: true)
        #expect(operatorView.map(\.currency.code) == ["DOP", "USD", "EUR"])
    }
}
