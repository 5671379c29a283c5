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

        // The work as jobs (`parallelJobs`): the quotient H, then the MSMs cut into parts
        // (`MSM.partCount`). L and H appear only in their sum, so they are one MSM (one set of
        // wider windows), whose parts wait for H and are listed right after it; then the
        // largest MSM first, the small A and B1 parts last, so that the threads finish close
        // together. The quotient's transforms, which scale worst over threads, run on one
        // thread beside the MSM parts. On one thread the jobs run in this order.
        let np = cs.numPublic
        let quotientThreads = threads == 1 ? 1 : max(1, threads / 4)
        let abParts = MSM.partCount(points: pk.a.count, threads: threads)
        let b2Parts = MSM.partCount(points: pk.bG2.count, threads: threads)
        let lhParts = MSM.partCount(points: pk.l.count + pk.h.count, threads: threads)
        enum Job { case quotient, lh(Int), b2(Int), a(Int), b1(Int) }
        let jobs: [Job] = [.quotient] + (0..<lhParts).map(Job.lh) + (0..<b2Parts).map(Job.b2)
            + (0..<abParts).map(Job.a) + (0..<abParts).map(Job.b1)
        var g1Sums = [JacobianPoint<BN254G1>](repeating: .infinity, count: 2 * abParts + lhParts)
        var g2Sums = [JacobianPoint<BN254G2>](repeating: .infinity, count: b2Parts)
        var h = [Fr]()
        let reporting = Lock()
        func report(_ phase: String, _ count: Int) { reporting.withLock { progress(phase, count) } }
        g1Sums.withUnsafeMutableBufferPointer { g1 in
            g2Sums.withUnsafeMutableBufferPointer { g2 in
                parallelJobs(jobs.count, threads: threads, prerequisites: { j in
                    if case .lh = jobs[j] { return [0] } else { return [] }
                }) { j in
                    switch jobs[j] {
                    case .quotient:
                        report("quotient", domain.size)
                        h = quotient(&columns, domain, threads: quotientThreads)
                    case .lh(let t):
                        if t == 0 { report("msm L+H", pk.l.count + pk.h.count) }
                        g1[2 * abParts + t] = MSM.multiply(
                            segments: [(pk.l[...], w[(np + 1)...]), (pk.h[...], h.prefix(pk.h.count))], part: t, of: lhParts)
                    case .b2(let t):
                        if t == 0 { report("msm B2", pk.bG2.count) }
                        g2[t] = MSM.multiply(segments: [(pk.bG2[...], w[...])], part: t, of: b2Parts)
                    case .a(let t):
                        if t == 0 { report("msm A", pk.a.count) }
                        g1[t] = MSM.multiply(segments: [(pk.a[...], w[...])], part: t, of: abParts)
                    case .b1(let t):
                        if t == 0 { report("msm B1", pk.bG1.count) }
                        g1[abParts + t] = MSM.multiply(segments: [(pk.bG1[...], w[...])], part: t, of: abParts)
                    }
                }
            }
        }
        let aSum = g1Sums[..<abParts].reduce(.infinity, +)
        let b1Sum = g1Sums[abParts..<(2 * abParts)].reduce(.infinity, +)
        let lhSum = g1Sums[(2 * abParts)...].reduce(.infinity, +)
        let b2Sum = g2Sums.reduce(.infinity, +)
        let delta1 = G1(pk.deltaG1)
        let a = aSum + pk.alphaG1 + delta1 * r
        let b2 = b2Sum + pk.betaG2 + G2(pk.deltaG2) * s
        let b1 = b1Sum + pk.betaG1 + delta1 * s
        let c = lhSum + a * s + b1 * r - delta1 * (r * s)
        let aff = G1.batchNormalize([a, c])
        return Proof(a: aff[0], b: b2.affine, c: aff[1])
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
