/// A short Weierstrass curve y² = x³ + b (a = 0) over a field, with a prime-order subgroup.
public protocol CurveParameters: Sendable {
    associatedtype Field: FieldElement
    static var b: Field { get }
    static var generator: AffinePoint<Self> { get }
    /// A name for error messages ("G1", "G2").
    static var name: String { get }
    /// Whether an on-curve point lies in the prime-order subgroup.
    static func isInSubgroup(_ p: AffinePoint<Self>) -> Bool
}

/// An affine point; the point at infinity is a flag, with x = y = 0.
@frozen
public struct AffinePoint<C: CurveParameters>: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var x: C.Field
    public var y: C.Field
    public var isInfinity: Bool

    @inlinable public init(x: C.Field, y: C.Field) { self.x = x; self.y = y; self.isInfinity = false }
    @inlinable public init(uncheckedX x: C.Field, y: C.Field, infinity: Bool) { self.x = x; self.y = y; self.isInfinity = infinity }

    @inlinable public static var infinity: Self { Self(uncheckedX: .zero, y: .zero, infinity: true) }

    /// y² = x³ + b (the point at infinity counts as on the curve).
    @inlinable public var isOnCurve: Bool { isInfinity || y.squared() == x.squared() * x + C.b }

    public var isInSubgroup: Bool { isInfinity || C.isInSubgroup(self) }

    @inlinable public static prefix func - (p: Self) -> Self {
        p.isInfinity ? p : Self(x: p.x, y: -p.y)
    }

    public var description: String { isInfinity ? "\(C.name)(∞)" : "\(C.name)(\(x), \(y))" }

    @inlinable public var jacobian: JacobianPoint<C> { JacobianPoint(self) }
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity.
///
/// Formulas from the Explicit-Formulas Database for a = 0: dbl-2009-l, add-2007-bl,
/// madd-2007-bl. Not constant-time.
@frozen
public struct JacobianPoint<C: CurveParameters>: Sendable, CustomStringConvertible {
    public var x: C.Field, y: C.Field, z: C.Field

    @inlinable public init(x: C.Field, y: C.Field, z: C.Field) { self.x = x; self.y = y; self.z = z }

    @inlinable public init(_ a: AffinePoint<C>) {
        if a.isInfinity { self = .infinity } else { self.init(x: a.x, y: a.y, z: .one) }
    }

    @inlinable public static var infinity: Self { Self(x: .one, y: .one, z: .zero) }
    @inlinable public static var generator: Self { Self(C.generator) }
    @inlinable public var isInfinity: Bool { z.isZero }

    public var description: String { affine.description }

    @inlinable public var affine: AffinePoint<C> {
        if isInfinity { return .infinity }
        let zi = z.inverse()!
        let zi2 = zi.squared()
        return AffinePoint(x: x * zi2, y: y * zi2 * zi)
    }

    @inlinable public static prefix func - (p: Self) -> Self { Self(x: p.x, y: -p.y, z: p.z) }

    @inlinable
    public func doubled() -> Self {
        if isInfinity { return self }
        let a = x.squared()
        let b = y.squared()
        let c = b.squared()
        let d = ((x + b).squared() - a - c).doubled()
        let e = a.doubled() + a
        let f = e.squared()
        let x3 = f - d.doubled()
        let y3 = e * (d - x3) - c.doubled().doubled().doubled()
        let z3 = (y * z).doubled()
        return Self(x: x3, y: y3, z: z3)
    }

    @inlinable
    public static func + (p: Self, q: Self) -> Self {
        if p.isInfinity { return q }
        if q.isInfinity { return p }
        let z1z1 = p.z.squared(), z2z2 = q.z.squared()
        let u1 = p.x * z2z2, u2 = q.x * z1z1
        let s1 = p.y * q.z * z2z2, s2 = q.y * p.z * z1z1
        let h = u2 - u1
        let rr = (s2 - s1).doubled()
        if h.isZero { return rr.isZero ? p.doubled() : .infinity }
        let i = h.doubled().squared()
        let j = h * i
        let v = u1 * i
        let x3 = rr.squared() - j - v.doubled()
        let y3 = rr * (v - x3) - (s1 * j).doubled()
        let z3 = ((p.z + q.z).squared() - z1z1 - z2z2) * h
        return Self(x: x3, y: y3, z: z3)
    }

    /// Mixed addition with an affine point (Z2 = 1): eight multiplications instead of eleven.
    @inlinable
    public static func + (p: Self, q: AffinePoint<C>) -> Self {
        if q.isInfinity { return p }
        if p.isInfinity { return Self(q) }
        let z1z1 = p.z.squared()
        let u2 = q.x * z1z1
        let s2 = q.y * p.z * z1z1
        let h = u2 - p.x
        let rr = (s2 - p.y).doubled()
        if h.isZero { return rr.isZero ? p.doubled() : .infinity }
        let hh = h.squared()
        let i = hh.doubled().doubled()
        let j = h * i
        let v = p.x * i
        let x3 = rr.squared() - j - v.doubled()
        let y3 = rr * (v - x3) - (p.y * j).doubled()
        let z3 = (p.z + h).squared() - z1z1 - hh
        return Self(x: x3, y: y3, z: z3)
    }

