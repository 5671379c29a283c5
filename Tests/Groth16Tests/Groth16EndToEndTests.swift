import Algebra
import Foundation
import Groth16
import Verifier
import XCTest
@_exported import TestSupport

// MARK: - Shared fixtures for the Groth16 tests (used by the format and JSON tests too)


/// A circuit with a satisfying witness, and for each constraint a wire whose change breaks that
/// constraint first (no earlier constraint reads it).
struct G16Circuit {
    var r1cs: R1CS
    var witness: [Fr]
    var breaker: [Int]
    var publicValues: [Fr] { Array(witness[1..<(1 + r1cs.numPublic)]) }
}

enum G16Fixtures {
    typealias LC = R1CS.LinearCombination

    /// x³ + x + 5 = out. Wires: 0 one, 1 out (public), 2 x, 3 x², 4 x³.
    static func cubic(x: UInt64 = 3) -> G16Circuit {
        let cs = R1CS(
            numWires: 5, numPublicOutputs: 1, numPublicInputs: 0, numPrivateInputs: 1,
            constraints: [
                .init(a: LC([(2, .one)]), b: LC([(2, .one)]), c: LC([(3, .one)])),
                .init(a: LC([(3, .one)]), b: LC([(2, .one)]), c: LC([(4, .one)])),
                .init(a: LC([(4, .one), (2, .one), (0, Fr(5))]), b: LC([(0, .one)]), c: LC([(1, .one)])),
            ])
        let xv = Fr(x)
        let w = [Fr.one, xv * xv * xv + xv + Fr(5), xv, xv * xv, xv * xv * xv]
        return G16Circuit(r1cs: cs, witness: w, breaker: [3, 4, 1])
    }

    /// A random satisfiable circuit: `m` constraints, `outputs` public outputs, `inputs` public
    /// inputs, `seeds` private inputs. Each of the first m − outputs constraints defines a fresh
    /// private wire (A·B = k·new + Σ known terms, or a linear row with B = one); the last
    /// `outputs` constraints define the outputs. Coefficients are random field elements, some
    /// small, some zero-term rows, some repeated wires.
    static func random(seed: UInt64, constraints m: Int, outputs: Int, inputs: Int, seeds: Int = 2) -> G16Circuit {
        precondition(m >= outputs)
        var g = SeededRNG(seed: seed)
        let np = outputs + inputs
        let nw = 1 + np + seeds + (m - outputs)
        var w = [Fr](repeating: .zero, count: nw)
        w[0] = .one
        var known: [UInt32] = [0]
        for i in 0..<inputs { w[1 + outputs + i] = Fr.random(using: &g); known.append(UInt32(1 + outputs + i)) }
        for i in 0..<seeds { w[1 + np + i] = Fr.random(using: &g); known.append(UInt32(1 + np + i)) }
        func coefficient() -> Fr {
            switch g.next() % 4 {
            case 0: return .one
            case 1: return Fr(g.next() % 7 + 1)
            case 2: return Fr.zero - Fr(g.next() % 5 + 1)
            default: return Fr.random(using: &g)
            }
        }
        func randomLC(maxTerms: Int) -> LC {
            let t = 1 + Int(g.next() % UInt64(maxTerms))
            return LC((0..<t).map { _ in (known[Int(g.next() % UInt64(known.count))], coefficient()) })
        }
        var constraints = [R1CS.Constraint]()
        var breaker = [Int]()
        for k in 0..<m {
            let target = k < m - outputs ? 1 + np + seeds + k : 1 + (k - (m - outputs))
            let a = randomLC(maxTerms: 3)
            let linear = g.next() % 5 == 0
            let b = linear ? LC([(0, .one)]) : randomLC(maxTerms: 3)
            var k0 = coefficient()
            if k0.isZero { k0 = .one }
            var cTerms: [(UInt32, Fr)] = [(UInt32(target), k0)]
            if g.next() % 2 == 0 { cTerms.append(contentsOf: randomLC(maxTerms: 2).wires.map { ($0, coefficient()) }) }
            // Shuffle the target into the middle sometimes so terms are not always sorted.
            if cTerms.count > 1, g.next() % 2 == 0 { cTerms.swapAt(0, cTerms.count - 1) }
            let rest = cTerms.filter { $0.0 != UInt32(target) }
            let restSum = rest.reduce(Fr.zero) { $0 + $1.1 * w[Int($1.0)] }
            w[target] = (a.evaluate(w) * b.evaluate(w) - restSum) * k0.inverse()!
            constraints.append(.init(a: a, b: b, c: LC(cTerms)))
            breaker.append(target)
            if k < m - outputs { known.append(UInt32(target)) }
        }
        let cs = R1CS(numWires: nw, numPublicOutputs: outputs, numPublicInputs: inputs, numPrivateInputs: seeds,
                      constraints: constraints)
        precondition(cs.firstUnsatisfied(w) == nil)
        return G16Circuit(r1cs: cs, witness: w, breaker: breaker)
    }

