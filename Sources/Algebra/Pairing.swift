/// The optimal ate pairing on BN254, e: G1 × G2 → μ_r ⊂ Fq12*, equal to py_ecc's
/// `pairing` (Miller loop over 6x+2, then the full exponent (p¹²−1)/r).
///
/// Lines use homogeneous projective coordinates on the twist (Costello–Lange–Naehrig 2010);
/// factors in proper subfields that the formulas drop or add are killed by the final
/// exponentiation.
public enum Pairing {
    /// The BN parameter x.
    public static let x: UInt64 = 4_965_661_367_192_848_881
    /// 6x + 2, the Miller loop length, as two limbs (it needs 65 bits).
    static let loopCount: BigUInt = BigUInt(6) * BigUInt(x) + BigUInt(2)

    /// One line's coefficients: ℓ(P) = cY·y_P + cX·x_P·w + cC·w³.
    public struct LineCoefficients: Sendable {
        public var cY: Fq2, cX: Fq2, cC: Fq2
    }

    /// A G2 point with its Miller-loop lines precomputed (independent of the G1 argument).
    public struct G2Prepared: Sendable {
        public let lines: [LineCoefficients]
        public let isInfinity: Bool

        public init(_ q: G2Affine) {
            isInfinity = q.isInfinity
            lines = q.isInfinity ? [] : Pairing.lines(for: q)
        }
    }

    static let twoInverse = Fq(2).inverse()!
    /// Frobenius on the twist: (x, y) ↦ (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).
    static let twistFrobeniusX: Fq2 = Fq2.nonResidue.power((Fq.modulus - BigUInt.one) / BigUInt(3))
    static let twistFrobeniusY: Fq2 = Fq2.nonResidue.power((Fq.modulus - BigUInt.one) / BigUInt(2))

    /// ψ(Q): the p-power Frobenius endomorphism carried to the twist.
    public static func twistFrobenius(_ q: G2Affine) -> G2Affine {
        if q.isInfinity { return q }
        return G2Affine(x: q.x.conjugate() * twistFrobeniusX, y: q.y.conjugate() * twistFrobeniusY)
    }

    struct Projective { var x: Fq2, y: Fq2, z: Fq2 }

    /// Doubles T in place and returns the tangent line's coefficients.
    static func doublingStep(_ t: inout Projective) -> LineCoefficients {
        let a = (t.x * t.y).scaled(by: twoInverse)
        let b = t.y.squared()
        let c = t.z.squared()
        let e = BN254G2.b * (c.doubled() + c)
        let f = e.doubled() + e
        let g = (b + f).scaled(by: twoInverse)
        let h = (t.y + t.z).squared() - (b + c)
        let i = e - b
        let j = t.x.squared()
        let e2 = e.squared()
        t.x = a * (b - f)
        t.y = g.squared() - (e2.doubled() + e2)
        t.z = b * h
        // −2YZ·y_P + 3X²·x_P·w + (3b'Z² − Y²)·w³ (the tangent, scaled by −2YZ²/… ∈ Fq2).
        return LineCoefficients(cY: -h, cX: j.doubled() + j, cC: i)
    }

    /// Adds the affine Q to T in place and returns the chord's coefficients.
    static func additionStep(_ t: inout Projective, _ q: G2Affine) -> LineCoefficients {
        let theta = t.y - q.y * t.z
        let lambda = t.x - q.x * t.z
        let c = theta.squared()
        let d = lambda.squared()
        let e = lambda * d
        let f = t.z * c
        let g = t.x * d
        let h = e + f - g.doubled()
        t.x = lambda * h
        t.y = theta * (g - h) - e * t.y
        t.z = t.z * e
        let j = theta * q.x - lambda * q.y
        return LineCoefficients(cY: lambda, cX: -theta, cC: j)
    }

