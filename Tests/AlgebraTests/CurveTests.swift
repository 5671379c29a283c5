import XCTest
import Algebra

final class CurveTests: XCTestCase {
    func testGroupLawsG1() { groupLaws(BN254G1.self, seed: 10) }
    func testGroupLawsG2() { groupLaws(BN254G2.self, seed: 11) }

    func groupLaws<C: CurveParameters>(_: C.Type, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let g = JacobianPoint<C>.generator
        XCTAssertTrue(C.generator.isOnCurve)
        for _ in 0..<10 {
            let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
            let pa = g * a, pb = g * b
            XCTAssertTrue(pa.affine.isOnCurve)
            XCTAssertEqual(pa + pb, g * (a + b))
            XCTAssertEqual(pa + pb, pb + pa)
            XCTAssertEqual(pa + pa, pa.doubled())
            XCTAssertEqual(pa + pb.affine, pa + pb)       // mixed addition
            XCTAssertEqual(pa + pa.affine, pa.doubled())  // mixed addition hitting doubling
            XCTAssertTrue((pa + (-pa)).isInfinity)
            XCTAssertTrue((pa + (-pa.affine)).isInfinity)
            XCTAssertEqual(pa + JacobianPoint<C>.infinity, pa)
            XCTAssertEqual((pa + pb) + g, pa + (pb + g))
            XCTAssertEqual((pa * b), g * (a * b))
        }
        let r = Fr.modulus
        XCTAssertTrue(g.multiplied(by: r).isInfinity)
        XCTAssertEqual(g.multiplied(by: r + 1), g)
        let pts = (1...5).map { g * Fr(UInt64($0)) } + [.infinity]
        let aff = JacobianPoint<C>.batchNormalize(pts)
        for (p, a) in zip(pts, aff) { XCTAssertEqual(p.affine, a) }
    }

    func testCurveVectors() throws {
        let d = try loadJSON("vectors/math_vectors.json") as! [String: Any]
        XCTAssertEqual(g1(d["g1_generator"]), BN254G1.generator)
        XCTAssertEqual(g2(d["g2_generator"]), BN254G2.generator)
        for v in d["g1"] as! [[String: Any]] {
            let p = g1(v["p"]).jacobian, q = g1(v["q"])
            XCTAssertEqual((p + q).affine, g1(v["add"]))
            XCTAssertEqual(p.doubled().affine, g1(v["double"]))
            XCTAssertEqual(p.multiplied(by: BigUInt(decimal: v["k"] as! String)!).affine, g1(v["kp"]))
        }
        for v in d["g2"] as! [[String: Any]] {
            let p = g2(v["p"]).jacobian, q = g2(v["q"])
            XCTAssertEqual((p + q).affine, g2(v["add"]))
            XCTAssertEqual(p.doubled().affine, g2(v["double"]))
            XCTAssertEqual(p.multiplied(by: BigUInt(decimal: v["k"] as! String)!).affine, g2(v["kp"]))
        }
    }

    /// A point on the twist but outside the order-r subgroup (the twist's cofactor is large).
    static func twistPointOutsideSubgroup() -> G2Affine {
        var x = Fq2(Fq(1), Fq(1))
        while true {
            if let y = (x.squared() * x + BN254G2.b).sqrt() {
                let p = G2Affine(x: x, y: y)
                if !BN254G2.isInSubgroup(p) { return p }
            }
            x = x + .one
        }
    }

    func testSubgroupCheck() {
        XCTAssertTrue(BN254G2.isInSubgroup(BN254G2.generator))
        // The endomorphism test agrees with [r]Q = O on subgroup points and on points outside.
        var rng = SeededRNG(seed: 12)
        var x = Fq2(Fq(3), Fq(1))
        var outside = 0
        while outside < 8 {
            if let y = (x.squared() * x + BN254G2.b).sqrt() {
                let p = G2Affine(x: x, y: y)
                XCTAssertEqual(BN254G2.isInSubgroup(p), BN254G2.isInSubgroupByOrder(p))
                if !BN254G2.isInSubgroupByOrder(p) { outside += 1 }
            }
            x = x + Fq2(Fq(1), .zero)
        }
        for _ in 0..<8 {
            let q = (G2.generator * Fr.random(using: &rng)).affine
            XCTAssertTrue(BN254G2.isInSubgroup(q))
            XCTAssertTrue(BN254G2.isInSubgroupByOrder(q))
        }
        let bad = CurveTests.twistPointOutsideSubgroup()
        XCTAssertTrue(bad.isOnCurve)
        XCTAssertFalse(bad.isInSubgroup)
    }
}

