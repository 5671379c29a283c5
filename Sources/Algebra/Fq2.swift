/// Fq2 = Fq[u]/(u² + 1), element c0 + c1·u. The field of the G2 twist's coordinates.
@frozen
public struct Fq2: FieldElement {
    public var c0: Fq
    public var c1: Fq

    @inlinable @inline(__always)
    public init(_ c0: Fq, _ c1: Fq) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fq2 { Fq2(.zero, .zero) }
    @inlinable public static var one: Fq2 { Fq2(.one, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero }
    public var description: String { "(\(c0), \(c1))" }

    @inlinable @inline(__always)
    public static func + (a: Fq2, b: Fq2) -> Fq2 { Fq2(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable @inline(__always)
    public static func - (a: Fq2, b: Fq2) -> Fq2 { Fq2(a.c0 - b.c0, a.c1 - b.c1) }
    @inlinable @inline(__always)
    public static prefix func - (a: Fq2) -> Fq2 { Fq2(-a.c0, -a.c1) }
    @inlinable @inline(__always)
    public func doubled() -> Fq2 { Fq2(c0.doubled(), c1.doubled()) }

    /// Karatsuba: three base-field multiplications.
    @inlinable @inline(__always)
    public static func * (a: Fq2, b: Fq2) -> Fq2 {
        let t0 = a.c0 * b.c0
        let t1 = a.c1 * b.c1
        return Fq2(t0 - t1, (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1)
    }

    /// (a + bu)² = (a + b)(a − b) + 2ab·u: two multiplications.
    @inlinable @inline(__always)
    public func squared() -> Fq2 {
        let ab = c0 * c1
        return Fq2((c0 + c1) * (c0 - c1), ab.doubled())
    }

    @inlinable @inline(__always)
    public func scaled(by s: Fq) -> Fq2 { Fq2(c0 * s, c1 * s) }

    /// Multiplication by the sextic non-residue ξ = 9 + u.
    @inlinable @inline(__always)
    public func mulByNonResidue() -> Fq2 {
        let t = c0.doubled().doubled().doubled() + c0  // 9·c0
        let s = c1.doubled().doubled().doubled() + c1  // 9·c1
        return Fq2(t - c1, c0 + s)
    }

    /// The Frobenius map x ↦ x^p, which is conjugation here.
    @inlinable public func conjugate() -> Fq2 { Fq2(c0, -c1) }

    public func inverse() -> Fq2? {
        guard let n = (c0.squared() + c1.squared()).inverse() else { return nil }
        return Fq2(c0 * n, -(c1 * n))
    }

    /// The norm c0² + c1² to Fq.
    public var norm: Fq { c0.squared() + c1.squared() }

    /// Batch inversions in Fq2 share an Fq inversion of the norms: two squarings and two
    /// multiplications per element instead of three Fq2 products (nine Fq ones) in the
    /// prefix-product chain.
    @inlinable @inline(__always) public var inversionNorm: Fq { c0.squared() + c1.squared() }
    @inlinable @inline(__always) public func inverse(givenNormInverse n: Fq) -> Fq2 { Fq2(c0 * n, -(c1 * n)) }

    /// A square root, or nil for a non-square (the complex method for p ≡ 3 mod 4).
    public func sqrt() -> Fq2? {
        if isZero { return self }
        if c1.isZero {
            if let r = c0.sqrt() { return Fq2(r, .zero) }
            // c0 is a non-square in Fq, hence −c0 is a square (−1 is a non-square): √c0 = u·√−c0.
            guard let r = (-c0).sqrt() else { return nil }
            return Fq2(.zero, r)
        }
        guard let alpha = norm.sqrt() else { return nil }
        let twoInv = Fq(2).inverse()!
        var delta = (c0 + alpha) * twoInv
        if delta.legendre() != 1 { delta = (c0 - alpha) * twoInv }
        guard let x0 = delta.sqrt(), let x0d = x0.doubled().inverse() else { return nil }
        let cand = Fq2(x0, c1 * x0d)
        return cand.squared() == self ? cand : nil
    }

    /// The "sign" for compressed encodings: c1 > (p−1)/2, or c1 = 0 and c0 > (p−1)/2.
    public var isLexicographicallyLargest: Bool {
        c1.isZero ? c0.isLexicographicallyLargest : c1.isLexicographicallyLargest
    }

    public static func random() -> Fq2 { Fq2(.random(), .random()) }
    public static func random<G: RandomNumberGenerator>(using g: inout G) -> Fq2 {
        Fq2(.random(using: &g), .random(using: &g))
    }

    /// ξ = 9 + u.
    public static let nonResidue = Fq2(Fq(9), Fq(1))
}