    /// Fixed toxic waste, so keys are reproducible.
    static func setup(_ cs: R1CS, salt: UInt64 = 0) throws -> ProvingKey {
        try Groth16Setup.setup(cs, tau: Fr(1_000_003 + salt), alpha: Fr(17 + salt), beta: Fr(23 + salt),
                               gamma: Fr(29 + salt), delta: Fr(31 + salt), threads: 2)
    }

    static func prove(_ pk: ProvingKey, _ w: [Fr], r: UInt64 = 5, s: UInt64 = 7, threads: Int = 2) throws -> Proof {
        try Groth16Prover.prove(pk, witness: w, r: Fr(r), s: Fr(s), threads: threads)
    }
}

// MARK: - Tests

final class Groth16EndToEndTests: XCTestCase {
    typealias LC = R1CS.LinearCombination

    static let cubic = G16Fixtures.cubic()
    static let cubicKey = try! G16Fixtures.setup(cubic.r1cs)
    /// ~200 constraints, 3 public outputs and 4 public inputs.
    static let big = G16Fixtures.random(seed: 0xC0FFEE, constraints: 200, outputs: 3, inputs: 4)
    static let bigKey = try! G16Fixtures.setup(big.r1cs, salt: 1)
    static let bigProof = try! G16Fixtures.prove(bigKey, big.witness)

    func verify(_ pk: ProvingKey, _ p: Proof, _ pub: [Fr]) throws -> Bool {
        try Groth16Verifier.verify(pk.verifyingKey, proof: p, publicInputs: pub)
    }

    func testCubicProvesAndVerifies() throws {
        let c = Self.cubic, pk = Self.cubicKey
        XCTAssertEqual(c.publicValues, [Fr(35)])
        XCTAssertEqual(pk.domainSize, 6)  // 3 constraints + 1 public + 1: 3·2
        XCTAssertEqual(pk.verifyingKey.ic.count, 2)
        XCTAssertNoThrow(try pk.validateShape(file: "cubic"))
        let proof = try G16Fixtures.prove(pk, c.witness)
        XCTAssertTrue(try verify(pk, proof, [Fr(35)]))
        XCTAssertFalse(try verify(pk, proof, [Fr(36)]))
        // Another x gives another output: proofs verify against their own output only.
        let c5 = G16Fixtures.cubic(x: 5)
        let p5 = try G16Fixtures.prove(pk, c5.witness)
        XCTAssertTrue(try verify(pk, p5, [Fr(135)]))
        XCTAssertFalse(try verify(pk, p5, [Fr(35)]))
        // The prepared key gives the same answers.
        let pvk = PreparedVerifyingKey(pk.verifyingKey)
        XCTAssertTrue(try Groth16Verifier.verify(pvk, proof: proof, publicInputs: [Fr(35)]))
        XCTAssertFalse(try Groth16Verifier.verify(pvk, proof: p5, publicInputs: [Fr(35)]))
    }

