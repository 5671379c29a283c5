import Algebra
import CSodium
import Support
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
        guard let domain = EvaluationDomain(exactSize: pk.domainSize) else {
            throw ProverError(description: "domain size \(pk.domainSize) is not 2^k, 3·2^k or 9·2^k up to 9·2^28")
        }
        progress("witness", cs.constraints.count)
        var columns = try constraintColumns(pk, w, threads: threads)

        // The work as jobs (`parallelJobs`): the quotient H, and for each MSM a job that
        // prepares it (`PreparedMSM`: signs, GLV, digits), slices of its bucket windows, and a
        // job that adds the windows up and frees the prepared points. L and H appear only in
        // their sum, so they are one MSM (one set of wider windows), prepared once H is known
        // and listed right after it; then B2, A and B1. A free thread takes the first ready
        // job, so the quotient's transforms, which scale worst over threads, run on one
        // thread beside the MSMs, and the small window slices at the end keep the threads
        // finishing together. The windows do the work of one-thread MSMs. On one thread the
        // jobs run in this order.
        let np = cs.numPublic
        let quotientThreads = threads == 1 ? 1 : max(1, threads / 4)
        let slices = threads == 1 ? 1 : min(4 * threads, 32)
        enum MSMName: Int, CaseIterable { case lh, b2, a, b1 }
        enum Job { case quotient, prepare(MSMName), slice(MSMName, Int), sum(MSMName) }
        var jobs: [Job] = [.quotient]
        var prerequisites: [[Int]] = [[]]
        for m in MSMName.allCases {
            let prepare = jobs.count
            jobs.append(.prepare(m)); prerequisites.append(m == .lh ? [0] : [])
            jobs += (0..<slices).map { .slice(m, $0) }
            prerequisites += Array(repeating: [prepare], count: slices)
            jobs.append(.sum(m)); prerequisites.append(Array((prepare + 1)...(prepare + slices)))
        }
        var h = [Fr]()
        var lh: PreparedMSM<BN254G1>?, a1: PreparedMSM<BN254G1>?, b1: PreparedMSM<BN254G1>?
        var b2: PreparedMSM<BN254G2>?
        var lhSum = G1.infinity, aSum = G1.infinity, b1Sum = G1.infinity, b2Sum = G2.infinity
        let reporting = Lock()
        func report(_ phase: String, _ count: Int) { reporting.withLock { progress(phase, count) } }
        parallelJobs(jobs.count, threads: threads, prerequisites: { prerequisites[$0] }) { j in
            switch jobs[j] {
            case .quotient:
                report("quotient", domain.size)
                h = quotient(&columns, domain, threads: quotientThreads)
            case .prepare(.lh):
                report("msm L+H", pk.l.count + pk.h.count)
                lh = PreparedMSM(segments: [(pk.l[...], w[(np + 1)...]), (pk.h[...], h.prefix(pk.h.count))], slices: slices)
            case .prepare(.b2):
                report("msm B2", pk.bG2.count)
                b2 = PreparedMSM(segments: [(pk.bG2[...], w[...])], slices: slices)
            case .prepare(.a):
                report("msm A", pk.a.count)
                a1 = PreparedMSM(segments: [(pk.a[...], w[...])], slices: slices)
            case .prepare(.b1):
                report("msm B1", pk.bG1.count)
                b1 = PreparedMSM(segments: [(pk.bG1[...], w[...])], slices: slices)
            case .slice(.lh, let s): lh!.computeSlice(s)
            case .slice(.b2, let s): b2!.computeSlice(s)
            case .slice(.a, let s): a1!.computeSlice(s)
            case .slice(.b1, let s): b1!.computeSlice(s)
            case .sum(.lh): lhSum = lh!.sum; lh = nil
            case .sum(.b2): b2Sum = b2!.sum; b2 = nil
            case .sum(.a): aSum = a1!.sum; a1 = nil
            case .sum(.b1): b1Sum = b1!.sum; b1 = nil
            }
        }
        let delta1 = G1(pk.deltaG1)
        let a = aSum + pk.alphaG1 + delta1 * r
        let b2Point = b2Sum + pk.betaG2 + G2(pk.deltaG2) * s
        let b1Point = b1Sum + pk.betaG1 + delta1 * s
        let c = lhSum + a * s + b1Point * r - delta1 * (r * s)
        let aff = G1.batchNormalize([a, c])
        return Proof(a: aff[0], b: b2Point.affine, c: aff[1])
    }

    /// The constraints' A, B and C columns, each as long as the domain: row k holds constraint
    /// k's ⟨A_k, w⟩, ⟨B_k, w⟩, ⟨C_k, w⟩, and A's rows after the constraints hold the public
    /// inputs (the key's extra rows that make the public inputs independent). Throws at the
    /// first constraint the witness breaks.
    static func constraintColumns(_ pk: ProvingKey, _ w: [Fr], threads: Int) throws -> [[Fr]] {
        let cs = pk.r1cs
        let n = pk.domainSize
        let m = cs.constraints.count
        var a = [Fr](repeating: .zero, count: n), b = a, c = a
        var bad = Int.max
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
                    if bad == Int.max { for i in 0...cs.numPublic { pa[m + i] = w[i] } }
                }
            }
        }
        if bad != Int.max {
            throw ProverError(description: "the witness does not satisfy constraint \(bad) (A·B ≠ C)", unsatisfiedConstraint: bad)
        }
        return [a, b, c]
    }

    /// Coefficients of H = (A·B − C)/Z (n − 1 of them) from the constraint columns, which it
    /// uses up (the transforms run in place; B and C are freed).
    static func quotient(_ columns: inout [[Fr]], _ domain: EvaluationDomain, threads: Int) -> [Fr] {
        precondition(columns.count == 3, "quotient: expected the A, B and C columns")
        var a = columns[0], b = columns[1], c = columns[2]
        columns = []
        let n = domain.size
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let (pa, pb, pc) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
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
        b = []; c = []
        domain.cosetINTT(&a, threads: threads)
        return a
    }
}
