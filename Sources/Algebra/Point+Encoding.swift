/// Byte and string encodings of G1 and G2 points.
///
/// Own format (documented in docs/FORMATS.md):
/// - G1 uncompressed: x ‖ y, 32-byte big-endian each (64 bytes); infinity = 64 zero bytes.
///   This is also the EIP-196 layout.
/// - G2 uncompressed: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (128 bytes); infinity = zeros.
/// - Compressed: x only (G1 32 bytes, G2 x.c0 ‖ x.c1, 64 bytes); in the first byte, bit 7
///   marks infinity (all other bits zero) and bit 6 marks the lexicographically larger y.
///   The moduli are below 2²⁵⁴, so these bits are free.
/// - Ethereum (EIP-197): G2 as x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0.
/// - snarkjs JSON: decimal strings, projective with z = "1" (infinity: z = "0").
/// Every decoder checks canonical coordinates, the curve equation and, for G2, the subgroup.
extension AffinePoint where C == BN254G1 {
    public var uncompressedBytes: [UInt8] {
        isInfinity ? [UInt8](repeating: 0, count: 64) : x.bigEndianBytes + y.bigEndianBytes
    }

    public init(uncompressedBytes b: [UInt8], context: String = "G1") throws {
        guard b.count == 64 else { throw EncodingError(.wrongLength(expected: 64, got: b.count), context) }
        if b.allSatisfy({ $0 == 0 }) { self = .infinity; return }
        let x = try Fq(bigEndianBytes: b[0..<32], context: context + ".x")
        let y = try Fq(bigEndianBytes: b[32..<64], context: context + ".y")
        try self.init(checkedX: x, y: y, context: context)
    }

    /// Checks the curve equation (the cofactor of G1 is 1).
    public init(checkedX x: Fq, y: Fq, context: String = "G1") throws {
        let p = Self(x: x, y: y)
        guard p.isOnCurve else { throw EncodingError(.notOnCurve, context) }
        self = p
    }

    public var compressedBytes: [UInt8] {
        if isInfinity { var z = [UInt8](repeating: 0, count: 32); z[0] = 0x80; return z }
        var out = x.bigEndianBytes
        if y.isLexicographicallyLargest { out[0] |= 0x40 }
        return out
    }

    public init(compressedBytes b: [UInt8], context: String = "G1") throws {
        guard b.count == 32 else { throw EncodingError(.wrongLength(expected: 32, got: b.count), context) }
        let flags = b[0] & 0xC0
        if flags & 0x80 != 0 {
            guard flags == 0x80, b[0] == 0x80, b[1...].allSatisfy({ $0 == 0 }) else { throw EncodingError(.invalidFlags, context) }
            self = .infinity; return
        }
        var xb = b; xb[0] &= 0x3F
        let x = try Fq(bigEndianBytes: xb, context: context + ".x")
        guard var y = (x.squared() * x + BN254G1.b).sqrt() else { throw EncodingError(.notSquare, context) }
        if y.isLexicographicallyLargest != (flags == 0x40) { y = -y }
        self.init(x: x, y: y)
    }

    /// EIP-196 precompile layout (identical to the uncompressed form).
    public var ethereumBytes: [UInt8] { uncompressedBytes }
    public init(ethereumBytes b: [UInt8], context: String = "G1") throws { try self.init(uncompressedBytes: b, context: context) }

    /// snarkjs JSON: ["x", "y", "1"]; infinity ["0", "1", "0"].
    public var snarkjsStrings: [String] {
        isInfinity ? ["0", "1", "0"] : [x.description, y.description, "1"]
    }

    /// Accepts snarkjs projective triples with z ∈ {0, 1} (as snarkjs writes them) and pairs.
    public init(snarkjsStrings s: [String], context: String = "G1") throws {
        guard s.count == 3 || s.count == 2 else { throw EncodingError(.wrongLength(expected: 3, got: s.count), context) }
        let x = try Fq(decimalString: s[0], context: context + "[0]")
        let y = try Fq(decimalString: s[1], context: context + "[1]")
        if s.count == 3 {
            let z = try Fq(decimalString: s[2], context: context + "[2]")
            if z.isZero { self = .infinity; return }
            if z != .one {
                let zi = z.inverse()!
                try self.init(checkedX: x * zi.squared(), y: y * zi.squared() * zi, context: context)
                return
            }
        }
        try self.init(checkedX: x, y: y, context: context)
    }
}