    func testSetupAndProofAreReproducible() throws {
        let c = Self.cubic
        let k1 = try G16Fixtures.setup(c.r1cs), k2 = try G16Fixtures.setup(c.r1cs)
        XCTAssertEqual(k1, k2)
        XCTAssertNotEqual(k1, try G16Fixtures.setup(c.r1cs, salt: 9))
        let p1 = try G16Fixtures.prove(k1, c.witness, threads: 1)
        let p2 = try G16Fixtures.prove(k1, c.witness, threads: 2)
        XCTAssertEqual(p1, p2, "the parallel and serial prover must agree")
        XCTAssertNotEqual(p1, try G16Fixtures.prove(k1, c.witness, r: 6))
        XCTAssertNotEqual(p1, try G16Fixtures.prove(k1, c.witness, s: 8))
        // The big circuit: 1, 3 and 4 threads agree with 2 too (chunked constraint evaluation,
        // the A, B and C columns' transforms spread over the threads).
        for t in [1, 3, 4] {
            XCTAssertEqual(try G16Fixtures.prove(Self.bigKey, Self.big.witness, threads: t), Self.bigProof, "threads \(t)")
        }
    }

    /// The prover's jobs (the quotient, each MSM's preparation, window slices and sum) give
    /// the serial prover's proof on every thread count, on a circuit large enough for bucket
    /// windows of several hundred points and a quotient transformed on several threads.
    func testProofFromJobsMatchesSerialProver() throws {
        let c = G16Fixtures.random(seed: 0xBEEF, constraints: 8300, outputs: 2, inputs: 3)
        let pk = try G16Fixtures.setup(c.r1cs, salt: 3)
        let serial = try G16Fixtures.prove(pk, c.witness, threads: 1)
        XCTAssertTrue(try verify(pk, serial, c.publicValues))
        for t in [2, 3, 5, 8] {  // 8: the quotient itself on two threads
            XCTAssertEqual(try G16Fixtures.prove(pk, c.witness, threads: t), serial, "threads \(t)")
        }
        // A broken witness is still refused before any MSM runs.
        var w = c.witness
        w[w.count - 1] = w[w.count - 1] + .one
        XCTAssertThrowsError(try G16Fixtures.prove(pk, w, threads: 2))
    }

    func testRandomCircuitProvesAndVerifies() throws {
        let c = Self.big, pk = Self.bigKey
        XCTAssertEqual(c.r1cs.constraints.count, 200)
        XCTAssertEqual(c.r1cs.numPublic, 7)
        XCTAssertEqual(pk.domainSize, 256)
        XCTAssertEqual(pk.verifyingKey.ic.count, 8)
        XCTAssertTrue(try verify(pk, Self.bigProof, c.publicValues))
        // Zero blinding is still a valid proof.
        XCTAssertTrue(try verify(pk, try G16Fixtures.prove(pk, c.witness, r: 0, s: 0), c.publicValues))
    }

    func testRandomBlindingProofsVerify() throws {
        for (c, pk) in [(Self.cubic, Self.cubicKey), (Self.big, Self.bigKey)] {
            let p1 = try Groth16Prover.prove(pk, witness: c.witness, threads: 2)
            let p2 = try Groth16Prover.prove(pk, witness: c.witness, threads: 1)
            XCTAssertNotEqual(p1, p2, "fresh blinding should give distinct proofs")
            XCTAssertTrue(try verify(pk, p1, c.publicValues))
            XCTAssertTrue(try verify(pk, p2, c.publicValues))
        }
        // And a random (CSPRNG) setup.
        let pk = try Groth16Setup.setup(Self.cubic.r1cs, threads: 2)
        XCTAssertTrue(try verify(pk, try Groth16Prover.prove(pk, witness: Self.cubic.witness, threads: 2), [Fr(35)]))
    }

