import Algebra
import Compiler
import Model
import TestSupport
import XCTest

final class TensorCommitmentTests: XCTestCase {
    func layouts() -> [TensorCommitment.Layout] {
        [TensorCommitment.Layout(count: 70, lower: -128, upper: 127),      // 8 bits, 31 per element → 3 elements
         TensorCommitment.Layout(count: 5, lower: 0, upper: 1),            // 1 bit
         TensorCommitment.Layout(count: 600, lower: -40_000, upper: 40_000)] // 17 bits, 14 per element → 43 elements: 3 chain steps
    }

    func randomValues(_ l: [TensorCommitment.Layout], _ rng: inout SeededRNG) -> [[Int64]] {
        l.map { t in (0..<t.count).map { _ in Int64.random(in: t.lower...t.upper, using: &rng) } }
    }

    /// The circuit computes exactly the native commitment (several chain steps, salts, edges).
    func testCircuitCommitmentEqualsNative() throws {
        var rng = SeededRNG(seed: 21)
        let l = layouts()
        for round in 0..<3 {
            var values = randomValues(l, &rng)
            if round == 1 { values = l.map { [Int64](repeating: $0.upper, count: $0.count) } }
            if round == 2 { values = l.map { [Int64](repeating: $0.lower, count: $0.count) } }
            let salt = round == 0 ? Fr.zero : Fr.random(using: &rng)
            let native = try TensorCommitment.commit(values, layouts: l, salt: salt)
            let cs = CircuitBuilder(computesWitness: true)
            let signals = zip(values, l).map { vs, t in
                vs.map { v in Signal(lc: LinearCombination(wire: cs.alloc(.privateInput, signed: v)), value: v, lower: t.lower, upper: t.upper) }
            }
            let s = cs.alloc(.privateInput, value: salt)
            let lc = TensorCommitment.commit(cs, signals, layouts: l, salt: LinearCombination(wire: s))
            XCTAssertEqual(cs.value(of: lc), native, "round \(round)")
            XCTAssertNil(cs.firstViolation())
        }
    }

    /// The commitment is the documented sponge over [salt, packed elements].
    func testCommitmentIsTheDocumentedSponge() throws {
        let l = [TensorCommitment.Layout(count: 3, lower: -2, upper: 5)]   // 3 bits
        let c = try TensorCommitment.commit([[-2, 0, 5]], layouts: l, salt: Fr(9))
        let packed = Fr(UInt64(0 + (2 << 3) + (7 << 6)))
        XCTAssertEqual(c, PoseidonSponge.hash([Fr(9), packed], domain: TensorCommitment.domain))
    }

    /// Any changed value, a changed salt, or values moved between tensors change the commitment;
    /// values outside the bounds are refused.
    func testCommitmentBindsValuesSaltAndBounds() throws {
        var rng = SeededRNG(seed: 22)
        let l = layouts()
        let values = randomValues(l, &rng)
        let c = try TensorCommitment.commit(values, layouts: l, salt: .zero)
        for (t, i) in [(0, 0), (0, 69), (1, 4), (2, 300)] {
            var v = values
            v[t][i] = v[t][i] == l[t].upper ? v[t][i] - 1 : v[t][i] + 1
            XCTAssertNotEqual(try TensorCommitment.commit(v, layouts: l, salt: .zero), c, "tensor \(t)[\(i)]")
        }
        XCTAssertNotEqual(try TensorCommitment.commit(values, layouts: l, salt: .one), c)
        var outside = values
        outside[0][3] = 128
        XCTAssertThrowsError(try TensorCommitment.commit(outside, layouts: l, salt: .zero))
        XCTAssertThrowsError(try TensorCommitment.commit([values[0]], layouts: l, salt: .zero))
    }
}
