/// The GLV endomorphism of BN254's G1 and G2 (Gallant, Lambert, Vanstone, CRYPTO 2001).
///
/// φ(x, y) = (βx, y), with β a primitive cube root of unity in Fq, is an endomorphism of the
/// curve y² = x³ + 3 and acts on G1 as multiplication by λ, a primitive cube root of unity
/// mod r (λ² + λ + 1 ≡ 0). A scalar k splits as k ≡ k1 + k2·λ (mod r) with |k1|, |k2| < 2¹²⁷,
/// so Σ kᵢ·Pᵢ becomes a sum over 2n points with scalars of half the length.
///
/// The split is Babai rounding against the short basis of the lattice
/// {(a, b) : a + b·λ ≡ 0 (mod r)} that the BN parametrisation gives in closed form
/// (x the BN parameter, r = 36x⁴ + 36x³ + 18x² + 6x + 1):
/// v1 = (2x + 1, −(6x² + 2x)), v2 = (6x² + 4x + 1, 2x + 1), det = r.
/// Every constant here is recomputed with `BigUInt` in the tests. Not constant-time.
public enum BN254GLV {
    public typealias Limbs = (UInt64, UInt64, UInt64, UInt64)

    /// β, canonical limbs: the cube root of unity in Fq that goes with `lambda` (the smaller of the two).
    public static let betaLimbs: Limbs = (0x5763_4731_77ff_fffe, 0xd4f2_63f1_acdb_5c4f, 0x59e2_6bce_a0d4_8bac, 0)
    /// λ, canonical limbs: φ(P) = [λ]P on G1.
    public static let lambdaLimbs: Limbs = (0x8b17_ea66_b99c_90dd, 0x5bfc_4108_8d8d_aaa7, 0xb3c4_d79d_41a9_1758, 0)

    /// β in Montgomery form.
    public static let beta = Fq(canonicalLimbs: betaLimbs)
    /// λ in Montgomery form.
    public static let lambda = Fr(canonicalLimbs: lambdaLimbs)

    /// 2x + 1: the first coordinate of v1 and the second of v2.
    public static let twoXPlusOne: UInt64 = 0x89d3_2568_94d2_13e3
    /// 6x² + 2x = −(second coordinate of v1), little-endian limbs.
    public static let sixXSquaredPlusTwoX: (UInt64, UInt64) = (0x8211_bbeb_7d4f_1128, 0x6f4d_8248_eeb8_59fc)
    /// 6x² + 4x + 1: the first coordinate of v2, little-endian limbs.
    public static let sixXSquaredPlusFourXPlusOne: (UInt64, UInt64) = (0x0be4_e154_1221_250b, 0x6f4d_8248_eeb8_59fd)
    /// round(2²⁵⁶·(2x + 1)/r): c1 = round(k·(2x + 1)/r) as (k·g1 + 2²⁵⁵) >> 256.
    public static let g1: (UInt64, UInt64) = (0xd91d_232e_c7e0_b3d7, 0x2)
    /// round(2²⁵⁶·(6x² + 2x)/r): c2 = round(k·(6x² + 2x)/r) as (k·g2 + 2²⁵⁵) >> 256.
    public static let g2: (UInt64, UInt64, UInt64) = (0x7a7b_d9d4_391e_b18e, 0x4cce_f014_a773_d2cf, 0x2)

    /// φ(P) = (βx, y) = [λ]P: one field multiplication.
    @inlinable @inline(__always)
    public static func endomorphism(_ p: G1Affine) -> G1Affine {
        p.isInfinity ? p : G1Affine(x: p.x * beta, y: p.y)
    }

    /// β², canonical limbs: on the twist y² = x³ + 3/ξ the map (x, y) ↦ (β²x, y) is an
    /// endomorphism too (β² ∈ Fq ⊂ Fq2 is a cube root of unity), and on G2 it is [λ]Q with the same
    /// λ as on G1 (β itself would give [λ²]Q), so `decompose` splits G2 scalars unchanged.
    public static let betaSquaredLimbs: Limbs = (0xe4bd_44e5_607c_fd48, 0xc28f_069f_bb96_6e3d, 0x5e6d_d9e7_e0ac_ccb0, 0x3064_4e72_e131_a029)
    /// β² in Montgomery form.
    public static let betaSquared = Fq(canonicalLimbs: betaSquaredLimbs)

    /// The G2 endomorphism (β²x, y) = [λ]Q: two Fq multiplications.
    @inlinable @inline(__always)
    public static func endomorphism(_ q: G2Affine) -> G2Affine {
        q.isInfinity ? q : G2Affine(x: q.x.scaled(by: betaSquared), y: q.y)
    }

    /// One half of a split scalar: a magnitude below 2¹²⁷ (limbs lo, hi) and a sign.
    @frozen
    public struct HalfScalar: Equatable, Sendable {
        public var lo: UInt64
        public var hi: UInt64
        public var isNegative: Bool
        @inlinable public init(lo: UInt64, hi: UInt64, isNegative: Bool) {
            self.lo = lo; self.hi = hi; self.isNegative = isNegative
        }
        @inlinable public var isZero: Bool { (lo | hi) == 0 }
    }

