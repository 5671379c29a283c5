import Algebra
import CSodium
import Verifier

/// Reports a phase of a long operation: name, item count (or 0) — for progress lines.
public typealias ProgressHandler = (_ phase: String, _ count: Int) -> Void

public struct SetupError: Error, CustomStringConvertible {
    public var description: String
}

public enum Groth16Setup {
    /// A circuit-specific trusted setup with toxic waste (τ, α, β, γ, δ) drawn from libsodium's
    /// CSPRNG and wiped with `sodium_memzero` when done.
    ///
    /// The QAP has, beyond the R1CS rows, one row per public value (and the constant wire)
    /// with Aᵢ = 1 at that row, as arkworks and snarkjs add, so that the public Aᵢ are
    /// linearly independent.
    public static func setup(_ r1cs: R1CS, threads: Int, progress: ProgressHandler = { _, _ in }) throws -> ProvingKey {
        var toxic = [Fr.random(), Fr.random(), Fr.random(), Fr.random(), Fr.random()]
        defer { toxic.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) } }
        return try setup(r1cs, tau: toxic[0], alpha: toxic[1], beta: toxic[2], gamma: toxic[3], delta: toxic[4],
                         threads: threads, progress: progress)
    }

    /// The setup with given toxic waste; for tests that need reproducible keys.
    public static func setup(_ r1cs: R1CS, tau: Fr, alpha: Fr, beta: Fr, gamma: Fr, delta: Fr,
                             threads: Int, progress: ProgressHandler = { _, _ in }) throws -> ProvingKey {
        let m = r1cs.constraints.count
        let nw = r1cs.numWires
        let np = r1cs.numPublic
        guard np + 1 <= nw else { throw SetupError(description: "the circuit has \(np) public values but only \(nw) wires") }
        let domain: EvaluationDomain
        do { domain = try EvaluationDomain(minSize: m + np + 1) } catch {
            throw SetupError(description: "\(m) constraints need a domain above 9·2^28")
        }
        let n = domain.size
        guard let gammaInv = gamma.inverse(), let deltaInv = delta.inverse() else {
            throw SetupError(description: "degenerate toxic waste (γ or δ is zero)")
        }
        let zt = domain.vanishing(at: tau)
        guard !zt.isZero else { throw SetupError(description: "degenerate toxic waste (τ is in the domain)") }

        // Lagrange basis at τ: L_k(τ) = Z(τ)·ωᵏ / (n·(τ − ωᵏ)).
        progress("lagrange", n)
        var dens = [Fr](repeating: .zero, count: n)
        var nums = [Fr](repeating: .zero, count: n)
        var wk = Fr.one
        let zn = zt * domain.sizeInverse
        for k in 0..<n { dens[k] = tau - wk; nums[k] = zn * wk; wk = wk * domain.omega }
        Fr.batchInverse(&dens)
        var lag = (0..<n).map { nums[$0] * dens[$0] }

        // Aᵢ(τ), Bᵢ(τ), Cᵢ(τ) per wire.
        progress("qap", m)
        var at = [Fr](repeating: .zero, count: nw), bt = at, ct = at
        for (k, c) in r1cs.constraints.enumerated() {
            let lk = lag[k]
            for (w, co) in zip(c.a.wires, c.a.coefficients) { at[Int(w)] += co * lk }
            for (w, co) in zip(c.b.wires, c.b.coefficients) { bt[Int(w)] += co * lk }
            for (w, co) in zip(c.c.wires, c.c.coefficients) { ct[Int(w)] += co * lk }
        }
        for i in 0...np { at[i] += lag[m + i] }

        let g1 = FixedBaseTable(base: BN254G1.generator, windowBits: FixedBaseTable<BN254G1>.windowBits(forCount: 3 * nw + n),
                                threads: threads)
        let g2 = FixedBaseTable(base: BN254G2.generator, windowBits: FixedBaseTable<BN254G2>.windowBits(forCount: nw),
                                threads: threads)
        progress("G1 A and B", 2 * nw)
        let aQuery = g1.multiply(at, threads: threads)
        let bG1 = g1.multiply(bt, threads: threads)
        progress("G2 B", nw)
        let bG2 = g2.multiply(bt, threads: threads)
        progress("G1 IC and L", nw)
        var ks = (0..<nw).map { beta * at[$0] + alpha * bt[$0] + ct[$0] }
        let ic = g1.multiply((0...np).map { ks[$0] * gammaInv }, threads: threads)
        let l = g1.multiply(((np + 1)..<nw).map { ks[$0] * deltaInv }, threads: threads)
        progress("G1 H", n - 1)
        var hs = [Fr](repeating: .zero, count: n - 1)
        var tp = zt * deltaInv
        for j in 0..<(n - 1) { hs[j] = tp; tp = tp * tau }
        let h = g1.multiply(hs, threads: threads)

        let pts1 = g1.multiply([alpha, beta, delta], threads: 1)
        let pts2 = g2.multiply([beta, gamma, delta], threads: 1)
        let vk = VerifyingKey(alpha: pts1[0], beta: pts2[0], gamma: pts2[1], delta: pts2[2], ic: ic)
        // Wipe the derived values that would reveal the toxic waste.
        for i in 0..<7 {
            switch i {
            case 0: wipe(&dens)
            case 1: wipe(&nums)
            case 2: wipe(&lag)
            case 3: wipe(&at); wipe(&bt)
            case 4: wipe(&ct)
            case 5: wipe(&ks)
            default: wipe(&hs)
            }
        }
        return ProvingKey(verifyingKey: vk, alphaG1: pts1[0], betaG1: pts1[1], deltaG1: pts1[2],
                          betaG2: pts2[0], deltaG2: pts2[2], a: aQuery, bG1: bG1, bG2: bG2, l: l, h: h,
                          domainSize: n, r1cs: r1cs)
    }

    static func wipe(_ v: inout [Fr]) {
        v.withUnsafeMutableBytes { if let b = $0.baseAddress { sodium_memzero(b, $0.count) } }
    }
}
