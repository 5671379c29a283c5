import Algebra
import ArgumentParser
import CGMP
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Support
import Groth16
import Verifier

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmarks.", subcommands: [BenchMath.self, BenchKernels.self])
}

/// Times the math core: field, curve, pairing, MSM and NTT.
struct BenchMath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "math",
        abstract: "Benchmark field, curve, pairing, MSM and NTT operations.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Skip the 2^20 MSM and NTT (for a quick run).")
    var small = false

    @Option(help: "Run only the measurements whose key contains this text.")
    var only: String?

    @Option(help: "Repeat each measurement this many times and report the median.")
    var repeats: Int = 1

    @Flag(help: "Measure process CPU time instead of wall time (steadier on a loaded machine; one thread only).")
    var cpuTime = false

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        var rng = BenchRNG(seed: 0x5EED)
        var results: [(String, Double)] = []
        func wanted(_ key: String) -> Bool { only.map { key.contains($0) || $0.contains(key) } ?? true }
        clockID = cpuTime ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC
        let repeats = max(1, self.repeats)
        func record(_ key: String, _ value: @autoclosure () -> Double) {
            guard wanted(key) else { return }
            let value = medianOf((0..<repeats).map { _ in value() })
            results.append((key, value))
            progress.phase(key, format("%.4g", value))
        }

        // Latency-bound chains: each result feeds the next operation.
        let n = 2_000_000
        var x = Fq.random(using: &rng), y = Fq.random(using: &rng)
        record("fq_mul_ns", nsPerOp(n) { for _ in 0..<n { x = x * y }; blackHole(x) })
        var a = Fr.random(using: &rng); let b = Fr.random(using: &rng)
        record("fr_mul_ns", nsPerOp(n) { for _ in 0..<n { a = a * b }; blackHole(a) })
        var t0 = x, t1 = x + y, t2 = x + x, t3 = y + y
        record("fq_mul_throughput_ns", nsPerOp(n) {
            for _ in 0..<(n / 4) { t0 = t0 * y; t1 = t1 * y; t2 = t2 * y; t3 = t3 * y }
            blackHole((t0, t1, t2, t3))
        })
        record("fq_square_ns", nsPerOp(n) { for _ in 0..<n { y = y.squared() }; blackHole(y) })
        record("fq_add_ns", nsPerOp(n) { for _ in 0..<n { x = x + y }; blackHole(x) })
        var xs = x
        record("fq_mul_swift_cios_ns", nsPerOp(n) { for _ in 0..<n { xs = Fq.swiftMontgomeryMultiply(xs, y) }; blackHole(xs) })
        var xp = x
        record("fq_mul_portable_c_ns", nsPerOp(n) { for _ in 0..<n { xp = Fq.portableMontgomeryMultiply(xp, y) }; blackHole(xp) })
        record("fq_mul_gmp_mpn_ns", gmpMulNs(count: n / 4, rng: &rng))
        var inv = Fq.random(using: &rng)
        record("fq_inverse_ns", nsPerOp(20_000) { for _ in 0..<20_000 { inv = inv.inverse()! + .one } })
        record("fq_inverse_fermat_ns", nsPerOp(2_000) { for _ in 0..<2_000 { inv = inv.inverseByFermat()! + .one } })

        let g1 = G1.generator * Fr.random(using: &rng)
        let g1a = (G1.generator * Fr.random(using: &rng)).affine
        var p1 = g1
        record("g1_add_ns", nsPerOp(200_000) { for _ in 0..<200_000 { p1 = p1 + g1a }; blackHole(p1) })
        record("g1_add_projective_ns", nsPerOp(200_000) { for _ in 0..<200_000 { p1 = p1 + g1 }; blackHole(p1) })
        record("g1_double_ns", nsPerOp(200_000) { for _ in 0..<200_000 { p1 = p1.doubled() }; blackHole(p1) })
        let g2 = G2.generator * Fr.random(using: &rng)
        var p2 = g2
        record("g2_add_ns", nsPerOp(50_000) { for _ in 0..<50_000 { p2 = p2 + g2 }; blackHole(p2) })
        record("g1_scalar_mul_us", nsPerOp(200) { for _ in 0..<200 { p1 = p1 * Fr.random(using: &rng) } } / 1000)
        record("g2_subgroup_check_us", nsPerOp(50) { for _ in 0..<50 { _ = p2.affine.isInSubgroup } } / 1000)

        let pairs = (0..<4).map { _ in ((G1.generator * Fr.random(using: &rng)).affine, (G2.generator * Fr.random(using: &rng)).affine) }
        var sink = Fq12.one
        record("pairing_ms", nsPerOp(20) { for i in 0..<20 { sink = sink * Pairing.pairing(pairs[i % 4].0, pairs[i % 4].1) } } / 1e6)
        record("multi_pairing_4_ms", nsPerOp(10) { for _ in 0..<10 { sink = sink * Pairing.multiPairing(pairs) } } / 1e6)
        record("final_exponentiation_ms", nsPerOp(20) { for _ in 0..<20 { sink = Pairing.finalExponentiation(sink) } } / 1e6)

        if wanted("groth16_verify") {
            // A one-constraint circuit x·x = y with y public: verification cost does not depend on size.
            let one = R1CS.LinearCombination([(2, Fr.one)])
            let cs = R1CS(numWires: 3, numPublicOutputs: 1, numPublicInputs: 0,
                          constraints: [.init(a: one, b: one, c: R1CS.LinearCombination([(1, Fr.one)]))])
            let pk = try Groth16Setup.setup(cs, threads: 1)
            let x = Fr(7)
            let proof = try Groth16Prover.prove(pk, witness: [.one, x * x, x], threads: 1)
            let pvk = PreparedVerifyingKey(pk.verifyingKey)
            var ok = true
            record("groth16_verify_prepared_ms", nsPerOp(20) { for _ in 0..<20 { ok = ok && (try! Groth16Verifier.verify(pvk, proof: proof, publicInputs: [x * x])) } } / 1e6)
            record("groth16_verify_oneoff_ms", nsPerOp(20) { for _ in 0..<20 { ok = ok && (try! Groth16Verifier.verify(pk.verifyingKey, proof: proof, publicInputs: [x * x])) } } / 1e6)
            precondition(ok, "benchmark proof did not verify")
        }

        let t = common.threads
        for (logN, key) in [(16, "g1_msm_16_s")] + (small ? [] : [(20, "g1_msm_20_s")]) where wanted("g1_msm_\(logN)") {
            let (bases, scalars) = randomG1Instance(count: 1 << logN, rng: &rng)
            record(key, seconds { _ = MSM.multiply(bases: bases, scalars: scalars, threads: t) })
            if logN == 16 && t != 1 {
                record("g1_msm_16_1thread_s", seconds { _ = MSM.multiply(bases: bases, scalars: scalars, threads: 1) })
            }
            if logN == 16 {
                withScalarBuckets {
                    record("g1_msm_16_1thread_scalar_buckets_s", seconds { _ = MSM.multiply(bases: bases, scalars: scalars, threads: 1) })
                }
            }
            if logN == 16 {
                let bits = scalars.indices.map { Fr(UInt64($0 & 1)) }
                record("g1_msm_16_bits_s", seconds { _ = MSM.multiply(bases: bases, scalars: bits, threads: t) })
            }
        }
        if wanted("g2_msm") {
            let (g2bases, g2scalars) = randomG2Instance(count: 1 << 16, rng: &rng)
            record("g2_msm_16_s", seconds { _ = MSM.multiply(bases: g2bases, scalars: g2scalars, threads: t) })
            withScalarBuckets {
                record("g2_msm_16_scalar_buckets_s", seconds { _ = MSM.multiply(bases: g2bases, scalars: g2scalars, threads: t) })
            }
        }

        for (logN, key) in [(16, "ntt_16_s")] + (small ? [] : [(20, "ntt_20_s")]) where wanted("ntt_\(logN)") {
            let d = try EvaluationDomain(minSize: 1 << logN)
            var v = (0..<d.size).map { _ in Fr.random(using: &rng) }
            record(key, seconds { d.ntt(&v, threads: t) })
        }
        if wanted("qap_transforms") {
            // The prover's transforms at 2^16 constraints: the A, B, C columns to the coset
            // (three inverse and three forward transforms) and H back, on a 9·2^13 domain.
            let d = try EvaluationDomain(logSize: 13, oddFactor: 9)
            var a = (0..<d.size).map { _ in Fr.random(using: &rng) }, b = a, c = a
            record("qap_transforms_16_s", seconds {
                a.withUnsafeMutableBufferPointer { ap in
                    b.withUnsafeMutableBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in d.cosetEvaluations(fromEvaluations: [ap, bp, cp], threads: t) }
                    }
                }
                d.cosetINTT(&a, threads: t)
            })
        }
        _ = (x, a, inv, p1, p2, sink)

        if common.json {
            var obj: [String: Any] = ["threads": t]
            for (k, v) in results { obj[k] = v }
            printJSON(obj)
        } else {
            print("operation                      value   (threads: \(t))")
            for (k, v) in results { print(k.padded(to: 28), format("%12.4f", v)) }
        }
    }
}

