import XCTest
import Algebra

/// The GLV constants recomputed with GMP, the endomorphism checked against scalar
/// multiplication, the split checked to recombine exactly, and the GLV MSM against the naive sum.
final class GLVTests: XCTestCase {
    let p = Fq.modulus
    let r = Fr.modulus
    let x = BigUInt(Pairing.x)

    func big(_ l: (UInt64, UInt64, UInt64, UInt64)) -> BigUInt { BigUInt(limbs: [l.0, l.1, l.2, l.3]) }
    func big(_ l: (UInt64, UInt64)) -> BigUInt { BigUInt(limbs: [l.0, l.1]) }

    /// The signed value of a half as a residue mod r.
    func residue(_ h: BN254GLV.HalfScalar) -> BigUInt {
        let m = BigUInt(limbs: [h.lo, h.hi])
        return h.isNegative ? (r - m) % r : m
    }

    func testConstantsRecomputed() {
        let beta = big(BN254GLV.betaLimbs), lambda = big(BN254GLV.lambdaLimbs)
        // β is a primitive cube root of unity in Fq, λ one mod r.
        XCTAssertNotEqual(beta, BigUInt.one)
        XCTAssertEqual(beta.power(BigUInt(3), modulus: p), BigUInt.one)
        XCTAssertEqual((lambda * lambda + lambda + BigUInt.one) % r, BigUInt.zero)
        XCTAssertEqual(BN254GLV.beta, Fq(reducing: beta))
        XCTAssertEqual(BN254GLV.lambda, Fr(reducing: lambda))
        XCTAssertEqual(BN254GLV.beta * BN254GLV.beta * BN254GLV.beta, Fq.one)
        // The basis: a + b·λ ≡ 0 (mod r) for v1 = (2x+1, −(6x²+2x)), v2 = (6x²+4x+1, 2x+1), det = r.
        let a1 = BigUInt(2) * x + BigUInt.one
        let mb1 = BigUInt(6) * x * x + BigUInt(2) * x
        let a2 = BigUInt(6) * x * x + BigUInt(4) * x + BigUInt.one
        XCTAssertEqual(BigUInt(BN254GLV.twoXPlusOne), a1)
        XCTAssertEqual(big(BN254GLV.sixXSquaredPlusTwoX), mb1)
        XCTAssertEqual(big(BN254GLV.sixXSquaredPlusFourXPlusOne), a2)
        XCTAssertEqual((a1 + (r - mb1) * lambda) % r, BigUInt.zero)
        XCTAssertEqual((a2 + a1 * lambda) % r, BigUInt.zero)
        XCTAssertEqual(a1 * a1 + mb1 * a2, r)
        // The rounding multipliers: round(2^256·b / r).
        let two256 = BigUInt.one << 256
        func rounded(_ b: BigUInt) -> BigUInt { (two256 * b * BigUInt(2) + r) / (r * BigUInt(2)) }
        XCTAssertEqual(big(BN254GLV.g1), rounded(a1))
        let g2 = BN254GLV.g2
        XCTAssertEqual(BigUInt(limbs: [g2.0, g2.1, g2.2]), rounded(mb1))
        // The bound used by the MSM: 5/8·(a1 + a2) < 2^127.
        XCTAssertLessThan(BigUInt(5) * (a1 + a2) / BigUInt(8), BigUInt.one << 127)
    }

    func testEndomorphismIsMultiplicationByLambda() {
        var rng = SeededRNG(seed: 60)
        var points = [BN254G1.generator]
        for _ in 0..<8 { points.append((G1.generator * Fr.random(using: &rng)).affine) }
        for pt in points {
            let phi = BN254GLV.endomorphism(pt)
            XCTAssertTrue(phi.isOnCurve)
            XCTAssertEqual(G1(phi), G1(pt) * BN254GLV.lambda)
            XCTAssertEqual(BN254GLV.endomorphism(BN254GLV.endomorphism(phi)), pt)
        }
        XCTAssertEqual(BN254GLV.endomorphism(G1Affine.infinity), .infinity)
    }

    func edgeScalars() -> [BigUInt] { glvEdgeScalars() }

