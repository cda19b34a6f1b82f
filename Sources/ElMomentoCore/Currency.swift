/// An ISO 4217 currency and the number of decimals its minor unit has.
///
/// Money is held everywhere as an integer count of minor units (cents for `DOP`), so the number of
/// decimals is what turns a merchant's `500.5` into `50050` and back.
public struct Currency: Sendable, Hashable {
    /// The three upper-case letters, as `"DOP"`.
    public let code: String
    /// Decimals of the minor unit: 2 for `DOP` and `USD`, 0 for `JPY`, 3 for `KWD`.
    public let minorUnitDigits: Int

    /// The currency with this code, or `nil` when it is not an active ISO 4217 code. Codes are upper
    /// case as ISO writes them: `"dop"` is not a code.
    public init?(code: String) {
        guard let digits = Self.minorUnitDigitsByCode[code] else { return nil }
        self.code = code
        self.minorUnitDigits = digits
    }

    /// Every active ISO 4217 code (list one, as amended to 2026) with its minor unit digits. Left out:
    /// codes without a minor unit (precious metals `XAU`…, `XDR`, `XSU`, `XUA`, bond units `XBA`…), the
    /// testing and "no currency" codes `XTS`, `XXX`, and withdrawn codes (`HRK`, `SLL`, `ZWL`, `ANG`,
    /// `CUC`, `BGN`) whose countries replaced them.
    public static let minorUnitDigitsByCode: [String: Int] = {
        var table: [String: Int] = [:]
        for code in twoDigitCodes.split(separator: " ") { table[String(code)] = 2 }
        for code in zeroDigitCodes.split(separator: " ") { table[String(code)] = 0 }
        for code in threeDigitCodes.split(separator: " ") { table[String(code)] = 3 }
        for code in fourDigitCodes.split(separator: " ") { table[String(code)] = 4 }
        return table
    }()

    private static let zeroDigitCodes = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
    private static let threeDigitCodes = "BHD IQD JOD KWD LYD OMR TND"
    private static let fourDigitCodes = "CLF UYW"
    private static let twoDigitCodes = """
        AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF \
        CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD \
        GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL \
        MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR \
        PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT \
        TOP TRY TTD TWD TZS UAH USD USN UZS VED VES WST XCD XCG YER ZAR ZMW ZWG
        """
}
