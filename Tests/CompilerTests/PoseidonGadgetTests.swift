import Algebra
import Compiler
import TestSupport
import XCTest

final class PoseidonGadgetTests: XCTestCase {
    /// The gadget's output equals the native hash for every width, costs 3·(R_F·t + R_P)
    /// constraints, and the compile-time circuit equals the prove-time one.
    func testGadgetEqualsNativePoseidonForEveryWidth() throws {
        var rng = SeededRNG(seed: 11)
        for n in 1...Poseidon.maxInputs {
            let xs = (0..<n).map { _ in Fr.random(using: &rng) }
            let cs = CircuitBuilder(computesWitness: true)
            let wires = xs.map { x in cs.alloc(.privateInput, value: x) }
            let out = PoseidonGadget.hash(cs, wires.map { LinearCombination(wire: $0) })
            XCTAssertEqual(cs.value(of: out), try Poseidon.hash(xs), "width \(n + 1)")
            XCTAssertNil(cs.firstViolation(), "width \(n + 1)")
            let p = try Poseidon.parameters(width: n + 1)
            XCTAssertEqual(cs.numConstraints, 3 * (p.fullRounds * (n + 1) + p.partialRounds), "width \(n + 1)")

            let structure = CircuitBuilder(computesWitness: false)
            let w2 = xs.map { _ in structure.alloc(.privateInput, value: .zero) }
            _ = PoseidonGadget.hash(structure, w2.map { LinearCombination(wire: $0) })
            XCTAssertEqual(structure.finish().r1cs, cs.finish().r1cs, "width \(n + 1): compile and prove circuits differ")
        }
    }

    /// Inputs given as linear combinations with constants (as the commitment packing makes them).
    func testGadgetAcceptsLinearCombinationInputs() throws {
        let cs = CircuitBuilder(computesWitness: true)
        let a = cs.alloc(.privateInput, value: Fr(5)), b = cs.alloc(.privateInput, value: Fr(9))
        let lc = LinearCombination(wire: a, coefficient: Fr(3)) + LinearCombination(wire: b) + 7
        let out = PoseidonGadget.hash(cs, [lc, LinearCombination(constant: 2)])
        XCTAssertEqual(cs.value(of: out), Poseidon.hash(Fr(31), Fr(2)))
        XCTAssertNil(cs.firstViolation())
    }

    /// Soundness: every wire the gadget allocates is pinned — changing any one breaks a constraint,
    /// and changing an input changes the hash (the output combination no longer matches).
    func testEveryGadgetWireIsPinned() throws {
        var rng = SeededRNG(seed: 12)
        let xs = (0..<3).map { _ in Fr.random(using: &rng) }
        let cs = CircuitBuilder(computesWitness: true)
        let wires = xs.map { x in cs.alloc(.privateInput, value: x) }
        let out = PoseidonGadget.hash(cs, wires.map { LinearCombination(wire: $0) })
        // Bind the hash to a public wire, as the commitments do.
        let h = cs.alloc(.publicInput, value: cs.value(of: out))
        cs.enforceZero(LinearCombination(wire: h) - out)
        let (r1cs, witness, _) = cs.finish()
        let w = try XCTUnwrap(witness)
        XCTAssertNil(r1cs.firstUnsatisfied(w))
        for i in 1..<w.count {
            var bad = w
            bad[i] = bad[i] + .one
            XCTAssertNotNil(r1cs.firstUnsatisfied(bad), "wire \(i) of \(w.count) is free")
        }
    }
}
