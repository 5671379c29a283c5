import XCTest
import Algebra

final class PairingTests: XCTestCase {
    func testMatchesPyEccVectors() throws {
        let d = try loadJSON("vectors/math_vectors.json") as! [String: Any]
        for v in d["pairing"] as! [[String: Any]] {
            let p = g1(v["p"]), q = g2(v["q"])
            XCTAssertEqual(p, (G1.generator.multiplied(by: BigUInt(decimal: v["a"] as! String)!)).affine)
            XCTAssertEqual(Pairing.pairing(p, q), fq12(v["e"]))
        }
    }

    func testBilinearityAndNonDegeneracy() {
        var rng = SeededRNG(seed: 30)
        let P = BN254G1.generator, Q = BN254G2.generator
        let e = Pairing.pairing(P, Q)
        XCTAssertNotEqual(e, .one)
        XCTAssertEqual(e.power(Fr.modulus), .one)
        for _ in 0..<3 {
            let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
            let aP = (G1.generator * a).affine, bQ = (G2.generator * b).affine
            let abP = (G1.generator * (a * b)).affine
            let lhs = Pairing.pairing(aP, bQ)
            XCTAssertEqual(lhs, e.power(limbs: { let c = (a * b).canonicalLimbs; return [c.0, c.1, c.2, c.3] }()))
            XCTAssertEqual(lhs, Pairing.pairing(abP, Q))
            XCTAssertEqual(Pairing.pairing(aP, bQ) * Pairing.pairing((-aP), bQ), .one)
        }
        XCTAssertEqual(Pairing.pairing(.infinity, Q), .one)
        XCTAssertEqual(Pairing.pairing(P, .infinity), .one)
    }

    func testMultiPairingIsProductOfPairings() {
        var rng = SeededRNG(seed: 31)
        var pairs = [(G1Affine, G2Affine)]()
        var product = Fq12.one
        for i in 0..<4 {
            let p = (G1.generator * Fr.random(using: &rng)).affine
            let q = i == 2 ? G2Affine.infinity : (G2.generator * Fr.random(using: &rng)).affine
            pairs.append((p, q))
            product = product * Pairing.pairing(p, q)
        }
        XCTAssertEqual(Pairing.multiPairing(pairs), product)
        // The Groth16-shaped check e(A,B) = e(αβ)… reduces to a product equal to one.
        let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
        let check = Pairing.multiPairing([((G1.generator * a).affine, (G2.generator * b).affine),
                                          ((-(G1.generator * (a * b))).affine, BN254G2.generator)])
        XCTAssertEqual(check, .one)
    }
}
