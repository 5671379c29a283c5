/// Fq12 = Fq6[w]/(w² − v); element c0 + c1·w. The pairing's target group lives here.
///
/// As a sum over powers of w with Fq2 coefficients, c0 = a0 + a2 w² + a4 w⁴ and
/// c1·w = a1 w + a3 w³ + a5 w⁵ (v = w², w⁶ = ξ).
@frozen
public struct Fq12: FieldElement {
    public var c0: Fq6, c1: Fq6

    @inlinable @inline(__always)
    public init(_ c0: Fq6, _ c1: Fq6) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fq12 { Fq12(.zero, .zero) }
    @inlinable public static var one: Fq12 { Fq12(.one, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero }
    public var description: String { "{\(c0), \(c1)}" }

    @inlinable public static func + (a: Fq12, b: Fq12) -> Fq12 { Fq12(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable public static func - (a: Fq12, b: Fq12) -> Fq12 { Fq12(a.c0 - b.c0, a.c1 - b.c1) }
    @inlinable public static prefix func - (a: Fq12) -> Fq12 { Fq12(-a.c0, -a.c1) }
    @inlinable public func doubled() -> Fq12 { Fq12(c0.doubled(), c1.doubled()) }

    @inlinable
    public static func * (a: Fq12, b: Fq12) -> Fq12 {
        let t0 = a.c0 * b.c0, t1 = a.c1 * b.c1
        return Fq12(t0 + t1.mulByV(), (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1)
    }

    /// Complex squaring: two Fq6 multiplications.
    @inlinable
    public func squared() -> Fq12 {
        let ab = c0 * c1
        let t = (c0 + c1) * (c0 + c1.mulByV()) - ab - ab.mulByV()
        return Fq12(t, ab.doubled())
    }

    /// Multiplication by a Miller-loop line ℓ = a + b·w + c·w³ (coefficients at w⁰, w¹, w³).
    @inlinable
    public func mulByLine(_ a: Fq2, _ b: Fq2, _ c: Fq2) -> Fq12 {
        // ℓ = l0 + l1·w with l0 = (a, 0, 0) and l1 = (b, c, 0).
        let t0 = c0.scaled(by: a)
        let t1 = c1.mulBy01(b, c)
        let s = (c0 + c1).mulBy01(a + b, c)
        return Fq12(t0 + t1.mulByV(), s - t0 - t1)
    }

    /// Conjugation c0 − c1·w, the p⁶-power Frobenius; the inverse on the cyclotomic subgroup.
    @inlinable public func conjugate() -> Fq12 { Fq12(c0, -c1) }

    public func inverse() -> Fq12? {
        guard let t = (c0.squared() - c1.squared().mulByV()).inverse() else { return nil }
        return Fq12(c0 * t, -(c1 * t))
    }

    /// The p-power Frobenius: a_i w^i ↦ conj(a_i)·ξ^(i(p−1)/6)·w^i.
    public func frobenius() -> Fq12 {
        let g = Fq12.frobeniusCoefficients
        return Fq12(
            Fq6(c0.b0.conjugate(), c0.b1.conjugate() * g[2], c0.b2.conjugate() * g[4]),
            Fq6(c1.b0.conjugate() * g[1], c1.b1.conjugate() * g[3], c1.b2.conjugate() * g[5]))
    }

    /// The p^k-power Frobenius.
    public func frobenius(_ k: Int) -> Fq12 {
        var r = self
        for _ in 0..<k { r = r.frobenius() }
        return r
    }

    /// ξ^(i(p−1)/6) for i = 0…5, computed once from the definition with GMP.
    static let frobeniusCoefficients: [Fq2] = {
        let e = (Fq.modulus - BigUInt.one) / BigUInt(6)
        let g1 = Fq2.nonResidue.power(e)
        var out = [Fq2.one]
        for _ in 1..<6 { out.append(out.last! * g1) }
        return out
    }()

    /// The twelve Fq coordinates in tower order c0.b0.c0, c0.b0.c1, c0.b1.c0, … c1.b2.c1.
    public var coordinates: [Fq] {
        [c0.b0, c0.b1, c0.b2, c1.b0, c1.b1, c1.b2].flatMap { [$0.c0, $0.c1] }
    }

    public init(coordinates c: [Fq]) {
        precondition(c.count == 12)
        self.init(Fq6(Fq2(c[0], c[1]), Fq2(c[2], c[3]), Fq2(c[4], c[5])),
                  Fq6(Fq2(c[6], c[7]), Fq2(c[8], c[9]), Fq2(c[10], c[11])))
    }

    public static func random<G: RandomNumberGenerator>(using g: inout G) -> Fq12 {
        Fq12(.random(using: &g), .random(using: &g))
    }
}