    func testDecompositionRecombinesExactly() {
        var rng = SeededRNG(seed: 61)
        let lambda = big(BN254GLV.lambdaLimbs)
        var scalars = edgeScalars()
        for _ in 0..<3000 { scalars.append(Fr.random(using: &rng).bigUInt) }
        let bound = BigUInt.one << 127
        for k in scalars {
            let (k1, k2) = BN254GLV.decompose(Fr(reducing: k))
            XCTAssertLessThan(BigUInt(limbs: [k1.lo, k1.hi]), bound, "k1 of \(k)")
            XCTAssertLessThan(BigUInt(limbs: [k2.lo, k2.hi]), bound, "k2 of \(k)")
            XCTAssertEqual((residue(k1) + residue(k2) * lambda) % r, k, "recombination of \(k)")
        }
        // λ itself splits as (0, 1); r − 1 as (−1, 0).
        let (l1, l2) = BN254GLV.decompose(BN254GLV.lambda)
        XCTAssertTrue(l1.isZero)
        XCTAssertEqual(l2, BN254GLV.HalfScalar(lo: 1, hi: 0, isNegative: false))
        let (m1, m2) = BN254GLV.decompose(-Fr.one)
        XCTAssertEqual(m1, BN254GLV.HalfScalar(lo: 1, hi: 0, isNegative: true))
        XCTAssertTrue(m2.isZero)
    }

    /// [k]P through the split (k1·P + k2·φ(P), negative halves by negated points) equals [k]P.
    func testSplitScalarMultiplication() {
        var rng = SeededRNG(seed: 62)
        let pt = (G1.generator * Fr.random(using: &rng)).affine
        for k in edgeScalars().prefix(30) {
            let (k1, k2) = BN254GLV.decompose(Fr(reducing: k))
            let p1 = k1.isNegative ? -pt : pt
            let phi = BN254GLV.endomorphism(pt)
            let p2 = k2.isNegative ? -phi : phi
            let sum = G1(p1).multiplied(byLimbs: [k1.lo, k1.hi]) + G1(p2).multiplied(byLimbs: [k2.lo, k2.hi])
            XCTAssertEqual(sum, G1(pt).multiplied(by: k), "k = \(k)")
        }
    }

    func testMSMSizesAndSpecialScalars() {
        var rng = SeededRNG(seed: 63)
        let pool = G1.batchNormalize((0..<64).map { _ in G1.generator * Fr.random(using: &rng) })
        let specials = edgeScalars().map { Fr(reducing: $0) }
        for n in [0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025] {
            let bases = (0..<n).map { pool[($0 * 7 + n) % pool.count] }
            var scalars = (0..<n).map { _ in Fr.random(using: &rng) }
            for i in stride(from: 0, to: n, by: 2) {
                scalars[i] = i % 6 == 0 ? [Fr.zero, Fr.one, -Fr.one][(i / 6) % 3] : specials[(i / 2) % specials.count]
            }
            checkMSM(bases: bases, scalars: scalars, "n=\(n)")
        }
    }

    func testMSMEveryWindowWidth() {
        var rng = SeededRNG(seed: 64)
        let n = 300
        let bases = G1.batchNormalize((0..<n).map { _ in G1.generator * Fr.random(using: &rng) })
        let scalars = (0..<n).map { i in i % 10 == 0 ? BN254GLV.lambda : Fr.random(using: &rng) }
        checkMSM(bases: bases, scalars: scalars, "widths", windows: Array(1...15).map { $0 }, threads: [1])
    }

    /// Equal digits everywhere (deferred additions, overflow buckets), repeated points
    /// (doublings and cancellations inside the batched buckets).
    func testMSMSkewedInputs() {
        var rng = SeededRNG(seed: 65)
        let p = (G1.generator * Fr.random(using: &rng)).affine
        let q = (G1.generator * Fr.random(using: &rng)).affine
        let k = Fr.random(using: &rng)
        let many = G1.batchNormalize((0..<2000).map { _ in G1.generator * Fr.random(using: &rng) })
        checkMSM(bases: many, scalars: [Fr](repeating: k, count: 2000), "equal scalars")
        checkMSM(bases: many, scalars: [Fr](repeating: BN254GLV.lambda, count: 2000), "all lambda")
        checkMSM(bases: many, scalars: [Fr](repeating: -Fr.one, count: 2000), "all r-1")
        let repeated = (0..<2000).map { $0 % 3 == 0 ? -p : ($0 % 3 == 1 ? p : q) }
        checkMSM(bases: repeated, scalars: (0..<2000).map { _ in Fr.random(using: &rng) }, "repeated points")
        checkMSM(bases: repeated, scalars: (0..<2000).map { _ in Fr(rng.next() % 64) }, "repeated points, small scalars")
        checkMSM(bases: [p, p, -p, p], scalars: [k, k, k, -k], "cancelling")
    }