    func testSeveralRandomCircuits() throws {
        // Different shapes: outputs only, inputs only, one constraint, many publics.
        let shapes: [(UInt64, Int, Int, Int)] = [(1, 10, 1, 0), (2, 12, 0, 3), (3, 1, 1, 0), (4, 20, 5, 6), (5, 9, 0, 0)]
        for (seed, m, o, i) in shapes {
            let c = G16Fixtures.random(seed: seed, constraints: m, outputs: o, inputs: i)
            let pk = try G16Fixtures.setup(c.r1cs, salt: seed)
            let p = try G16Fixtures.prove(pk, c.witness, r: seed, s: seed + 1)
            XCTAssertTrue(try verify(pk, p, c.publicValues), "seed \(seed)")
            if !c.publicValues.isEmpty {
                var bad = c.publicValues
                bad[bad.count - 1] = bad[bad.count - 1] + .one
                XCTAssertFalse(try verify(pk, p, bad), "seed \(seed)")
            }
        }
    }

    // MARK: Soundness

    func testTamperedProofPointsAreRejected() throws {
        let pk = Self.bigKey, p = Self.bigProof, pub = Self.big.publicValues
        XCTAssertTrue(try verify(pk, p, pub))
        let g1 = G1(BN254G1.generator).affine, g2 = G2(BN254G2.generator).affine
        var variants: [(String, Proof)] = []
        func with(_ name: String, _ f: (inout Proof) -> Void) { var q = p; f(&q); variants.append((name, q)) }
        with("-A") { $0.a = -$0.a }
        with("2A") { $0.a = G1($0.a).doubled().affine }
        with("A=G1") { $0.a = g1 }
        with("A=∞") { $0.a = .infinity }
        with("-B") { $0.b = -$0.b }
        with("2B") { $0.b = G2($0.b).doubled().affine }
        with("B=G2") { $0.b = g2 }
        with("B=∞") { $0.b = .infinity }
        with("-C") { $0.c = -$0.c }
        with("2C") { $0.c = G1($0.c).doubled().affine }
        with("C=A") { $0.c = $0.a }
        with("C=∞") { $0.c = .infinity }
        with("A↔C") { let t = $0.a; $0.a = $0.c; $0.c = t }
        // Another valid proof's C with this proof's A and B.
        let other = try G16Fixtures.prove(pk, Self.big.witness, r: 11, s: 13)
        XCTAssertTrue(try verify(pk, other, pub))
        with("C from another proof") { $0.c = other.c }
        with("B from another proof") { $0.b = other.b }
        for (name, q) in variants {
            XCTAssertTrue(q.a.isOnCurve && q.b.isOnCurve && q.c.isOnCurve && q.b.isInSubgroup, name)
            XCTAssertFalse(try verify(pk, q, pub), name)
        }
    }

    func testChangedAndSwappedPublicInputsAreRejected() throws {
        let pk = Self.bigKey, p = Self.bigProof, pub = Self.big.publicValues
        for i in 0..<pub.count {
            var x = pub
            x[i] = x[i] + .one
            XCTAssertFalse(try verify(pk, p, x), "changed value \(i)")
            x[i] = .zero
            XCTAssertFalse(try verify(pk, p, x), "zeroed value \(i)")
            x[i] = Fr.zero - pub[i]
            XCTAssertFalse(try verify(pk, p, x), "negated value \(i)")
        }
        for (i, j) in [(0, 1), (0, 6), (3, 4), (2, 5)] {
            XCTAssertNotEqual(pub[i], pub[j])
            var x = pub
            x.swapAt(i, j)
            XCTAssertFalse(try verify(pk, p, x), "swapped \(i), \(j)")
        }
        XCTAssertFalse(try verify(pk, p, Array(pub.reversed())))
    }

