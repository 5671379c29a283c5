import CSodium
import CFieldKernels

/// Constants of a prime field of 4×64-bit limbs with the top limb below 2^62, so that the
/// "no-carry" CIOS Montgomery multiply applies (Montgomery 1985; gnark's CIOS variant).
public protocol PrimeFieldParameters: Sendable {
    /// The modulus, little-endian limbs.
    static var modulus: (UInt64, UInt64, UInt64, UInt64) { get }
    /// −modulus⁻¹ mod 2⁶⁴.
    static var montgomeryInv: UInt64 { get }
    /// R mod p, R = 2²⁵⁶ (the Montgomery form of one).
    static var r1: (UInt64, UInt64, UInt64, UInt64) { get }
    /// R² mod p (to enter Montgomery form).
    static var r2: (UInt64, UInt64, UInt64, UInt64) { get }
    /// R³ mod p (to fix up an inverse taken of a Montgomery value).
    static var r3: (UInt64, UInt64, UInt64, UInt64) { get }
    /// A multiplicative generator of the field's group of units, small.
    static var multiplicativeGenerator: UInt64 { get }
    /// A short name for error messages ("Fq", "Fr").
    static var name: String { get }
}

/// An element of a 254-bit prime field in Montgomery form, value type of four limbs.
///
/// Arithmetic is branch-light but not constant-time (the final subtraction and the GMP
/// inverse branch on data); none of the prover's secrets flow through timing-sensitive
/// comparisons here.
@frozen
public struct PrimeField<P: PrimeFieldParameters>: FieldElement {
    public typealias Limbs = (UInt64, UInt64, UInt64, UInt64)
    /// Montgomery limbs, little-endian.
    public var v: Limbs

    @inlinable @inline(__always)
    public init(montgomery v: Limbs) { self.v = v }

    @inlinable public static var zero: Self { Self(montgomery: (0, 0, 0, 0)) }
    @inlinable public static var one: Self { Self(montgomery: P.r1) }

    /// The modulus as a big integer.
    public static var modulus: BigUInt {
        let m = P.modulus
        return BigUInt(limbs: [m.0, m.1, m.2, m.3])
    }

    /// Number of bits of the modulus.
    public static var bitWidth: Int { 254 }

    @inlinable public var isZero: Bool { (v.0 | v.1 | v.2 | v.3) == 0 }

    /// Builds an element from canonical limbs that must already be below the modulus.
    @inlinable public init(canonicalLimbs l: Limbs) {
        self = Self(montgomery: l) * Self(montgomery: P.r2)
    }

    /// Builds an element from canonical limbs, or nil when they are not below the modulus.
    @inlinable public init?(checkedLimbs l: Limbs) {
        guard Self.lessThanModulus(l) else { return nil }
        self.init(canonicalLimbs: l)
    }

    @inlinable public init(_ small: UInt64) { self.init(canonicalLimbs: (small, 0, 0, 0)) }

    /// Reduces an arbitrary big integer modulo p.
    public init(reducing big: BigUInt) {
        let l = (big % Self.modulus).limbs(count: 4)
        self.init(canonicalLimbs: (l[0], l[1], l[2], l[3]))
    }

    /// Parses a canonical decimal string (must be < p).
    public init?(decimal: String) {
        guard let b = BigUInt(decimal: decimal), b < Self.modulus else { return nil }
        self.init(reducing: b)
    }

    /// The canonical (non-Montgomery) limbs.
    @inlinable public var canonicalLimbs: Limbs {
        (self * Self(montgomery: (1, 0, 0, 0))).v
    }

    public var bigUInt: BigUInt {
        let c = canonicalLimbs
        return BigUInt(limbs: [c.0, c.1, c.2, c.3])
    }

    public var description: String { bigUInt.description }

