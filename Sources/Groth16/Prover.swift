import Algebra
import CSodium
import Verifier

public struct ProverError: Error, CustomStringConvertible {
    public var description: String
    /// The first constraint the witness breaks, when that is the error.
    public var unsatisfiedConstraint: Int?

    public init(description: String, unsatisfiedConstraint: Int? = nil) {
        self.description = description
        self.unsatisfiedConstraint = unsatisfiedConstraint
    }
}

public enum Groth16Prover {
    /// Proves that `witness` satisfies the key's constraint system.
    ///
    /// Fresh blinding r, s come from libsodium's CSPRNG and are wiped afterwards. A witness
    /// that breaks a constraint is refused with the constraint's index. The quotient
    /// H = (A·B − C)/Z is computed on the coset g·⟨ω⟩, where Z is the constant gⁿ − 1.
    public static func prove(_ pk: ProvingKey, witness w: [Fr], threads: Int,
                             progress: ProgressHandler = { _, _ in }) throws -> Proof {
        var rs = [Fr.random(), Fr.random()]
        defer { rs.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) } }
        return try prove(pk, witness: w, r: rs[0], s: rs[1], threads: threads, progress: progress)
    }

    /// The prover with given blinding; for reproducible tests.
    public static func prove(_ pk: ProvingKey, witness w: [Fr], r: Fr, s: Fr, threads: Int,
                             progress: ProgressHandler = { _, _ in }) throws -> Proof {
        let cs = pk.r1cs
        guard w.count == cs.numWires else {
            throw ProverError(description: "witness has \(w.count) values but the circuit has \(cs.numWires) wires")
        }
        guard w[0] == .one else { throw ProverError(description: "witness[0] must be 1 (the constant wire), found \(w[0])") }
        let h = try quotient(pk, w, threads: threads, progress: progress)

        let np = cs.numPublic
        // The MSMs one after another, each on every thread: a large MSM is cut into equal
        // parts of its points (see `MSM.multiply`), which balances the threads better than
        // running the G2 MSM beside the G1 ones. L and H appear only in their sum, so they
        // are one MSM: one set of (wider) windows for both.
        progress("msm A", pk.a.count)
        let aSum = MSM.multiply(bases: pk.a, scalars: w, threads: threads)
        progress("msm B1", pk.bG1.count)
        let b1Sum = MSM.multiply(bases: pk.bG1, scalars: w, threads: threads)
        progress("msm B2", pk.bG2.count)
        let b2Sum = MSM.multiply(bases: pk.bG2, scalars: w, threads: threads)
        progress("msm L+H", pk.l.count + pk.h.count)
        let lhSum = MSM.multiply(segments: [(pk.l[...], w[(np + 1)...]), (pk.h[...], h.prefix(pk.h.count))],
                                 threads: threads)
        let delta1 = G1(pk.deltaG1)
        let a = aSum + pk.alphaG1 + delta1 * r
        let b2 = b2Sum + pk.betaG2 + G2(pk.deltaG2) * s
        let b1 = b1Sum + pk.betaG1 + delta1 * s
        let c = lhSum + a * s + b1 * r - delta1 * (r * s)
        let aff = G1.batchNormalize([a, c])
        return Proof(a: aff[0], b: b2.affine, c: aff[1])
    }

    /// Coefficients of H = (A·B − C)/Z (n − 1 of them), checking every constraint on the way.
    static func quotient(_ pk: ProvingKey, _ w: [Fr], threads: Int, progress: ProgressHandler) throws -> [Fr] {
        let cs = pk.r1cs
        let n = pk.domainSize
        let m = cs.constraints.count
        guard let domain = EvaluationDomain(exactSize: n) else {
            throw ProverError(description: "domain size \(n) is not 2^k, 3·2^k or 9·2^k up to 9·2^28")
        }
        progress("witness", m)
        var a = [Fr](repeating: .zero, count: n), b = a, c = a
        var bad = -1
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let (pa, pb, pc) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                    let chunks = max(1, min(threads * 4, m / 1024 + 1))
                    let per = (m + chunks - 1) / chunks
                    var firstBad = [Int](repeating: Int.max, count: chunks)
                    firstBad.withUnsafeMutableBufferPointer { fb in
                        let f = fb.baseAddress!
                        parallelFor(chunks, threads: threads) { ch in
                            for k in (ch * per)..<min(m, (ch + 1) * per) {
                                let row = cs.constraints[k]
                                let x = row.a.evaluate(w), y = row.b.evaluate(w), z = row.c.evaluate(w)
                                pa[k] = x; pb[k] = y; pc[k] = z
                                if x * y != z && f[ch] == Int.max { f[ch] = k }
                            }
                        }
                    }
                    bad = firstBad.min() ?? Int.max
                    if bad != Int.max { return }
                    for i in 0...cs.numPublic { pa[m + i] = w[i] }

                    progress("ntt", 6 * n)
                    // The three columns transformed together: their radix-2 parts go to the
                    // threads whole (`EvaluationDomain.cosetEvaluations(fromEvaluations:threads:)`).
                    domain.cosetEvaluations(fromEvaluations: [ap, bp, cp], threads: threads)
                    let zInv = (domain.cosetShift.power(UInt64(n)) - .one).inverse()!
                    EvaluationDomain.chunked(n, threads: threads) { lo, hi in
                        for i in lo..<hi { pa[i] = (pa[i] * pb[i] - pc[i]) * zInv }
                    }
                }
            }
        }
        if bad != Int.max {
            throw ProverError(description: "the witness does not satisfy constraint \(bad) (A·B ≠ C)", unsatisfiedConstraint: bad)
        }
        b = []; c = []
        domain.cosetINTT(&a, threads: threads)
        return a
    }
}
