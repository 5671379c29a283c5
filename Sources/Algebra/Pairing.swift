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

    /// The non-adjacent form of `n` (digits −1, 0, 1), most significant first.
    public static func nonAdjacentForm(_ n: BigUInt) -> [Int8] {
        var digits = [Int8]()
        var k = n
        let four = BigUInt(4)
        while !k.isZero {
            if k.isOdd {
                let m = k % four
                if m == BigUInt(1) { digits.append(1); k = k - BigUInt.one } else { digits.append(-1); k = k + BigUInt.one }
            } else {
                digits.append(0)
            }
            k = k >> 1
        }
        return digits.reversed()
    }

    /// 6x + 2 in non-adjacent form, most significant first: 66 digits, 22 of them non-zero
    /// (the binary form has 37 ones), so the Miller loop makes 21 addition steps instead of 36.
    /// A step by −Q uses the chord through T and −Q; the vertical lines this leaves out lie
    /// in Fq6 and vanish in the final exponentiation, so the pairing value is unchanged.
    public static let loopNAF: [Int8] = nonAdjacentForm(loopCount)

    /// x in non-adjacent form, most significant first (63 digits, 24 non-zero).
    public static let xNAF: [Int8] = nonAdjacentForm(BigUInt(x))

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
        let negQ = -q
        for d in loopNAF.dropFirst() {
            out.append(doublingStep(&t))
            if d > 0 { out.append(additionStep(&t, q)) } else if d < 0 { out.append(additionStep(&t, negQ)) }
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
        var first = true
        for d in loopNAF.dropFirst() {
            if !first { f = f.squared() }
            first = false
            for (p, q) in live { f = apply(f, q.lines[idx], p) }
            idx += 1
            if d != 0 {
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
    ///
    /// After the easy part m lies in the cyclotomic subgroup, where squarings are Granger–Scott
    /// squarings (`Fq12.cyclotomicSquared`), inverses are conjugates, and m^x runs over the
    /// non-adjacent form of x.
    public static func finalExponentiation(_ f: Fq12) -> Fq12 {
        guard let fi = f.inverse() else { return .zero }
        var m = f.conjugate() * fi            // f^(p⁶−1)
        m = m.frobenius(2) * m                 // ^(p²+1): now in the cyclotomic subgroup
        let a = m.cyclotomicPower(naf: xNAF)   // m^x
        let b = a.cyclotomicPower(naf: xNAF)   // m^(x²)
        let c = b.cyclotomicPower(naf: xNAF)   // m^(x³)
        let a2 = a.cyclotomicSquared(), a4 = a2.cyclotomicSquared(), a6 = a4 * a2
        let a12 = a6.cyclotomicSquared(), a18 = a12 * a6
        let b2 = b.cyclotomicSquared(), b4 = b2.cyclotomicSquared(), b6 = b4 * b2
        let b12 = b6.cyclotomicSquared(), b18 = b12 * b6, b24 = b12.cyclotomicSquared(), b30 = b24 * b6
        let c4 = c.cyclotomicSquared().cyclotomicSquared()
        let c32 = c4.cyclotomicSquared().cyclotomicSquared().cyclotomicSquared(), c36 = c32 * c4
        let t0 = (c36 * b30 * a18 * m.cyclotomicSquared()).conjugate()
        let t1 = (c36 * b18 * a12).conjugate() * m
        let t2 = b6 * m
        return t0 * t1.frobenius() * t2.frobenius(2) * m.frobenius(3)
    }

    /// The same map by the textbook route (generic squarings, binary powers by x); kept as the
    /// reference the fast one is tested against.
    public static func finalExponentiationReference(_ f: Fq12) -> Fq12 {
        guard let fi = f.inverse() else { return .zero }
        var m = f.conjugate() * fi
        m = m.frobenius(2) * m
        let a = m.power(x), b = a.power(x), c = b.power(x)
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
