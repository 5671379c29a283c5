import XCTest
import Algebra

/// The batch-affine fixed-base multiplication the trusted setup uses equals plain scalar
/// multiplication, for every window width and for the edge scalars.
final class FixedBaseTests: XCTestCase {
    func scalars(_ count: Int, seed: UInt64) -> [Fr] {
        var rng = SeededRNG(seed: seed)
        var ks = (0..<count).map { _ in Fr.random(using: &rng) }
        ks += [.zero, .one, Fr(2), -Fr.one, -Fr(2), Fr(255), Fr(256), Fr(257), Fr(UInt64.max)]
        // Scalars whose windows repeat one digit (accumulator and table point can meet).
        ks += [Fr(0x0101_0101_0101_0101), Fr(1) - Fr(1 << 8), Fr(1 << 40) + Fr(1 << 40)]
        return ks
    }

    func testBatchAffineEqualsScalarMultiplicationG1() throws {
        for w in [4, 8, 11] {
            let table = FixedBaseTable(base: BN254G1.generator, windowBits: w)
            let ks = scalars(300, seed: UInt64(w))
            let batch = table.multiply(ks, threads: 2)
            for (k, p) in zip(ks, batch) {
                XCTAssertEqual(p, (BN254G1.generator.jacobian * k).affine, "w = \(w), k = \(k)")
                XCTAssertEqual(p, table.multiply(k).affine)
            }
        }
    }

    /// A table built with its rows on several threads is the table built on one.
    func testTableFromThreadsEqualsSerialTable() throws {
        for w in [4, 9] {
            let serial = FixedBaseTable(base: BN254G1.generator, windowBits: w, threads: 1)
            let ks = scalars(40, seed: 77)
            for t in [2, 3, 5] {
                let table = FixedBaseTable(base: BN254G1.generator, windowBits: w, threads: t)
                XCTAssertEqual(table.multiply(ks, threads: 1), serial.multiply(ks, threads: 1), "w = \(w) threads \(t)")
            }
        }
        let g2 = FixedBaseTable(base: BN254G2.generator, windowBits: 5, threads: 2)
        for k in scalars(10, seed: 78) { XCTAssertEqual(g2.multiply(k).affine, (BN254G2.generator.jacobian * k).affine) }
    }

    func testBatchAffineEqualsScalarMultiplicationG2() throws {
        let table = FixedBaseTable(base: BN254G2.generator, windowBits: 7)
        let ks = scalars(60, seed: 9)
        for (k, p) in zip(ks, table.multiply(ks, threads: 1)) {
            XCTAssertEqual(p, (BN254G2.generator.jacobian * k).affine, "k = \(k)")
        }
    }

    /// Equal and opposite scalars and zeros in one batch. (An accumulator meeting its table
    /// point — the Jacobian fallback — cannot happen for canonical scalars: the partial sum is
    /// below 2^(w·j) and the table point's multiple is a multiple of 2^(w·j) below r.)
    func testEqualOppositeAndZeroScalarsInOneBatch() throws {
        var rng = SeededRNG(seed: 3)
        let k = Fr.random(using: &rng)
        let ks = [k, k, -k, .zero, k + k, k, .zero, -k]
        let table = FixedBaseTable(base: BN254G1.generator, windowBits: 5)
        let batch = table.multiply(ks, threads: 1)
        for (s, p) in zip(ks, batch) { XCTAssertEqual(p, (BN254G1.generator.jacobian * s).affine) }
        XCTAssertTrue(batch[3].isInfinity)
    }

    func testWindowWidthGrowsWithTheCount() {
        XCTAssertLessThanOrEqual(FixedBaseTable<BN254G1>.windowBits(forCount: 10), FixedBaseTable<BN254G1>.windowBits(forCount: 1_000_000))
        XCTAssertTrue((4...14).contains(FixedBaseTable<BN254G1>.windowBits(forCount: 100_000)))
    }
}