    @inlinable public static func - (p: Self, q: Self) -> Self { p + (-q) }
    @inlinable public static func += (p: inout Self, q: Self) { p = p + q }
    @inlinable public static func += (p: inout Self, q: AffinePoint<C>) { p = p + q }

    /// Scalar multiplication by little-endian limbs (double and add, most significant first).
    @inlinable
    public func multiplied(byLimbs k: [UInt64]) -> Self {
        var r = Self.infinity
        var i = k.count * 64 - 1
        while i >= 0 {
            r = r.doubled()
            if (k[i >> 6] >> UInt64(i & 63)) & 1 == 1 { r = r + self }
            i -= 1
        }
        return r
    }

    /// [k]P for a scalar-field element.
    @inlinable public func multiplied(by k: Fr) -> Self {
        let c = k.canonicalLimbs
        return multiplied(byLimbs: [c.0, c.1, c.2, c.3])
    }

    /// [k]P for an arbitrary non-negative integer (not reduced mod r).
    @inlinable public func multiplied(by k: BigUInt) -> Self {
        multiplied(byLimbs: k.limbs(count: max(1, (k.bitWidth + 63) / 64)))
    }

    @inlinable public static func * (p: Self, k: Fr) -> Self { p.multiplied(by: k) }

    /// Converts many points to affine with one field inversion.
    @inlinable public static func batchNormalize(_ points: [Self]) -> [AffinePoint<C>] {
        var zs = points.map { $0.z }
        C.Field.batchInverse(&zs)
        return zip(points, zs).map { p, zi in
            if p.isInfinity { return .infinity }
            let zi2 = zi.squared()
            return AffinePoint(x: p.x * zi2, y: p.y * zi2 * zi)
        }
    }
}

extension JacobianPoint: Equatable {
    /// Projective equality: X1·Z2² = X2·Z1² and Y1·Z2³ = Y2·Z1³.
    @inlinable public static func == (p: Self, q: Self) -> Bool {
        if p.isInfinity || q.isInfinity { return p.isInfinity && q.isInfinity }
        let z1z1 = p.z.squared(), z2z2 = q.z.squared()
        return p.x * z2z2 == q.x * z1z1 && p.y * z2z2 * q.z == q.y * z1z1 * p.z
    }
}

// MARK: - BN254

/// G1: y² = x³ + 3 over Fq, generator (1, 2); the whole curve has prime order r.
public enum BN254G1: CurveParameters {
    public typealias Field = Fq
    @inlinable public static var b: Fq { Fq(3) }
    public static let generator = AffinePoint<BN254G1>(x: Fq(1), y: Fq(2))
    public static var name: String { "G1" }
    /// The cofactor is 1: every point on the curve is in the group.
    public static func isInSubgroup(_ p: AffinePoint<BN254G1>) -> Bool { p.isOnCurve }
}

/// G2: the sextic D-type twist y² = x³ + 3/ξ over Fq2, ξ = 9 + u.
public enum BN254G2: CurveParameters {
    public typealias Field = Fq2
    public static let b: Fq2 = Fq2(Fq(3), .zero) * Fq2.nonResidue.inverse()!
    public static let generator = AffinePoint<BN254G2>(
        x: Fq2(Fq(decimal: "10857046999023057135944570762232829481370756359578518086990519993285655852781")!,
               Fq(decimal: "11559732032986387107991004021392285783925812861821192530917403151452391805634")!),
        y: Fq2(Fq(decimal: "8495653923123431417604973247489272438418190587263600148770280649306958101930")!,
               Fq(decimal: "4082367875863433681332203403145435568316851327593401208105741076214120093531")!))
    public static var name: String { "G2" }
    /// Membership in the order-r subgroup by the endomorphism test ψ(Q) = [6x²]Q
    /// (El Housni, Guillevic, Piellard 2022, for BN curves): a 127-bit scalar instead of r.
    /// The twist has a large cofactor, so this check is mandatory on decode.
    public static func isInSubgroup(_ p: AffinePoint<BN254G2>) -> Bool {
        if p.isInfinity { return true }
        return G2(Pairing.twistFrobenius(p)) == G2(p).multiplied(byLimbs: sixXSquared)
    }

    /// The slow, obviously correct test [r]Q = O, kept as the reference for the fast one.
    public static func isInSubgroupByOrder(_ p: AffinePoint<BN254G2>) -> Bool {
        let m = FrParameters.modulus
        return JacobianPoint(p).multiplied(byLimbs: [m.0, m.1, m.2, m.3]).isInfinity
    }

    /// 6x² as limbs, x the BN parameter.
    static let sixXSquared: [UInt64] = (BigUInt(6) * BigUInt(Pairing.x) * BigUInt(Pairing.x)).limbs(count: 2)
}

public typealias G1 = JacobianPoint<BN254G1>
public typealias G1Affine = AffinePoint<BN254G1>
public typealias G2 = JacobianPoint<BN254G2>
public typealias G2Affine = AffinePoint<BN254G2>
