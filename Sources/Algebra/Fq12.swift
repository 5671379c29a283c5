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

    /// The square of an element of the cyclotomic subgroup (f^(p⁶+1) = 1, e.g. any value after
    /// the easy part of the final exponentiation); wrong elsewhere.
    ///
    /// Granger–Scott (PKC 2010, §3.2): with z = w³ (z² = ξ), write f = A0 + A1·w + A2·w² over
    /// Fq4 = Fq2[z]; then f² = (3A0² − 2Ā0) + (3z·A2² + 2Ā1)·w + (3A1² − 2Ā2)·w², Ā the
    /// conjugate z ↦ −z. Nine Fq2 squarings (18 Fq multiplications) instead of 36.
    @inlinable
    public func cyclotomicSquared() -> Fq12 {
        // A0 = (a0, a3), A1 = (a1, a4), A2 = (a2, a5) with a_i the coefficient of w^i.
        let a0 = c0.b0, a2 = c0.b1, a4 = c0.b2
        let a1 = c1.b0, a3 = c1.b1, a5 = c1.b2
        @inline(__always) func fq4Square(_ u: Fq2, _ v: Fq2) -> (Fq2, Fq2) {
            let u2 = u.squared(), v2 = v.squared()
            return (u2 + v2.mulByNonResidue(), (u + v).squared() - u2 - v2)
        }
        let (t0, t1) = fq4Square(a0, a3)   // A0²
        let (t2, t3) = fq4Square(a1, a4)   // A1²
        let (t4, t5) = fq4Square(a2, a5)   // A2²
        // 3t − 2a = 2(t − a) + t and 3t + 2a = 2(t + a) + t.
        let n0 = (t0 - a0).doubled() + t0
        let n3 = (t1 + a3).doubled() + t1
        let xt5 = t5.mulByNonResidue()
        let n1 = (xt5 + a1).doubled() + xt5
        let n4 = (t4 - a4).doubled() + t4
        let n2 = (t2 - a2).doubled() + t2
        let n5 = (t3 + a5).doubled() + t3
        return Fq12(Fq6(n0, n2, n4), Fq6(n1, n3, n5))
    }

    /// self^e on the cyclotomic subgroup for an exponent in non-adjacent form (digits −1, 0, 1,
    /// most significant first): cyclotomic squarings, conjugates for inverses, and windows of
    /// signed digits worth ±1, ±3 or ±5 from a table of self, self³, self⁵. For x this takes
    /// 63 squarings and 16 multiplications instead of 23.
    @inlinable
    public func cyclotomicPower(naf digits: [Int8]) -> Fq12 {
        let windows = Fq12.signedWindows(digits, maxValue: 5)
        let s2 = cyclotomicSquared()
        let s3 = self * s2
        let table = [self, s3, s3 * s2]
        var r = Fq12.one
        var started = false
        for (shift, value) in windows {
            if started { for _ in 0..<shift { r = r.cyclotomicSquared() } }
            if value == 0 { continue }
            let t = table[Int(abs(value)) >> 1]
            let term = value < 0 ? t.conjugate() : t
            r = started ? r * term : term
            started = true
        }
        return r
    }

    /// Splits signed digits (most significant first) into windows: (squarings before the
    /// window's multiplication, the window's odd value, |value| ≤ maxValue), greedily taking
    /// the longest window at each non-zero digit. Trailing zeros become a last (shift, 0) entry:
    /// squarings without a multiplication.
    @inlinable
    static func signedWindows(_ digits: [Int8], maxValue: Int) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        var i = 0
        var pending = 0
        let n = digits.count
        while i < n {
            if digits[i] == 0 { pending += 1; i += 1; continue }
            var bestEnd = i, bestValue = Int(digits[i])
            var v = 0
            var j = i
            while j < n && j - i < 8 {
                v = 2 * v + Int(digits[j])
                if digits[j] != 0 && v & 1 != 0 && abs(v) <= maxValue { bestEnd = j; bestValue = v }
                j += 1
            }
            out.append((pending + bestEnd - i + 1, bestValue))
            pending = 0
            i = bestEnd + 1
        }
        if pending > 0 { out.append((pending, 0)) }
        return out
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