    /// k ≡ k1 + k2·λ (mod r) with |k1|, |k2| < 2¹²⁷.
    @inlinable
    public static func decompose(_ k: Fr) -> (k1: HalfScalar, k2: HalfScalar) {
        decompose(canonical: k.canonicalLimbs)
    }

    /// The split of a canonical scalar k < r (limbs, little-endian).
    ///
    /// c1 = round(k·(2x+1)/r) and c2 = round(k·(6x²+2x)/r) come from multiply-and-shift with
    /// g1, g2 (each within 5/8 of the exact quotient, since k < 2²⁵⁴), so
    /// (k1, k2) = (k, 0) − c1·v1 − c2·v2 has |k1|, |k2| ≤ 5/8·(6x² + 6x + 2) < 2¹²⁷.
    /// Both halves are therefore exact in 128-bit two's complement arithmetic.
    @inlinable
    public static func decompose(canonical k: Limbs) -> (k1: HalfScalar, k2: HalfScalar) {
        let c1 = roundedShift256(k, g1.0, g1.1, 0).0
        let c2 = roundedShift256(k, g2.0, g2.1, g2.2)
        // k1 = k − c1·(2x+1) − c2·(6x²+4x+1)  (mod 2¹²⁸)
        let p1 = mulFull(c1, twoXPlusOne)
        let p2 = mulLow128(c2, sixXSquaredPlusFourXPlusOne)
        let k1 = sub128(sub128((k.0, k.1), p1), p2)
        // k2 = c1·(6x²+2x) − c2·(2x+1)  (mod 2¹²⁸)
        let q1 = mulLow128((c1, 0), sixXSquaredPlusTwoX)
        let q2 = mulLow128(c2, (twoXPlusOne, 0))
        let k2 = sub128(q1, q2)
        return (signMagnitude(k1), signMagnitude(k2))
    }

    /// Bits 256…383 of k·(g0 + g1·2⁶⁴ + g2·2¹²⁸) + 2²⁵⁵.
    @inlinable @inline(__always)
    static func roundedShift256(_ k: Limbs, _ g0: UInt64, _ g1: UInt64, _ g2: UInt64) -> (UInt64, UInt64) {
        var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 1 << 63
        var r4: UInt64 = 0, r5: UInt64 = 0, r6: UInt64 = 0
        @inline(__always) func row(_ g: UInt64, _ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64,
                                   _ t3: inout UInt64, _ t4: inout UInt64, _ t5: inout UInt64) {
            var carry: UInt64 = 0
            @inline(__always) func step(_ ki: UInt64, _ t: inout UInt64) {
                let (hi, lo) = ki.multipliedFullWidth(by: g)
                let (s1, o1) = t.addingReportingOverflow(lo)
                let (s2, o2) = s1.addingReportingOverflow(carry)
                t = s2
                carry = hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
            }
            step(k.0, &t0); step(k.1, &t1); step(k.2, &t2); step(k.3, &t3)
            let (s, o) = t4.addingReportingOverflow(carry)
            t4 = s
            if o { t5 &+= 1 }
        }
        row(g0, &r0, &r1, &r2, &r3, &r4, &r5)
        row(g1, &r1, &r2, &r3, &r4, &r5, &r6)
        if g2 != 0 { var r7: UInt64 = 0; row(g2, &r2, &r3, &r4, &r5, &r6, &r7) }
        _ = (r0, r1, r2)
        return (r4, r5)
    }

    @inlinable @inline(__always)
    static func mulFull(_ a: UInt64, _ b: UInt64) -> (UInt64, UInt64) {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        return (lo, hi)
    }

    /// a·b mod 2¹²⁸ for 128-bit (lo, hi) operands.
    @inlinable @inline(__always)
    static func mulLow128(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> (UInt64, UInt64) {
        let (hi, lo) = a.0.multipliedFullWidth(by: b.0)
        return (lo, hi &+ a.0 &* b.1 &+ a.1 &* b.0)
    }

    @inlinable @inline(__always)
    static func sub128(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> (UInt64, UInt64) {
        let (lo, borrow) = a.0.subtractingReportingOverflow(b.0)
        return (lo, a.1 &- b.1 &- (borrow ? 1 : 0))
    }

    /// A 128-bit two's complement value as sign and magnitude.
    @inlinable @inline(__always)
    static func signMagnitude(_ v: (UInt64, UInt64)) -> HalfScalar {
        if v.1 >> 63 == 0 { return HalfScalar(lo: v.0, hi: v.1, isNegative: false) }
        let (lo, o) = (~v.0).addingReportingOverflow(1)
        return HalfScalar(lo: lo, hi: ~v.1 &+ (o ? 1 : 0), isNegative: true)
    }
}