    func testProofUnderAnotherKeyIsRejected() throws {
        let c = Self.big, p = Self.bigProof
        // Same circuit, other toxic waste.
        let pk2 = try G16Fixtures.setup(c.r1cs, salt: 2)
        XCTAssertFalse(try verify(pk2, p, c.publicValues))
        // Another circuit with the same number of public values.
        let d = G16Fixtures.random(seed: 99, constraints: 30, outputs: 3, inputs: 4)
        let pkD = try G16Fixtures.setup(d.r1cs, salt: 1)
        XCTAssertFalse(try verify(pkD, p, c.publicValues))
        let pD = try G16Fixtures.prove(pkD, d.witness)
        XCTAssertTrue(try verify(pkD, pD, d.publicValues))
        XCTAssertFalse(try verify(Self.bigKey, pD, d.publicValues))
        XCTAssertFalse(try verify(Self.bigKey, pD, c.publicValues))
    }

    func testWrongPublicInputCountThrows() throws {
        let pk = Self.bigKey, p = Self.bigProof, pub = Self.big.publicValues
        for x in [[], Array(pub.dropLast()), pub + [.one], Array(pub.prefix(1))] {
            XCTAssertThrowsError(try verify(pk, p, x)) { e in
                XCTAssertTrue(e is VerificationError, "\(x.count) values: \(e)")
                XCTAssertTrue("\(e)".contains("\(pub.count)"), "\(e)")
            }
        }
        XCTAssertThrowsError(try verify(Self.cubicKey, try G16Fixtures.prove(Self.cubicKey, Self.cubic.witness), [])) {
            XCTAssertTrue($0 is VerificationError)
        }
    }

    // MARK: Bad witnesses

    func testWitnessBreakingConstraintKIsRefusedNamingK() throws {
        func check(_ c: G16Circuit, _ pk: ProvingKey, _ ks: [Int]) {
            for k in ks {
                var w = c.witness
                w[c.breaker[k]] = w[c.breaker[k]] + Fr(3)
                XCTAssertEqual(c.r1cs.firstUnsatisfied(w), k, "fixture: wire \(c.breaker[k]) should break \(k) first")
                for threads in [1, 2] {
                    XCTAssertThrowsError(try G16Fixtures.prove(pk, w, threads: threads)) { e in
                        guard let pe = e as? ProverError else { return XCTFail("constraint \(k): \(e)") }
                        let numbers = pe.description.split(whereSeparator: { !$0.isNumber }).map(String.init)
                        XCTAssertTrue(numbers.contains(String(k)), "constraint \(k): \(pe.description)")
                        XCTAssertTrue(pe.description.contains("constraint"), pe.description)
                    }
                }
            }
        }
        check(Self.cubic, Self.cubicKey, [0, 1, 2])
        let m = Self.big.r1cs.constraints.count
        check(Self.big, Self.bigKey, [0, 1, 17, 63, 64, 100, 128, 196, m - 3, m - 2, m - 1])
        // Breaking two constraints reports the first.
        var w = Self.big.witness
        w[Self.big.breaker[150]] += .one
        w[Self.big.breaker[40]] += .one
        XCTAssertThrowsError(try G16Fixtures.prove(Self.bigKey, w)) { e in
            XCTAssertTrue("\(e)".contains("constraint 40 "), "\(e)")
        }
    }

    func testMalformedWitnessesThrow() {
        let c = Self.cubic, pk = Self.cubicKey
        var w = c.witness
        w[0] = Fr(2)
        XCTAssertThrowsError(try G16Fixtures.prove(pk, w)) { XCTAssertTrue($0 is ProverError, "\($0)") }
        w[0] = .zero
        XCTAssertThrowsError(try G16Fixtures.prove(pk, w)) { XCTAssertTrue($0 is ProverError, "\($0)") }
        for bad in [[], [Fr.one], Array(c.witness.dropLast()), c.witness + [.zero]] {
            XCTAssertThrowsError(try G16Fixtures.prove(pk, bad)) { e in
                XCTAssertTrue(e is ProverError, "\(bad.count) values: \(e)")
            }
            XCTAssertThrowsError(try Groth16Prover.prove(pk, witness: bad, threads: 1)) { XCTAssertTrue($0 is ProverError) }
        }
    }

    // MARK: The verification equation, recomputed by hand

