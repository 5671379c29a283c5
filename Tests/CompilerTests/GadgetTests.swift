import Algebra
import Compiler
import Groth16
import XCTest

/// Each gadget at its range edges: an honest witness satisfies every constraint, and changing
/// any single wire (bits, quotients, remainders, outputs) violates one.
final class GadgetTests: XCTestCase {
    /// Builds a circuit with `body` in witness mode; asserts it is satisfied and that every wire is pinned.
    private func assertSoundAndComplete(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                                        _ body: (CircuitBuilder) -> Void) {
        let cs = CircuitBuilder(computesWitness: true)
        body(cs)
        let (r1cs, witness, _) = cs.finish()
        guard let w = witness else { return XCTFail("no witness", file: file, line: line) }
        XCTAssertNil(r1cs.firstUnsatisfied(w), "\(name): honest witness rejected", file: file, line: line)
        for i in 1..<w.count {
            var bad = w
            bad[i] = bad[i] + .one
            XCTAssertNotNil(r1cs.firstUnsatisfied(bad), "\(name): wire \(i) of \(w.count) is free", file: file, line: line)
        }
    }

    /// Builds with `body`, returns whether the (possibly dishonest) witness satisfies the circuit.
    private func satisfied(_ body: (CircuitBuilder) -> Void) -> Bool {
        let cs = CircuitBuilder(computesWitness: true)
        body(cs)
        return cs.firstViolation() == nil
    }

    private func input(_ cs: CircuitBuilder, _ v: Int64, _ lo: Int64, _ hi: Int64) -> Signal {
        let w = cs.alloc(.publicInput, signed: v)
        return Signal(lc: LinearCombination(wire: w), value: v, lower: lo, upper: hi)
    }

    func testRangeCheckAcceptsEdgesAndRejectsOneBeyond() {
        for (lo, hi) in [(Int64(-128), Int64(127)), (0, 9), (-5, 5), (3, 3), (-1000, -7)] {
            for v in [lo, lo + 1, hi - 1, hi] where v >= lo && v <= hi {
                assertSoundAndComplete("range [\(lo),\(hi)] at \(v)") { cs in
                    Gadgets.rangeCheck(cs, input(cs, v, lo, hi), lower: lo, upper: hi)
                }
            }
            for v in [lo - 1, hi + 1, lo - 256, hi + 4096] {
                XCTAssertFalse(satisfied { cs in Gadgets.rangeCheck(cs, input(cs, v, lo, hi), lower: lo, upper: hi) },
                               "range [\(lo),\(hi)] accepted \(v)")
            }
        }
    }

    func testReluAtSignBoundary() {
        for v: Int64 in [-300, -2, -1, 0, 1, 2, 299] {
            assertSoundAndComplete("relu(\(v))") { cs in
                let y = Gadgets.relu(cs, input(cs, v, -300, 299))
                let out = cs.alloc(.publicOutput, signed: y.value)
                cs.enforceZero(LinearCombination(wire: out) - y.lc)
            }
            // Claiming relu(v) = v for negative v, or 0 for positive v, must fail.
            let lie: Int64 = v < 0 ? v : (v > 0 ? 0 : 1)
            XCTAssertFalse(satisfied { cs in
                let y = Gadgets.relu(cs, input(cs, v, -300, 299))
                guard let w = y.lc.wires.first.map(Int.init) else { return }
                cs.overrideValue(of: w, with: Fr(signed: lie))
            }, "relu(\(v)) = \(lie) accepted")
        }
    }

    func testShiftRightRoundsDownAtEveryBoundary() {
        let k = 4
        for q: Int64 in [-3, -1, 0, 1, 5] {
            for r: Int64 in [0, 1, 7, 8, 15] {
                let num = q * 16 + r
                assertSoundAndComplete("⌊\(num)/16⌋") { cs in
                    let n = input(cs, num, -200, 200)
                    let y = Gadgets.shiftRight(cs, n, shift: k)
                    XCTAssertEqual(y.value, q)
                    _ = Gadgets.clamp(cs, y, lower: -20, upper: 20, proveRange: true)
                }
                // q off by one with the remainder moved to compensate cannot be expressed in k bits.
                XCTAssertFalse(satisfied { cs in
                    let n = input(cs, num, -200, 200)
                    let y = Gadgets.shiftRight(cs, n, shift: k)
                    cs.overrideValue(of: Int(y.lc.wires[0]), with: Fr(signed: q + 1))
                    _ = Gadgets.clamp(cs, y, lower: -20, upper: 20, proveRange: true)
                })
            }
        }
    }

    func testClampSaturatesAtBothEnds() {
        for v: Int64 in [-1000, -129, -128, -127, 0, 126, 127, 128, 1000] {
            assertSoundAndComplete("clamp(\(v))") { cs in
                let y = Gadgets.clamp(cs, input(cs, v, -1000, 1000), lower: -128, upper: 127, proveRange: true)
                XCTAssertEqual(y.value, min(max(v, -128), 127))
                let out = cs.alloc(.publicOutput, signed: y.value)
                cs.enforceZero(LinearCombination(wire: out) - y.lc)
            }
            // Outputting the unclamped value where the clamp bites must fail.
            if v < -128 || v > 127 {
                XCTAssertFalse(satisfied { cs in
                    let y = Gadgets.clamp(cs, input(cs, v, -1000, 1000), lower: -128, upper: 127, proveRange: true)
                    let out = cs.alloc(.publicOutput, signed: v)
                    cs.enforceZero(LinearCombination(wire: out) - y.lc)
                })
            }
        }
    }

