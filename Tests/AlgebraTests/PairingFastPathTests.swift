import XCTest
import Algebra

/// The pairing's fast paths against their slow, obviously correct counterparts.
final class PairingFastPathTests: XCTestCase {
    /// A random element of the cyclotomic subgroup: the easy part of the final exponentiation.
    func cyclotomic(_ rng: inout SeededRNG) -> Fq12 {
        let f = Fq12.random(using: &rng)
        let m = f.conjugate() * f.inverse()!
        return m.frobenius(2) * m
    }

    func testCyclotomicSquaring() {
        var rng = SeededRNG(seed: 70)
        for _ in 0..<20 {
            let m = cyclotomic(&rng)
            XCTAssertEqual(m.conjugate() * m, .one)
            XCTAssertEqual(m.cyclotomicSquared(), m.squared())
            XCTAssertEqual(m.cyclotomicSquared().cyclotomicSquared(), m.squared().squared())
        }
        XCTAssertEqual(Fq12.one.cyclotomicSquared(), .one)
    }

    func testNonAdjacentForm() {
        var rng = SeededRNG(seed: 71)
        var values: [BigUInt] = [1, 2, 3, 7, 11, 255, BigUInt(Pairing.x), BigUInt(6) * BigUInt(Pairing.x) + BigUInt(2)]
        for _ in 0..<50 { values.append(BigUInt(rng.next())) }
        for n in values {
            let d = Pairing.nonAdjacentForm(n)
            var pos = BigUInt.zero, neg = BigUInt.zero
            for digit in d {
                pos = pos << 1; neg = neg << 1
                if digit > 0 { pos = pos + BigUInt.one } else if digit < 0 { neg = neg + BigUInt.one }
            }
            XCTAssertEqual(pos - neg, n)
            XCTAssertEqual(d.first, 1)
            for (u, v) in zip(d, d.dropFirst()) { XCTAssertTrue(u == 0 || v == 0, "adjacent non-zero digits for \(n)") }
        }
        XCTAssertEqual(Pairing.loopNAF.count, 66)
        XCTAssertEqual(Pairing.loopNAF.filter { $0 != 0 }.count, 22)
        XCTAssertEqual(Pairing.xNAF.filter { $0 != 0 }.count, 24)
    }

    func testCyclotomicPowerByX() {
        var rng = SeededRNG(seed: 72)
        for _ in 0..<5 {
            let m = cyclotomic(&rng)
            XCTAssertEqual(m.cyclotomicPower(naf: Pairing.xNAF), m.power(Pairing.x))
        }
        XCTAssertEqual(Fq12.one.cyclotomicPower(naf: Pairing.xNAF), .one)
        // Other exponents: even ones (trailing zeros), small ones, windows of every value.
        let m = cyclotomic(&rng)
        var exponents: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 21, 1 << 40, (1 << 63) + 1, UInt64.max]
        for _ in 0..<20 { exponents.append(rng.next()) }
        for e in exponents {
            XCTAssertEqual(m.cyclotomicPower(naf: Pairing.nonAdjacentForm(BigUInt(e))), m.power(e), "e = \(e)")
        }
    }

    func testFinalExponentiationMatchesReference() {
        var rng = SeededRNG(seed: 73)
        for _ in 0..<5 {
            let f = Fq12.random(using: &rng)
            XCTAssertEqual(Pairing.finalExponentiation(f), Pairing.finalExponentiationReference(f))
        }
        XCTAssertEqual(Pairing.finalExponentiation(.one), .one)
        XCTAssertEqual(Pairing.finalExponentiation(.zero), .zero)
    }

    /// The Miller loop over the non-adjacent form gives the same reduced pairing as the
    /// definition e(P, Q)^(ab) = e(aP, bQ) and as the product of single pairings.
    func testMillerLoopNAFConsistent() {
        var rng = SeededRNG(seed: 74)
        let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
        let e = Pairing.pairing(BN254G1.generator, BN254G2.generator)
        let lhs = Pairing.pairing((G1.generator * a).affine, (G2.generator * b).affine)
        let ab = (a * b).canonicalLimbs
        XCTAssertEqual(lhs, e.power(limbs: [ab.0, ab.1, ab.2, ab.3]))
        let prepared = Pairing.G2Prepared((G2.generator * b).affine)
        XCTAssertEqual(Pairing.finalExponentiation(Pairing.millerLoop([((G1.generator * a).affine, prepared)])), lhs)
    }
}