    func testVerificationEquationHoldsWithPlainPairings() throws {
        let pk = Self.bigKey, vk = pk.verifyingKey, p = Self.bigProof, pub = Self.big.publicValues
        var acc = G1(vk.ic[0])
        for (i, x) in pub.enumerated() { acc = acc + G1(vk.ic[i + 1]) * x }
        let vkx = acc.affine
        let lhs = Pairing.pairing(p.a, p.b)
        let rhs = Pairing.pairing(vk.alpha, vk.beta) * Pairing.pairing(vkx, vk.gamma) * Pairing.pairing(p.c, vk.delta)
        XCTAssertEqual(lhs, rhs)
        XCTAssertNotEqual(lhs, Fq12.one)
        // With a wrong public value the equation fails.
        let vkxBad = (acc + G1(vk.ic[1])).affine
        XCTAssertNotEqual(lhs, Pairing.pairing(vk.alpha, vk.beta) * Pairing.pairing(vkxBad, vk.gamma) * Pairing.pairing(p.c, vk.delta))
        // The key's fixed points come from the toxic waste: α₁ = 17·G1, β₂ = 23·G2, γ₂ = 29·G2, δ₂ = 31·G2.
        XCTAssertEqual(vk.alpha, (G1(BN254G1.generator) * Fr(18)).affine)
        XCTAssertEqual(vk.beta, (G2(BN254G2.generator) * Fr(24)).affine)
        XCTAssertEqual(vk.gamma, (G2(BN254G2.generator) * Fr(30)).affine)
        XCTAssertEqual(vk.delta, (G2(BN254G2.generator) * Fr(32)).affine)
        XCTAssertEqual(pk.alphaG1, vk.alpha)
        XCTAssertEqual(pk.betaG2, vk.beta)
        XCTAssertEqual(pk.deltaG1, (G1(BN254G1.generator) * Fr(32)).affine)
    }

    // MARK: Edge shapes

    func testCircuitWithNoPublicValues() throws {
        // x·y = z, z·z = t: nothing public, IC has only the constant wire's point.
        let cs = R1CS(numWires: 5, numPublicOutputs: 0, numPublicInputs: 0, numPrivateInputs: 2,
                      constraints: [
                          .init(a: LC([(1, .one)]), b: LC([(2, .one)]), c: LC([(3, .one)])),
                          .init(a: LC([(3, .one)]), b: LC([(3, .one)]), c: LC([(4, .one)])),
                      ])
        let w = [Fr.one, Fr(3), Fr(4), Fr(12), Fr(144)]
        let pk = try G16Fixtures.setup(cs)
        XCTAssertEqual(pk.verifyingKey.ic.count, 1)
        XCTAssertEqual(pk.l.count, 4)
        let p = try G16Fixtures.prove(pk, w)
        XCTAssertTrue(try verify(pk, p, []))
        XCTAssertThrowsError(try verify(pk, p, [Fr(144)])) { XCTAssertTrue($0 is VerificationError) }
        XCTAssertFalse(try verify(pk, Proof(a: -p.a, b: p.b, c: p.c), []))
        var bad = w
        bad[4] = Fr(145)
        XCTAssertThrowsError(try G16Fixtures.prove(pk, bad)) { XCTAssertTrue("\($0)".contains("constraint 1 "), "\($0)") }
        // The random generator's variant with more constraints.
        let c = G16Fixtures.random(seed: 77, constraints: 40, outputs: 0, inputs: 0, seeds: 3)
        let pk2 = try G16Fixtures.setup(c.r1cs)
        XCTAssertTrue(try verify(pk2, try G16Fixtures.prove(pk2, c.witness), []))
    }