    /// The one-decomposition clamp (both sides bite, power-of-two span: ReLU to [0, 127]) at every
    /// edge, with a quotient range that is not symmetric, and lying about the result fails.
    func testPowerOfTwoClampAtEveryEdge() {
        for (lo, hi, inLo, inHi) in [(Int64(0), Int64(127), Int64(-400), Int64(700)), (-8, 7, -9, 8), (5, 6, -3, 70)] {
            let cases: [Int64] = [inLo, inLo + 1, lo - 1, lo, lo + 1, hi - 1, hi, hi + 1, inHi - 1, inHi]
            for v in cases where v >= inLo && v <= inHi {
                assertSoundAndComplete("clamp(\(v)) to [\(lo), \(hi)] from [\(inLo), \(inHi)]") { cs in
                    let y = Gadgets.clamp(cs, input(cs, v, inLo, inHi), lower: lo, upper: hi, proveRange: true)
                    XCTAssertEqual(y.value, min(max(v, lo), hi))
                    XCTAssertEqual(y.lower, lo); XCTAssertEqual(y.upper, hi)
                    let out = cs.alloc(.publicOutput, signed: y.value)
                    cs.enforceZero(LinearCombination(wire: out) - y.lc)
                }
                for lie in [v, min(max(v, lo), hi) + 1, min(max(v, lo), hi) - 1] where lie != min(max(v, lo), hi) {
                    XCTAssertFalse(satisfied { cs in
                        let y = Gadgets.clamp(cs, input(cs, v, inLo, inHi), lower: lo, upper: hi, proveRange: true)
                        let out = cs.alloc(.publicOutput, signed: lie)
                        cs.enforceZero(LinearCombination(wire: out) - y.lc)
                    }, "clamp(\(v)) to [\(lo), \(hi)] accepted \(lie)")
                }
            }
        }
        // The decomposition is cheaper than two sign decompositions.
        let cs = CircuitBuilder(computesWitness: false)
        _ = Gadgets.clamp(cs, input(cs, 0, -400, 700), lower: 0, upper: 127, proveRange: true)
        XCTAssertLessThanOrEqual(cs.numConstraints, 2 * 10 - 7 + 3 + 1)
    }

    func testMaxPicksTheLargerAndRejectsTheSmaller() {
        for (a, b): (Int64, Int64) in [(-5, 3), (3, -5), (7, 7), (-128, 127), (127, -128), (0, -1)] {
            assertSoundAndComplete("max(\(a),\(b))") { cs in
                let m = Gadgets.max2(cs, input(cs, a, -128, 127), input(cs, b, -128, 127))
                XCTAssertEqual(m.value, max(a, b))
                let out = cs.alloc(.publicOutput, signed: m.value)
                cs.enforceZero(LinearCombination(wire: out) - m.lc)
            }
            if a != b {
                XCTAssertFalse(satisfied { cs in
                    let m = Gadgets.max2(cs, input(cs, a, -128, 127), input(cs, b, -128, 127))
                    let out = cs.alloc(.publicOutput, signed: min(a, b))
                    cs.enforceZero(LinearCombination(wire: out) - m.lc)
                })
            }
        }
    }

    func testDivideByConstantRoundsHalfUp() {
        // Average of n values rounded half up: ⌊(2·sum + n) / 2n⌋, at and around each tie.
        let n: Int64 = 3
        for sum: Int64 in [-8, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 8] {
            let expected = Int64((Double(sum) / Double(n) + 0.5).rounded(.down))
            assertSoundAndComplete("avg \(sum)/\(n)") { cs in
                let s = input(cs, 2 * sum + n, -100, 100)
                let y = Gadgets.divide(cs, s, by: 2 * n, yLower: -20, yUpper: 20)
                XCTAssertEqual(y.value, expected, "sum \(sum)")
            }
            XCTAssertFalse(satisfied { cs in
                let s = input(cs, 2 * sum + n, -100, 100)
                let y = Gadgets.divide(cs, s, by: 2 * n, yLower: -20, yUpper: 20)
                cs.overrideValue(of: Int(y.lc.wires[0]), with: Fr(signed: expected + 1))
            })
        }
    }

    func testWireOrderFollowsCircom() {
        let cs = CircuitBuilder(computesWitness: true)
        let priv = cs.alloc(.privateWire, signed: 5)
        let pubIn = cs.alloc(.publicInput, signed: 7)
        let out = cs.alloc(.publicOutput, signed: 35)
        cs.enforce(LinearCombination(wire: priv), LinearCombination(wire: pubIn), LinearCombination(wire: out))
        let (r1cs, w, _) = cs.finish()
        XCTAssertEqual(r1cs.numPublicOutputs, 1)
        XCTAssertEqual(r1cs.numPublicInputs, 1)
        XCTAssertEqual(w!, [.one, Fr(35), Fr(7), Fr(5)])
        XCTAssertNil(r1cs.firstUnsatisfied(w!))
    }
}