    static func lines(for q: G2Affine) -> [LineCoefficients] {
        var out = [LineCoefficients]()
        out.reserveCapacity(90)
        var t = Projective(x: q.x, y: q.y, z: .one)
        let n = loopCount
        for i in stride(from: n.bitWidth - 2, through: 0, by: -1) {
            out.append(doublingStep(&t))
            if n.bit(i) { out.append(additionStep(&t, q)) }
        }
        let q1 = twistFrobenius(q)
        let q2 = twistFrobenius(q1)
        out.append(additionStep(&t, q1))
        out.append(additionStep(&t, -q2))
        return out
    }

    @inline(__always)
    static func apply(_ f: Fq12, _ l: LineCoefficients, _ p: G1Affine) -> Fq12 {
        f.mulByLine(l.cY.scaled(by: p.y), l.cX.scaled(by: p.x), l.cC)
    }

    /// The product of the Miller loops of all pairs, sharing the squarings of f.
    public static func millerLoop(_ pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        let live = pairs.filter { !$0.0.isInfinity && !$0.1.isInfinity }
        var f = Fq12.one
        if live.isEmpty { return f }
        var idx = 0
        let n = loopCount
        for i in stride(from: n.bitWidth - 2, through: 0, by: -1) {
            if i != n.bitWidth - 2 { f = f.squared() }
            for (p, q) in live { f = apply(f, q.lines[idx], p) }
            idx += 1
            if n.bit(i) {
                for (p, q) in live { f = apply(f, q.lines[idx], p) }
                idx += 1
            }
        }
        for (p, q) in live { f = apply(f, q.lines[idx], p) }
        idx += 1
        for (p, q) in live { f = apply(f, q.lines[idx], p) }
        return f
    }

    /// f^((p¹²−1)/r): the easy part (p⁶−1)(p²+1), then the hard part (p⁴−p²+1)/r written
    /// in base p as λ0 + λ1·p + λ2·p² + λ3·p³ (Devegili–Scott–Dahab 2007):
    /// λ3 = 1, λ2 = 6x² + 1, λ1 = −36x³ − 18x² − 12x + 1, λ0 = −36x³ − 30x² − 18x − 2.
    public static func finalExponentiation(_ f: Fq12) -> Fq12 {
        guard let fi = f.inverse() else { return .zero }
        var m = f.conjugate() * fi            // f^(p⁶−1)
        m = m.frobenius(2) * m                 // ^(p²+1): now in the cyclotomic subgroup
        // On the cyclotomic subgroup the inverse is the conjugate.
        let a = m.power(x)                     // m^x
        let b = a.power(x)                     // m^(x²)
        let c = b.power(x)                     // m^(x³)
        let a2 = a.squared(), a4 = a2.squared(), a6 = a4 * a2, a12 = a6.squared(), a18 = a12 * a6
        let b2 = b.squared(), b4 = b2.squared(), b6 = b4 * b2, b12 = b6.squared(), b18 = b12 * b6
        let b24 = b12.squared(), b30 = b24 * b6
        let c4 = c.squared().squared(), c32 = c4.squared().squared().squared(), c36 = c32 * c4
        let t0 = (c36 * b30 * a18 * m.squared()).conjugate()
        let t1 = (c36 * b18 * a12).conjugate() * m
        let t2 = b6 * m
        return t0 * t1.frobenius() * t2.frobenius(2) * m.frobenius(3)
    }

    /// e(P, Q).
    public static func pairing(_ p: G1Affine, _ q: G2Affine) -> Fq12 {
        finalExponentiation(millerLoop([(p, G2Prepared(q))]))
    }

    /// ∏ e(Pᵢ, Qᵢ) with one shared Miller loop and one final exponentiation.
    public static func multiPairing(_ pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        finalExponentiation(millerLoop(pairs))
    }

    public static func multiPairing(_ pairs: [(G1Affine, G2Affine)]) -> Fq12 {
        multiPairing(pairs.map { ($0.0, G2Prepared($0.1)) })
    }
}