    func testMSMScalarsNear2To128AndSmall() {
        var rng = SeededRNG(seed: 66)
        let n = 600
        let bases = G1.batchNormalize((0..<n).map { _ in G1.generator * Fr.random(using: &rng) })
        let t128 = BigUInt.one << 128
        let near = (0..<n).map { i in Fr(reducing: i % 2 == 0 ? t128 - BigUInt(UInt64(i)) : t128 + BigUInt(rng.next())) }
        checkMSM(bases: bases, scalars: near, "near 2^128")
        let small = (0..<n).map { _ in Fr(rng.next() % 100_000) }
        checkMSM(bases: bases, scalars: small, "small")
        let mixed = (0..<n).map { i in i % 2 == 0 ? Fr(rng.next()) : Fr.random(using: &rng) }
        checkMSM(bases: bases, scalars: mixed, "mixed 64-bit and full")
    }
}

/// Asserts the MSM equals the naive sum for every window width in `windows` (nil: chosen by
/// size), thread count in `threads`, with and without the GLV split; G1 and G2 alike.
func checkMSM<C: CurveParameters>(bases: [AffinePoint<C>], scalars: [Fr], _ what: String,
                                  windows: [Int?] = [nil], threads: [Int] = [1, 2]) {
    let expected = MSM.naive(bases: bases, scalars: scalars)
    for c in windows {
        for t in threads {
            for glv in [true, false] {
                XCTAssertEqual(MSM.multiply(bases: bases[...], scalars: scalars[...], threads: t, windowBits: c, endomorphism: glv),
                               expected, "\(what) c=\(c.map(String.init) ?? "auto") threads=\(t) glv=\(glv)")
            }
        }
    }
}

/// Scalars at the edges of the GLV split (0, 1, r − 1, λ and its neighbours, 2^127, 2^128, …), mod r.
func glvEdgeScalars() -> [BigUInt] {
    let r = Fr.modulus
    func big(_ l: (UInt64, UInt64, UInt64, UInt64)) -> BigUInt { BigUInt(limbs: [l.0, l.1, l.2, l.3]) }
    func big(_ l: (UInt64, UInt64)) -> BigUInt { BigUInt(limbs: [l.0, l.1]) }
    let lambda = big(BN254GLV.lambdaLimbs)
    let one = BigUInt.one
    let t127 = one << 127, t128 = one << 128
    var s: [BigUInt] = [0, 1, 2, 3, r - one, r - BigUInt(2), (r - one) >> 1, (r + one) >> 1,
                        lambda, lambda - one, lambda + one, r - lambda, lambda * lambda % r,
                        t127 - one, t127, t127 + one, t128 - one, t128, t128 + one,
                        (one << 64) - one, one << 64, (one << 192) - one, one << 192, one << 253,
                        BigUInt(BN254GLV.twoXPlusOne), big(BN254GLV.sixXSquaredPlusTwoX),
                        big(BN254GLV.sixXSquaredPlusFourXPlusOne), r - t128, r - t127]
    for k in 1...20 { s.append(r - BigUInt(UInt64(k))) }
    return s.map { $0 % r }
}

/// The G1 split on G2: (x, y) ↦ (β²x, y) is [λ]Q on the twist, so the same decomposition drives
/// a G2 MSM over 2n points with scalars below 2¹²⁷.
final class G2GLVTests: XCTestCase {
    let p = Fq.modulus
    let r = Fr.modulus

