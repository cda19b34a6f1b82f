extension UInt8 {
    /// Whether the byte is an ASCII digit, `0` to `9`.
    public var isASCIIDigit: Bool { (0x30...0x39).contains(self) }

    /// Whether the byte is an ASCII letter, `A` to `Z` or `a` to `z`.
    public var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