final class PointEncodingTests: XCTestCase {
    func testRoundTrips() throws {
        var rng = SeededRNG(seed: 20)
        for i in 0..<20 {
            let p1 = i == 0 ? G1Affine.infinity : (G1.generator * Fr.random(using: &rng)).affine
            let p2 = i == 0 ? G2Affine.infinity : (G2.generator * Fr.random(using: &rng)).affine
            XCTAssertEqual(try G1Affine(uncompressedBytes: p1.uncompressedBytes), p1)
            XCTAssertEqual(try G1Affine(compressedBytes: p1.compressedBytes), p1)
            XCTAssertEqual(try G1Affine(ethereumBytes: p1.ethereumBytes), p1)
            XCTAssertEqual(try G1Affine(snarkjsStrings: p1.snarkjsStrings), p1)
            XCTAssertEqual(try G2Affine(uncompressedBytes: p2.uncompressedBytes), p2)
            XCTAssertEqual(try G2Affine(compressedBytes: p2.compressedBytes), p2)
            XCTAssertEqual(try G2Affine(ethereumBytes: p2.ethereumBytes), p2)
            XCTAssertEqual(try G2Affine(snarkjsStrings: p2.snarkjsStrings), p2)
        }
    }

    func testEthereumLayoutOfG2Generator() {
        // EIP-197 lists the G2 generator with the imaginary part first.
        let e = BN254G2.generator.ethereumBytes
        XCTAssertEqual(BigUInt(bigEndianBytes: e[0..<32]).description,
                       "11559732032986387107991004021392285783925812861821192530917403151452391805634")
        XCTAssertEqual(BigUInt(bigEndianBytes: e[32..<64]).description,
                       "10857046999023057135944570762232829481370756359578518086990519993285655852781")
    }

    func kind(_ body: () throws -> Void) -> EncodingError.Kind? {
        do { try body(); return nil } catch let e as EncodingError { return e.kind } catch { return nil }
    }

    func testRejectsBadG1() {
        var b = G1Affine(x: Fq(1), y: Fq(2)).uncompressedBytes
        b[63] ^= 1
        XCTAssertEqual(kind { _ = try G1Affine(uncompressedBytes: b) }, .notOnCurve)
        XCTAssertEqual(kind { _ = try G1Affine(uncompressedBytes: Array(b.prefix(63))) }, .wrongLength(expected: 64, got: 63))
        let nonCanon = Fq.modulus.bigEndianBytes(count: 32) + Fq(2).bigEndianBytes
        XCTAssertEqual(kind { _ = try G1Affine(uncompressedBytes: nonCanon) }, .nonCanonical)
        XCTAssertEqual(kind { _ = try G1Affine(snarkjsStrings: ["1", "3", "1"]) }, .notOnCurve)
        XCTAssertEqual(kind { _ = try G1Affine(snarkjsStrings: ["1", "x", "1"]) }, .notANumber)
        XCTAssertEqual(kind { _ = try G1Affine(snarkjsStrings: ["1"]) }, .wrongLength(expected: 3, got: 1))
        var inf = [UInt8](repeating: 0, count: 32); inf[0] = 0xC0
        XCTAssertEqual(kind { _ = try G1Affine(compressedBytes: inf) }, .invalidFlags)
        // x = 0: 0³ + 3 = 3 is a non-residue mod p, so there is no point.
        XCTAssertEqual(kind { _ = try G1Affine(compressedBytes: [UInt8](repeating: 0, count: 32)) }, .notSquare)
    }

    func testRejectsBadG2() {
        let outside = CurveTests.twistPointOutsideSubgroup()
        XCTAssertEqual(kind { _ = try G2Affine(uncompressedBytes: outside.uncompressedBytes) }, .notInSubgroup)
        XCTAssertEqual(kind { _ = try G2Affine(ethereumBytes: outside.ethereumBytes) }, .notInSubgroup)
        XCTAssertEqual(kind { _ = try G2Affine(compressedBytes: outside.compressedBytes) }, .notInSubgroup)
        XCTAssertEqual(kind { _ = try G2Affine(snarkjsStrings: outside.snarkjsStrings) }, .notInSubgroup)
        var b = BN254G2.generator.uncompressedBytes
        b[127] ^= 1
        XCTAssertEqual(kind { _ = try G2Affine(uncompressedBytes: b) }, .notOnCurve)
        XCTAssertEqual(kind { _ = try G2Affine(uncompressedBytes: b + [0]) }, .wrongLength(expected: 128, got: 129))
        XCTAssertEqual(kind { _ = try G2Affine(snarkjsStrings: [["1"], ["1", "2"], ["1", "0"]]) }, .wrongLength(expected: 2, got: 1))
    }

    func testRandomMutationsNeverTrap() {
        var rng = SeededRNG(seed: 21)
        let good1 = (G1.generator * Fr(7)).affine.uncompressedBytes
        let good2 = (G2.generator * Fr(7)).affine.compressedBytes
        for _ in 0..<300 {
            var a = good1, b = good2
            a[Int(rng.next() % 64)] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            b[Int(rng.next() % 64)] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            if let p = try? G1Affine(uncompressedBytes: a) { XCTAssertTrue(p.isOnCurve) }
            if let q = try? G2Affine(compressedBytes: b) { XCTAssertTrue(q.isOnCurve && q.isInSubgroup) }
        }
    }
}