    func testDomainExactlyFull() throws {
        // constraints + public + 1 == 2^k exactly, for several k and public counts.
        for (m, o, i, n) in [(5, 1, 1, 8), (6, 1, 0, 8), (9, 3, 3, 16), (60, 2, 1, 64), (1, 0, 0, 2), (2, 1, 0, 4)] {
            XCTAssertEqual(m + o + i + 1, n)
            let c = G16Fixtures.random(seed: UInt64(100 + m), constraints: m, outputs: o, inputs: i)
            let pk = try G16Fixtures.setup(c.r1cs, salt: UInt64(m))
            XCTAssertEqual(pk.domainSize, n, "m=\(m)")
            XCTAssertEqual(pk.h.count, n - 1)
            let p = try G16Fixtures.prove(pk, c.witness)
            XCTAssertTrue(try verify(pk, p, c.publicValues), "m=\(m)")
            var bad = c.witness
            bad[c.breaker[m - 1]] += .one
            XCTAssertThrowsError(try G16Fixtures.prove(pk, bad), "m=\(m)")
            if !c.publicValues.isEmpty {
                var x = c.publicValues
                x[0] += .one
                XCTAssertFalse(try verify(pk, p, x), "m=\(m)")
            }
        }
        // One more constraint spills into the next domain: the smallest 2^k, 3·2^k or 9·2^k
        // (9 rows → 9, 13 → 16, 25 → 32, 33 → 36, 43 → 48, 1100 → 1152 = 9·2^7).
        for (m, n) in [(6, 9), (10, 16), (22, 32), (30, 36), (40, 48), (1097, 1152)] {
            let c = G16Fixtures.random(seed: UInt64(7 + m), constraints: m, outputs: 1, inputs: 1)
            let pk = try G16Fixtures.setup(c.r1cs)
            XCTAssertEqual(pk.domainSize, n, "m=\(m)")
            XCTAssertEqual(pk.h.count, n - 1)
            let p = try G16Fixtures.prove(pk, c.witness, threads: 2)
            XCTAssertTrue(try verify(pk, p, c.publicValues), "m=\(m)")
            var x = c.publicValues
            x[0] += .one
            XCTAssertFalse(try verify(pk, p, x), "m=\(m)")
            var bad = c.witness
            bad[c.breaker[m - 1]] += .one
            XCTAssertThrowsError(try G16Fixtures.prove(pk, bad), "m=\(m)")
        }
    }

    func testCircuitsWithoutConstraints() throws {
        // No constraints: the domain holds only the public rows (sizes 1, 2 and 3).
        for (np, n) in [(0, 1), (1, 2), (2, 3)] {
            let cs = R1CS(numWires: np + 2, numPublicOutputs: 0, numPublicInputs: np, numPrivateInputs: 1, constraints: [])
            let w = [Fr.one] + (0..<np).map { Fr(UInt64(10 + $0)) } + [Fr(99)]
            let pk = try G16Fixtures.setup(cs, salt: UInt64(np))
            XCTAssertEqual(pk.domainSize, n, "np=\(np)")
            let p = try G16Fixtures.prove(pk, w, threads: 2)
            XCTAssertTrue(try verify(pk, p, Array(w[1..<(1 + np)])), "np=\(np)")
            if np > 0 { XCTAssertFalse(try verify(pk, p, Array(repeating: Fr(1), count: np)), "np=\(np)") }
        }
    }

    func testDegenerateToxicWasteIsRefused() {
        let cs = Self.cubic.r1cs
        XCTAssertThrowsError(try Groth16Setup.setup(cs, tau: Fr(5), alpha: Fr(1), beta: Fr(2), gamma: .zero, delta: Fr(3), threads: 1)) {
            XCTAssertTrue($0 is SetupError)
        }
        XCTAssertThrowsError(try Groth16Setup.setup(cs, tau: Fr(5), alpha: Fr(1), beta: Fr(2), gamma: Fr(3), delta: .zero, threads: 1)) {
            XCTAssertTrue($0 is SetupError)
        }
        // τ = 1 is in every domain.
        XCTAssertThrowsError(try Groth16Setup.setup(cs, tau: .one, alpha: Fr(1), beta: Fr(2), gamma: Fr(3), delta: Fr(4), threads: 1)) {
            XCTAssertTrue($0 is SetupError)
        }
    }
}