/// xorshift-based generator for benchmark inputs (not for secrets).
struct BenchRNG: RandomNumberGenerator {
    var s: UInt64
    init(seed: UInt64) { s = seed }
    mutating func next() -> UInt64 {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s
    }
}

/// Keeps a computed value alive so the optimizer cannot drop the loop that made it.
nonisolated(unsafe) let sinkBuffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
@inline(never) func blackHole<T>(_ x: T) {
    precondition(MemoryLayout<T>.size <= 4096)
    sinkBuffer.storeBytes(of: x, as: T.self)
}

/// The clock `seconds` reads: monotonic wall time, or the process's CPU time (`--cpu-time`).
nonisolated(unsafe) var clockID = CLOCK_MONOTONIC

func benchNow() -> Double {
    var ts = timespec()
    clock_gettime(clockID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func seconds(_ body: () -> Void) -> Double {
    let t0 = benchNow()
    body()
    return benchNow() - t0
}

func medianOf(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func nsPerOp(_ n: Int, _ body: () -> Void) -> Double { seconds(body) * 1e9 / Double(n) }

/// Runs body with the AVX-512 IFMA bucket kernels switched off, when they are in use (so a
/// run measures the same MSM both ways); does nothing where they are not.
func withScalarBuckets(_ body: () -> Void) {
    guard MSM.vectorKernelAvailable && MSM.vectorKernelEnabled else { return }
    MSM.vectorKernelEnabled = false
    defer { MSM.vectorKernelEnabled = true }
    body()
}

/// n distinct random points built by repeated mixed additions (cheap), then normalized.
func randomG1Instance(count n: Int, rng: inout BenchRNG) -> ([G1Affine], [Fr]) {
    var p = G1.generator * Fr.random(using: &rng)
    let step = (G1.generator * Fr.random(using: &rng)).affine
    var pts = [G1](); pts.reserveCapacity(n)
    for _ in 0..<n { pts.append(p); p = p + step }
    return (G1.batchNormalize(pts), (0..<n).map { _ in Fr.random(using: &rng) })
}

func randomG2Instance(count n: Int, rng: inout BenchRNG) -> ([G2Affine], [Fr]) {
    var p = G2.generator * Fr.random(using: &rng)
    let step = (G2.generator * Fr.random(using: &rng)).affine
    var pts = [G2](); pts.reserveCapacity(n)
    for _ in 0..<n { pts.append(p); p = p + step }
    return (G2.batchNormalize(pts), (0..<n).map { _ in Fr.random(using: &rng) })
}

/// a·b mod p with GMP's mpn layer: mpn_mul_n then mpn_tdiv_qr (no Montgomery form).
func gmpMulNs(count n: Int, rng: inout BenchRNG) -> Double {
    let m = FqParameters.modulus
    let mod: [mp_limb_t] = [UInt(m.0), UInt(m.1), UInt(m.2), UInt(m.3)]
    let a0 = Fq.random(using: &rng).canonicalLimbs, b0 = Fq.random(using: &rng).canonicalLimbs
    var a: [mp_limb_t] = [UInt(a0.0), UInt(a0.1), UInt(a0.2), UInt(a0.3)]
    let b: [mp_limb_t] = [UInt(b0.0), UInt(b0.1), UInt(b0.2), UInt(b0.3)]
    var prod = [mp_limb_t](repeating: 0, count: 8)
    var q = [mp_limb_t](repeating: 0, count: 5)
    let ns = nsPerOp(n) {
        for _ in 0..<n {
            __gmpn_mul_n(&prod, a, b, 4)
            __gmpn_tdiv_qr(&q, &a, 0, prod, 8, mod, 4)
        }
    }
    // Check the last product against the Montgomery kernel so the timing measures real work.
    var x = Fq(canonicalLimbs: a0)
    for _ in 0..<n { x = x * Fq(canonicalLimbs: b0) }
    let c = x.canonicalLimbs
    precondition([UInt(c.0), UInt(c.1), UInt(c.2), UInt(c.3)] == a, "GMP mpn multiply disagrees with the Montgomery kernel")
    return ns
}
