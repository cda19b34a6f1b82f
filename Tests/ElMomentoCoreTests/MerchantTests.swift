import Testing

@testable import ElMomentoCore

/// Merchant slugs and fees.
@Suite struct MerchantTests {
    let dop = Currency(code: "DOP")!

    @Test(arguments: ["1xbet", "a", "shop-2", String(repeating: "a", count: 63)])
    func aGoodSlugIsAccepted(_ slug: String) {
        #expect(Merchant.isValidSlug(slug))
    }

    @Test(arguments: ["", "-shop", "Shop", "sh op", "shop_1", "shóp", String(repeating: "a", count: 64), "a/b"])
    func aBadSlugIsRefused(_ slug: String) {
        #expect(!Merchant.isValidSlug(slug))
    }

    @Test(arguments: [
        (0, "0", 50_000, 0),  // no fee
        (250, "0", 50_000, 1_250),  // 2.5 % of 500.00
        (1, "0", 5_000, 1),  // 0.01 % of 50.00 is half a cent: rounded up
        (1, "0", 4_999, 0),  // just under half a cent: rounded down
        (150, "1.50", 10_000, 300),  // 1.5 % of 100.00 plus 1.50
        (0, "0.015", 10_000, 1),  // a fixed part finer than cents is rounded down
    ])
    func feesAreBasisPointsRoundedHalfUpPlusTheFixedPart(basisPoints: Int, fixed: String, amount: Int64, fee: Int64) {
        #expect(
            FeeRule(basisPoints: basisPoints, fixedMajor: fixed).fee(amountMinorUnits: amount, currency: dop) == fee)
    }

    @Test func theLargestAmountDoesNotOverflow() {
        let amount = MinorUnits.countMax
        #expect(FeeRule(basisPoints: 10_000, fixedMajor: "0").fee(amountMinorUnits: amount, currency: dop) == amount)
    }

    @Test func eachOrderKindHasItsOwnFee() {
        var settings = MerchantSettings()
        settings.depositFee = FeeRule(basisPoints: 100, fixedMajor: "0")
        settings.withdrawalFee = FeeRule(basisPoints: 0, fixedMajor: "2")
        #expect(settings.fee(for: .deposit, amountMinorUnits: 10_000, currency: dop) == 100)
        #expect(settings.fee(for: .withdrawal, amountMinorUnits: 10_000, currency: dop) == 200)
    }
}
