import XCTest
import Algebra

/// Each field operation against GMP (BigUInt arithmetic mod p) on random and edge inputs.
final class FieldTests: XCTestCase {
    func crossCheck<P: PrimeFieldParameters>(_ type: PrimeField<P>.Type, count: Int, seed: UInt64) {
        typealias F = PrimeField<P>
        let p = F.modulus
        var rng = SeededRNG(seed: seed)
        var values = edgeValues(modulus: p)
        while values.count < count {
            values.append(F.random(using: &rng).bigUInt)
        }
        for i in 0..<values.count {
            let a = values[i], b = values[(i * 7 + 3) % values.count]
            let fa = F(reducing: a), fb = F(reducing: b)
            XCTAssertEqual(fa.bigUInt, a)
            XCTAssertEqual((fa + fb).bigUInt, (a + b) % p)
            XCTAssertEqual((fa - fb).bigUInt, (a + p - b) % p)
            XCTAssertEqual((fa * fb).bigUInt, (a * b) % p)
            XCTAssertEqual(fa.squared().bigUInt, (a * a) % p)
            XCTAssertEqual(fa.doubled().bigUInt, (a + a) % p)
            XCTAssertEqual((-fa).bigUInt, (p - a) % p)
            if i % 10 == 0 {
                XCTAssertEqual(fa.inverse()?.bigUInt, a.isZero ? nil : a.inverse(modulus: p))
            }
        }
    }

    func testFqAgainstGMP() { crossCheck(Fq.self, count: 10_000, seed: 1) }
    func testFrAgainstGMP() { crossCheck(Fr.self, count: 10_000, seed: 2) }

    func testMontgomeryConstantsRecomputed() {
        func check<P: PrimeFieldParameters>(_: P.Type) {
            let m = P.modulus
            let p = BigUInt(limbs: [m.0, m.1, m.2, m.3])
            let R = BigUInt(1) << 256
            func big(_ t: (UInt64, UInt64, UInt64, UInt64)) -> BigUInt { BigUInt(limbs: [t.0, t.1, t.2, t.3]) }
            XCTAssertEqual(big(P.r1), R % p)
            XCTAssertEqual(big(P.r2), R * R % p)
            XCTAssertEqual(big(P.r3), R * R * R % p)
            let two64 = BigUInt(1) << 64
            XCTAssertEqual((BigUInt(P.montgomeryInv) * p + BigUInt(1)) % two64, 0)
            XCTAssertLessThan(m.3, UInt64(1) << 62, "no-carry CIOS needs spare top bits")
            // The generator is a non-residue, so it generates the 2-Sylow part.
            XCTAssertEqual(PrimeField<P>(P.multiplicativeGenerator).legendre(), -1)
        }
        check(FqParameters.self)
        check(FrParameters.self)
        XCTAssertEqual(Fq.modulus.description, "21888242871839275222246405745257275088696311157297823662689037894645226208583")
        XCTAssertEqual(Fr.modulus.description, "21888242871839275222246405745257275088548364400416034343698204186575808495617")
        // p = 36x⁴ + 36x³ + 24x² + 6x + 1 for the BN parameter.
        let x = BigUInt(Pairing.x)
        let px: BigUInt = BigUInt(36) * x * x * x * x + BigUInt(36) * x * x * x + BigUInt(24) * x * x + BigUInt(6) * x + 1
        XCTAssertEqual(px, Fq.modulus)
    }

    func testTwoAdicRoot() {
        var w = Fr.twoAdicRootOfUnity
        for _ in 0..<27 { w = w.squared() }
        XCTAssertNotEqual(w, .one)
        XCTAssertEqual(w.squared(), .one)
        XCTAssertEqual((Fr.modulus - 1) % (BigUInt(1) << 28), 0)
        XCTAssertNotEqual((Fr.modulus - 1) % (BigUInt(1) << 29), 0)
    }

    func testSqrtAndLegendre() {
        var rng = SeededRNG(seed: 3)
        for _ in 0..<200 {
            let a = Fq.random(using: &rng), b = Fr.random(using: &rng)
            if let r = a.sqrt() { XCTAssertEqual(r.squared(), a); XCTAssertEqual(a.legendre(), 1) } else { XCTAssertEqual(a.legendre(), -1) }
            if let r = b.sqrt() { XCTAssertEqual(r.squared(), b); XCTAssertEqual(b.legendre(), 1) } else { XCTAssertEqual(b.legendre(), -1) }
            let s = a.squared()
            XCTAssertEqual(s.sqrt()!.squared(), s)
            let t = Fq2.random(using: &rng).squared()
            XCTAssertEqual(t.sqrt()!.squared(), t)
        }
        XCTAssertEqual(Fq.zero.legendre(), 0)
    }

    /// The inverse works on the Montgomery limbs, so elements whose limbs are short (leading
    /// zero limbs: GMP sees a one- to three-limb number) or all set must invert like the rest,
    /// in Fq and in Fr.
    func testInverseOfShortAndLongMontgomeryLimbs() {
        func check<P>(_: PrimeField<P>.Type) {
            let p = PrimeField<P>.modulus.limbs(count: 4)
            let limbs: [(UInt64, UInt64, UInt64, UInt64)] = [
                (1, 0, 0, 0), (2, 0, 0, 0), (UInt64.max, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1),
                (5, 7, 0, 0), (p[0] - 1, p[1], p[2], p[3]), (p[0] - 2, p[1], p[2], p[3]),
            ]
            for l in limbs {
                let x = PrimeField<P>(montgomery: l)
                XCTAssertEqual(x.inverse(), x.inverseByFermat(), "\(P.name) \(l)")
                XCTAssertEqual(x * x.inverse()!, .one, "\(P.name) \(l)")
            }
        }
        check(Fq.self)
        check(Fr.self)
    }

