extension PrimeField {
    /// 32 bytes, big-endian, canonical (not Montgomery).
    public var bigEndianBytes: [UInt8] {
        let c = canonicalLimbs
        var out = [UInt8](); out.reserveCapacity(32)
        for l in [c.3, c.2, c.1, c.0] { for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: l >> UInt64(s))) } }
        return out
    }

    /// 32 bytes, little-endian, canonical.
    public var littleEndianBytes: [UInt8] { bigEndianBytes.reversed() }

    /// Decodes 32 big-endian bytes; rejects a wrong length and values ≥ the modulus.
    public init<B: Collection>(bigEndianBytes b: B, context: String? = nil) throws where B.Element == UInt8 {
        let ctx = context ?? P.name
        guard b.count == 32 else { throw EncodingError(.wrongLength(expected: 32, got: b.count), ctx) }
        var l: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in b.enumerated() { l[3 - i / 8] = (l[3 - i / 8] << 8) | UInt64(byte) }
        guard let e = Self(checkedLimbs: (l[0], l[1], l[2], l[3])) else { throw EncodingError(.nonCanonical, ctx) }
        self = e
    }

    /// Decodes 32 little-endian bytes; rejects a wrong length and values ≥ the modulus.
    public init<B: Collection>(littleEndianBytes b: B, context: String? = nil) throws where B.Element == UInt8 {
        try self.init(bigEndianBytes: Array(b).reversed(), context: context)
    }

    /// Decodes a canonical decimal string (as in snarkjs JSON); rejects values ≥ the modulus.
    public init(decimalString s: String, context: String? = nil) throws {
        let ctx = context ?? P.name
        guard let b = BigUInt(decimal: s) else { throw EncodingError(.notANumber, ctx) }
        guard b < Self.modulus else { throw EncodingError(.nonCanonical, ctx) }
        self.init(reducing: b)
    }
}