extension AffinePoint where C == BN254G2 {
    public var uncompressedBytes: [UInt8] {
        isInfinity ? [UInt8](repeating: 0, count: 128)
            : x.c0.bigEndianBytes + x.c1.bigEndianBytes + y.c0.bigEndianBytes + y.c1.bigEndianBytes
    }

    public init(uncompressedBytes b: [UInt8], context: String = "G2") throws {
        guard b.count == 128 else { throw EncodingError(.wrongLength(expected: 128, got: b.count), context) }
        if b.allSatisfy({ $0 == 0 }) { self = .infinity; return }
        let x = Fq2(try Fq(bigEndianBytes: b[0..<32], context: context + ".x.c0"), try Fq(bigEndianBytes: b[32..<64], context: context + ".x.c1"))
        let y = Fq2(try Fq(bigEndianBytes: b[64..<96], context: context + ".y.c0"), try Fq(bigEndianBytes: b[96..<128], context: context + ".y.c1"))
        try self.init(checkedX: x, y: y, context: context)
    }

    /// Checks the twist equation and membership in the order-r subgroup.
    public init(checkedX x: Fq2, y: Fq2, context: String = "G2") throws {
        let p = Self(x: x, y: y)
        guard p.isOnCurve else { throw EncodingError(.notOnCurve, context) }
        guard BN254G2.isInSubgroup(p) else { throw EncodingError(.notInSubgroup, context) }
        self = p
    }

    public var compressedBytes: [UInt8] {
        if isInfinity { var z = [UInt8](repeating: 0, count: 64); z[0] = 0x80; return z }
        var out = x.c0.bigEndianBytes + x.c1.bigEndianBytes
        if y.isLexicographicallyLargest { out[0] |= 0x40 }
        return out
    }

    public init(compressedBytes b: [UInt8], context: String = "G2") throws {
        guard b.count == 64 else { throw EncodingError(.wrongLength(expected: 64, got: b.count), context) }
        let flags = b[0] & 0xC0
        if flags & 0x80 != 0 {
            guard b[0] == 0x80, b[1...].allSatisfy({ $0 == 0 }) else { throw EncodingError(.invalidFlags, context) }
            self = .infinity; return
        }
        var xb = b; xb[0] &= 0x3F
        let x = Fq2(try Fq(bigEndianBytes: xb[0..<32], context: context + ".x.c0"), try Fq(bigEndianBytes: xb[32..<64], context: context + ".x.c1"))
        guard var y = (x.squared() * x + BN254G2.b).sqrt() else { throw EncodingError(.notSquare, context) }
        if y.isLexicographicallyLargest != (flags == 0x40) { y = -y }
        try self.init(checkedX: x, y: y, context: context)
    }

    /// EIP-197 layout: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0.
    public var ethereumBytes: [UInt8] {
        isInfinity ? [UInt8](repeating: 0, count: 128)
            : x.c1.bigEndianBytes + x.c0.bigEndianBytes + y.c1.bigEndianBytes + y.c0.bigEndianBytes
    }

    public init(ethereumBytes b: [UInt8], context: String = "G2") throws {
        guard b.count == 128 else { throw EncodingError(.wrongLength(expected: 128, got: b.count), context) }
        let swapped = Array(b[32..<64] + b[0..<32] + b[96..<128] + b[64..<96])
        try self.init(uncompressedBytes: swapped, context: context)
    }

    /// snarkjs JSON: [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]; infinity [["0","0"],["1","0"],["0","0"]].
    public var snarkjsStrings: [[String]] {
        isInfinity ? [["0", "0"], ["1", "0"], ["0", "0"]]
            : [[x.c0.description, x.c1.description], [y.c0.description, y.c1.description], ["1", "0"]]
    }

    public init(snarkjsStrings s: [[String]], context: String = "G2") throws {
        guard s.count == 3 || s.count == 2 else { throw EncodingError(.wrongLength(expected: 3, got: s.count), context) }
        func fq2(_ i: Int) throws -> Fq2 {
            guard s[i].count == 2 else { throw EncodingError(.wrongLength(expected: 2, got: s[i].count), context + "[\(i)]") }
            return Fq2(try Fq(decimalString: s[i][0], context: context + "[\(i)][0]"),
                       try Fq(decimalString: s[i][1], context: context + "[\(i)][1]"))
        }
        let x = try fq2(0), y = try fq2(1)
        if s.count == 3 {
            let z = try fq2(2)
            if z.isZero { self = .infinity; return }
            if z != .one {
                let zi = z.inverse()!
                try self.init(checkedX: x * zi.squared(), y: y * zi.squared() * zi, context: context)
                return
            }
        }
        try self.init(checkedX: x, y: y, context: context)
    }
}