    func testBetaSquaredRecomputed() {
        let beta = BigUInt(limbs: [BN254GLV.betaLimbs.0, BN254GLV.betaLimbs.1, BN254GLV.betaLimbs.2, BN254GLV.betaLimbs.3])
        let l = BN254GLV.betaSquaredLimbs
        XCTAssertEqual(BigUInt(limbs: [l.0, l.1, l.2, l.3]), beta * beta % p)
        XCTAssertEqual(BN254GLV.betaSquared, BN254GLV.beta * BN254GLV.beta)
    }

    func testEndomorphismIsMultiplicationByLambda() {
        var rng = SeededRNG(seed: 70)
        var points = [BN254G2.generator]
        for _ in 0..<6 { points.append((G2.generator * Fr.random(using: &rng)).affine) }
        for q in points {
            let phi = BN254GLV.endomorphism(q)
            XCTAssertTrue(phi.isOnCurve)
            XCTAssertTrue(phi.isInSubgroup)
            XCTAssertEqual(G2(phi), G2(q) * BN254GLV.lambda)
            XCTAssertNotEqual(G2(phi), G2(q) * (BN254GLV.lambda * BN254GLV.lambda))
            XCTAssertEqual(BN254GLV.endomorphism(BN254GLV.endomorphism(phi)), q)
        }
        XCTAssertEqual(BN254GLV.endomorphism(G2Affine.infinity), .infinity)
    }

    /// [k]Q through the split equals [k]Q, on the edge scalars of the G1 tests.
    func testSplitScalarMultiplication() {
        var rng = SeededRNG(seed: 71)
        let q = (G2.generator * Fr.random(using: &rng)).affine
        for k in glvEdgeScalars() {
            let (k1, k2) = BN254GLV.decompose(Fr(reducing: k))
            let phi = BN254GLV.endomorphism(q)
            let q1 = k1.isNegative ? -q : q
            let q2 = k2.isNegative ? -phi : phi
            let sum = G2(q1).multiplied(byLimbs: [k1.lo, k1.hi]) + G2(q2).multiplied(byLimbs: [k2.lo, k2.hi])
            XCTAssertEqual(sum, G2(q).multiplied(by: Fr(reducing: k)), "k = \(k)")
        }
    }

    func testMSMEdgeScalarsAndSizes() {
        var rng = SeededRNG(seed: 72)
        let pool = G2.batchNormalize((0..<32).map { _ in G2.generator * Fr.random(using: &rng) })
        let specials = glvEdgeScalars().map { Fr(reducing: $0) }
        for n in [1, 2, 25, 64, 200] {
            let bases = (0..<n).map { pool[($0 * 5 + n) % pool.count] }
            var scalars = (0..<n).map { _ in Fr.random(using: &rng) }
            for i in stride(from: 0, to: n, by: 2) { scalars[i] = specials[(i / 2 + n) % specials.count] }
            checkMSM(bases: bases, scalars: scalars, "n=\(n)")
        }
        let bases = (0..<120).map { pool[$0 % pool.count] }
        checkMSM(bases: bases, scalars: Array(specials.prefix(120)) + [Fr](repeating: BN254GLV.lambda, count: max(0, 120 - specials.count)),
                 "edge scalars, every width", windows: [2, 5, 8, 13], threads: [1])
    }
}

/// The top windows use fewer buckets (`MSM.bucketCount`): scalars of all ones carry into the
/// last bucket of the top window, for every window width and bit length.
final class MSMTopWindowTests: XCTestCase {
    func testAllOnesScalarsEveryWidth() {
        var rng = SeededRNG(seed: 73)
        let n = 260
        let bases = G1.batchNormalize((0..<n).map { _ in G1.generator * Fr.random(using: &rng) })
        for top in [2, 7, 12, 13, 14, 26, 64, 126, 127, 128, 200, 253] {
            let ones = (BigUInt.one << top) - BigUInt.one
            let scalars = (0..<n).map { i in Fr(reducing: [ones, ones - BigUInt.one, ones >> (i % 7)][i % 3]) }
            let expected = MSM.naive(bases: bases, scalars: scalars)
            for c in [2, 3, 5, 8, 11, 12, 13, 15] {
                for glv in [true, false] {
                    XCTAssertEqual(MSM.multiply(bases: bases[...], scalars: scalars[...], threads: 1, windowBits: c, endomorphism: glv),
                                   expected, "bits=\(top) c=\(c) glv=\(glv)")
                }
            }
        }
    }
}