    @inlinable static func lessThanModulus(_ a: Limbs) -> Bool {
        let m = P.modulus
        if a.3 != m.3 { return a.3 < m.3 }
        if a.2 != m.2 { return a.2 < m.2 }
        if a.1 != m.1 { return a.1 < m.1 }
        return a.0 < m.0
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool {
        a.v.0 == b.v.0 && a.v.1 == b.v.1 && a.v.2 == b.v.2 && a.v.3 == b.v.3
    }

    public func hash(into h: inout Hasher) { h.combine(v.0); h.combine(v.1); h.combine(v.2); h.combine(v.3) }

    // MARK: Addition

    /// Subtracts the modulus once if the value is not below it.
    @inlinable @inline(__always)
    static func reduceOnce(_ a: Limbs) -> Limbs {
        let m = P.modulus
        let (s0, b0) = a.0.subtractingReportingOverflow(m.0)
        let (t1, b1a) = a.1.subtractingReportingOverflow(m.1)
        let (s1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let b1 = b1a || b1b
        let (t2, b2a) = a.2.subtractingReportingOverflow(m.2)
        let (s2, b2b) = t2.subtractingReportingOverflow(b1 ? 1 : 0)
        let b2 = b2a || b2b
        let (t3, b3a) = a.3.subtractingReportingOverflow(m.3)
        let (s3, b3b) = t3.subtractingReportingOverflow(b2 ? 1 : 0)
        return (b3a || b3b) ? a : (s0, s1, s2, s3)
    }

    @inlinable @inline(__always)
    var c: zk_limbs4 { zk_limbs4(l0: v.0, l1: v.1, l2: v.2, l3: v.3) }

    @inlinable @inline(__always)
    init(_ r: zk_limbs4) { self.v = (r.l0, r.l1, r.l2, r.l3) }

    /// Branch-free modular addition (C kernel).
    @inlinable @inline(__always)
    public static func + (a: Self, b: Self) -> Self {
        let m = P.modulus
        return Self(zk_mod_add(a.c, b.c, m.0, m.1, m.2, m.3))
    }

    /// Branch-free modular subtraction (C kernel).
    @inlinable @inline(__always)
    public static func - (a: Self, b: Self) -> Self {
        let m = P.modulus
        return Self(zk_mod_sub(a.c, b.c, m.0, m.1, m.2, m.3))
    }

    @inlinable @inline(__always)
    public static prefix func - (a: Self) -> Self { a.isZero ? a : Self.zero - a }

    @inlinable @inline(__always)
    public func doubled() -> Self { self + self }

    // MARK: Multiplication

    /// a + b·c + carry as (high, low); cannot overflow 128 bits.
    @inlinable @inline(__always)
    static func mac(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (hi, lo) = b.multipliedFullWidth(by: c)
        let (l1, o1) = lo.addingReportingOverflow(a)
        let (l2, o2) = l1.addingReportingOverflow(carry)
        return (hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0), l2)
    }

    /// Montgomery multiplication through the C kernel (see `field_kernels.h`).
    @inlinable @inline(__always)
    public static func * (x: Self, y: Self) -> Self {
        let m = P.modulus
        return Self(zk_mont_mul_best(x.c, y.c, m.0, m.1, m.2, m.3, P.montgomeryInv))
    }

    /// The portable C kernel (no MULX/ADX), for tests and benchmarks.
    @inlinable @inline(__always)
    public static func portableMontgomeryMultiply(_ x: Self, _ y: Self) -> Self {
        let m = P.modulus
        return Self(zk_mont_mul(x.c, y.c, m.0, m.1, m.2, m.3, P.montgomeryInv))
    }

    /// Montgomery multiplication in Swift, CIOS with the no-carry shortcut (top limb of
    /// p < 2^63 − 1); kept as the reference the C kernel is tested and benchmarked against.
    @inlinable @inline(__always)
    public static func swiftMontgomeryMultiply(_ x: Self, _ y: Self) -> Self {
        let m = P.modulus
        let inv = P.montgomeryInv
        let a = x.v, b = y.v
        var t0: UInt64, t1: UInt64, t2: UInt64, t3: UInt64
        var A: UInt64, C: UInt64, mm: UInt64, lo: UInt64 = 0

        // i = 0
        (A, t0) = b.0.multipliedFullWidth(by: a.0)
        mm = t0 &* inv
        (C, _) = mac(t0, mm, m.0, 0)
        (A, t1) = mac(0, a.1, b.0, A)
        (C, t0) = mac(t1, mm, m.1, C)
        (A, t2) = mac(0, a.2, b.0, A)
        (C, t1) = mac(t2, mm, m.2, C)
        (A, t3) = mac(0, a.3, b.0, A)
        (C, t2) = mac(t3, mm, m.3, C)
        t3 = C &+ A

        // i = 1..3
        @inline(__always) func round(_ bi: UInt64) {
            (A, lo) = mac(t0, a.0, bi, 0); t0 = lo
            mm = t0 &* inv
            (C, _) = mac(t0, mm, m.0, 0)
            (A, lo) = mac(t1, a.1, bi, A); t1 = lo
            (C, t0) = mac(t1, mm, m.1, C)
            (A, lo) = mac(t2, a.2, bi, A); t2 = lo
            (C, t1) = mac(t2, mm, m.2, C)
            (A, lo) = mac(t3, a.3, bi, A); t3 = lo
            (C, t2) = mac(t3, mm, m.3, C)
            t3 = C &+ A
        }
        round(b.1); round(b.2); round(b.3)
        return Self(montgomery: reduceOnce((t0, t1, t2, t3)))
    }

    @inlinable @inline(__always)
    public func squared() -> Self { self * self }

    // MARK: Inversion, roots

    /// The inverse through GMP's `mpz_invert` on the Montgomery value, corrected by R³.
    public func inverse() -> Self? {
        if isZero { return nil }
        guard let inv = BigUInt(limbs: [v.0, v.1, v.2, v.3]).inverse(modulus: Self.modulus) else { return nil }
        let l = inv.limbs(count: 4)
        // (aR)^-1 · R³ · R^-1 = a^-1 R
        return Self(montgomery: (l[0], l[1], l[2], l[3])) * Self(montgomery: P.r3)
    }

    /// The inverse by Fermat's little theorem, a^(p−2); a GMP-free reference for tests.
    public func inverseByFermat() -> Self? {
        if isZero { return nil }
        let e = Self.modulus - BigUInt(2)
        return power(e)
    }

    /// The Legendre symbol: 1 for a non-zero square, −1 for a non-square, 0 for zero.
    public func legendre() -> Int {
        if isZero { return 0 }
        let e = (Self.modulus - BigUInt.one) >> 1
        return power(e) == Self.one ? 1 : -1
    }

    /// A square root (Tonelli–Shanks), or nil for a non-square. Which of the two roots is
    /// returned is not specified; callers that need a canonical one pick by `isLexicographicallyLargest`.
    public func sqrt() -> Self? {
        if isZero { return self }
        let pm1 = Self.modulus - BigUInt.one
        var s = 0
        var q = pm1
        while !q.isOdd { q = q >> 1; s += 1 }
        let g = Self(P.multiplicativeGenerator)
        var c = g.power(q)
        var x = power((q + BigUInt.one) >> 1)
        var t = power(q)
        var m = s
        while t != Self.one {
            var i = 0
            var t2 = t
            while t2 != Self.one { t2 = t2.squared(); i += 1; if i == m { return nil } }
            var b = c
            for _ in 0..<(m - i - 1) { b = b.squared() }
            x = x * b
            c = b.squared()
            t = t * c
            m = i
        }
        return x
    }

    /// True when the canonical value exceeds (p−1)/2; the "sign" used by compressed encodings.
    public var isLexicographicallyLargest: Bool {
        bigUInt > (Self.modulus - BigUInt.one) >> 1
    }

    // MARK: Randomness

    /// A uniformly random element from libsodium's CSPRNG (rejection sampling on 254 bits).
    public static func random() -> Self {
        var buf = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while true {
            withUnsafeMutableBytes(of: &buf) { randombytes_buf($0.baseAddress!, 32) }
            buf.3 &= (1 << 62) - 1
            if lessThanModulus(buf) {
                let e = Self(canonicalLimbs: buf)
                withUnsafeMutableBytes(of: &buf) { sodium_memzero($0.baseAddress!, 32) }
                return e
            }
        }
    }

    /// A uniformly random element from the given generator (for seeded tests and benchmarks).
    public static func random<G: RandomNumberGenerator>(using g: inout G) -> Self {
        while true {
            let l = (g.next() as UInt64, g.next() as UInt64, g.next() as UInt64, (g.next() as UInt64) & ((1 << 62) - 1))
            if lessThanModulus(l) { return Self(canonicalLimbs: l) }
        }
    }
}

// MARK: - BN254 parameters

/// The BN254 base field, p = 36x⁴ + 36x³ + 24x² + 6x + 1 with x = 4965661367192848881.
public enum FqParameters: PrimeFieldParameters {
    @inlinable public static var modulus: (UInt64, UInt64, UInt64, UInt64) {
        (0x3c20_8c16_d87c_fd47, 0x9781_6a91_6871_ca8d, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)
    }
    @inlinable public static var montgomeryInv: UInt64 { 0x87d2_0782_e486_6389 }
    @inlinable public static var r1: (UInt64, UInt64, UInt64, UInt64) {
        (0xd35d_438d_c58f_0d9d, 0x0a78_eb28_f5c7_0b3d, 0x666e_a36f_7879_462c, 0x0e0a_77c1_9a07_df2f)
    }
    @inlinable public static var r2: (UInt64, UInt64, UInt64, UInt64) {
        (0xf32c_fc5b_538a_fa89, 0xb5e7_1911_d445_01fb, 0x47ab_1eff_0a41_7ff6, 0x06d8_9f71_cab8_351f)
    }
    @inlinable public static var r3: (UInt64, UInt64, UInt64, UInt64) {
        (0xb1cd_6daf_da15_30df, 0x62f2_10e6_a728_3db6, 0xef7f_0b0c_0ada_0afb, 0x20fd_6e90_2d59_2544)
    }
    public static var multiplicativeGenerator: UInt64 { 3 }
    public static var name: String { "Fq" }
}

/// The BN254 scalar field (the group order r), 2-adicity 28.
public enum FrParameters: PrimeFieldParameters {
    @inlinable public static var modulus: (UInt64, UInt64, UInt64, UInt64) {
        (0x43e1_f593_f000_0001, 0x2833_e848_79b9_7091, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)
    }
    @inlinable public static var montgomeryInv: UInt64 { 0xc2e1_f593_efff_ffff }
    @inlinable public static var r1: (UInt64, UInt64, UInt64, UInt64) {
        (0xac96_341c_4fff_fffb, 0x36fc_7695_9f60_cd29, 0x666e_a36f_7879_462e, 0x0e0a_77c1_9a07_df2f)
    }
    @inlinable public static var r2: (UInt64, UInt64, UInt64, UInt64) {
        (0x1bb8_e645_ae21_6da7, 0x53fe_3ab1_e35c_59e3, 0x8c49_833d_53bb_8085, 0x0216_d0b1_7f4e_44a5)
    }
    @inlinable public static var r3: (UInt64, UInt64, UInt64, UInt64) {
        (0x5e94_d8e1_b4bf_0040, 0x2a48_9cbe_1cfb_b6b8, 0x893c_c664_a19f_cfed, 0x0cf8_594b_7fcc_657c)
    }
    public static var multiplicativeGenerator: UInt64 { 5 }
    public static var name: String { "Fr" }
}

public typealias Fq = PrimeField<FqParameters>
public typealias Fr = PrimeField<FrParameters>

extension PrimeField where P == FrParameters {
    /// The 2-adicity of r − 1.
    public static let twoAdicity = 28
    /// A primitive 2^28-th root of unity: g^((r−1)/2^28) for the generator g = 5.
    public static let twoAdicRootOfUnity: Fr = {
        Fr(FrParameters.multiplicativeGenerator).power((Fr.modulus - BigUInt.one) >> 28)
    }()
}