    func testInverseAgreesWithFermatAndBatch() {
        var rng = SeededRNG(seed: 4)
        var xs = (0..<50).map { _ in Fq.random(using: &rng) }
        xs[7] = .zero
        for x in xs { XCTAssertEqual(x.inverse(), x.inverseByFermat()) }
        var b = xs
        Fq.batchInverse(&b)
        for (x, y) in zip(xs, b) { XCTAssertEqual(x.isZero ? Fq.zero : x.inverse()!, y) }
    }

    func testExtensionFieldLaws() {
        var rng = SeededRNG(seed: 5)
        for _ in 0..<20 {
            let a = Fq12.random(using: &rng), b = Fq12.random(using: &rng), c = Fq12.random(using: &rng)
            XCTAssertEqual(a * (b + c), a * b + a * c)
            XCTAssertEqual((a * b) * c, a * (b * c))
            XCTAssertEqual(a.squared(), a * a)
            XCTAssertEqual(a * a.inverse()!, .one)
            // Frobenius is a ring homomorphism and has order 12.
            XCTAssertEqual((a * b).frobenius(), a.frobenius() * b.frobenius())
            XCTAssertEqual(a.frobenius(12), a)
            XCTAssertEqual(a.frobenius(), a.power(Fq.modulus))
            let x6 = Fq6.random(using: &rng)
            XCTAssertEqual(x6 * x6.inverse()!, .one)
            XCTAssertEqual(x6.mulBy01(b.c0.b0, b.c0.b1), x6 * Fq6(b.c0.b0, b.c0.b1, .zero))
            let l0 = Fq2.random(using: &rng), l1 = Fq2.random(using: &rng), l3 = Fq2.random(using: &rng)
            let line = Fq12(Fq6(l0, .zero, .zero), Fq6(l1, l3, .zero))
            XCTAssertEqual(a.mulByLine(l0, l1, l3), a * line)
        }
    }

    func testPrimeFieldVectors() throws {
        let d = try loadJSON("vectors/math_vectors.json") as! [String: Any]
        func run<P: PrimeFieldParameters>(_ key: String, _: P.Type) {
            typealias F = PrimeField<P>
            for v in d[key] as! [[String: Any]] {
                let a = F(decimal: v["a"] as! String)!, b = F(decimal: v["b"] as! String)!
                XCTAssertEqual((a + b).description, v["add"] as? String)
                XCTAssertEqual((a - b).description, v["sub"] as? String)
                XCTAssertEqual((a * b).description, v["mul"] as? String)
                XCTAssertEqual(a.squared().description, v["square"] as? String)
                XCTAssertEqual((-a).description, v["neg"] as? String)
                XCTAssertEqual(a.inverse()?.description, v["inv"] as? String)
                XCTAssertEqual(a.power(BigUInt(decimal: v["pow_e"] as! String)!).description, v["pow"] as? String)
                XCTAssertEqual(a.legendre(), v["legendre"] as? Int)
                if let root = v["sqrt"] as? String {
                    let r = a.sqrt()!
                    XCTAssertEqual(r.isLexicographicallyLargest ? (-r).description : r.description, root)
                } else {
                    XCTAssertNil(a.sqrt())
                }
            }
        }
        run("fq", FqParameters.self)
        run("fr", FrParameters.self)
        for v in d["fq2"] as! [[String: Any]] {
            let a = fq2(v["a"]), b = fq2(v["b"])
            XCTAssertEqual(a + b, fq2(v["add"]))
            XCTAssertEqual(a - b, fq2(v["sub"]))
            XCTAssertEqual(a * b, fq2(v["mul"]))
            XCTAssertEqual(a.squared(), fq2(v["square"]))
            XCTAssertEqual(a.inverse(), fq2(v["inv"]))
        }
        for v in d["fq12"] as! [[String: Any]] {
            let a = fq12(v["a"]), b = fq12(v["b"])
            XCTAssertEqual(a * b, fq12(v["mul"]))
            XCTAssertEqual(a.inverse(), fq12(v["inv"]))
        }
    }

    func testEncodingsRejectNonCanonical() {
        let p = Fq.modulus
        XCTAssertThrowsError(try Fq(bigEndianBytes: p.bigEndianBytes(count: 32))) { e in
            XCTAssertEqual((e as? EncodingError)?.kind, .nonCanonical)
        }
        XCTAssertThrowsError(try Fq(bigEndianBytes: [UInt8](repeating: 0xFF, count: 32)))
        XCTAssertThrowsError(try Fq(bigEndianBytes: [UInt8](repeating: 0, count: 31))) { e in
            XCTAssertEqual((e as? EncodingError)?.kind, .wrongLength(expected: 32, got: 31))
        }
        XCTAssertThrowsError(try Fr(decimalString: Fr.modulus.description))
        XCTAssertThrowsError(try Fr(decimalString: "12x"))
        XCTAssertNoThrow(try Fr(decimalString: (Fr.modulus - 1).description))
        let x = Fq(123456789)
        XCTAssertEqual(try Fq(bigEndianBytes: x.bigEndianBytes), x)
        XCTAssertEqual(try Fq(littleEndianBytes: x.littleEndianBytes), x)
        XCTAssertEqual(x.littleEndianBytes[0], UInt8(123456789 & 0xFF))
    }

    func testRandomFromSodiumIsInRange() {
        var seen = Set<Fr>()
        for _ in 0..<100 { let r = Fr.random(); XCTAssertLessThan(r.bigUInt, Fr.modulus); seen.insert(r) }
        XCTAssertEqual(seen.count, 100)
    }
}
