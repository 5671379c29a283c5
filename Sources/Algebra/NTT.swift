#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CFieldKernels
#if canImport(Glibc)
import Glibc
#endif

/// An evaluation domain in Fr: the n-th roots of unity for n = 2^k, 3·2^k or 9·2^k
/// (n ≤ 9·2^28; r − 1 = 2^28·3^2·…), with the number-theoretic transform and its coset variants.
///
/// The factors 3 and 9 let a domain follow the circuit's size more closely: 2^16 constraints
/// plus a few public inputs need 73,728 points (9·2^13) instead of 131,072, so the prover's
/// quotient has 44 % fewer coefficients (its MSM that many fewer points) and its transforms
/// are smaller. Any multiplicative subgroup serves Groth16's QAP (the vanishing polynomial is
/// Xⁿ − 1 and the Lagrange basis has the same closed form), and the coset shift 5 generates
/// Fr*, so it is never in the domain.
///
/// Radix-2 sizes use iterative Cooley–Tukey on bit-reversed input (from half-width 8 on, eight
/// butterflies at a time with AVX-512 IFMA where the CPU has it). A size 3m transform (m a
/// 2^k or 3·2^k size) splits its input by index mod 3 into three transforms of m points and
/// combines them with one radix-3 butterfly per output triple.
public struct EvaluationDomain: Sendable {
    public let size: Int
    /// log₂ of the power-of-two part of the size.
    public let logSize: Int
    /// The odd part of the size: 1, 3 or 9.
    public let oddFactor: Int
    /// A primitive n-th root of unity.
    public let omega: Fr
    public let omegaInverse: Fr
    public let sizeInverse: Fr
    /// The coset shift g (the multiplicative generator 5, never an n-th root of unity).
    public let cosetShift: Fr
    public let cosetShiftInverse: Fr
    /// The radix-2 part: ω₂^j for j < 2^logSize / 2, where ω₂ = ω^oddFactor.
    let twiddles: [Fr]
    let inverseTwiddles: [Fr]
    /// With an odd factor: ω^j for j < 2n/3, the radix-3 combine steps' ω^j and ω^2j (the level
    /// of n/3^e points reads every 3^e-th entry), and the inverses.
    let combineTwiddles: [Fr]
    let inverseCombineTwiddles: [Fr]

    /// The largest supported size.
    public static let maxSize = 9 << 28

    /// Whether the radix-2 butterflies and the radix-3 combine steps run eight at a time with
    /// AVX-512 IFMA (`zk_fr_ifma_butterflies`, `zk_fr_ifma_radix3`) on CPUs that have it. On
    /// by default, off when the environment sets `ZKSHARD_NO_IFMA`; tests and benchmarks switch
    /// it to compare the two paths. Read when a transform starts.
    nonisolated(unsafe) public static var vectorKernelEnabled: Bool = getenv("ZKSHARD_NO_IFMA") == nil

    /// Whether transforms started now use the IFMA kernels.
    public static var vectorKernelInUse: Bool { vectorKernelEnabled && zk_has_ifma != 0 }

    public struct TooLarge: Error, CustomStringConvertible {
        public let requested: Int
        public var description: String { "evaluation domain of \(requested) elements exceeds 9·2^28" }
    }

    /// A primitive (9·2^28)-th root of unity: 5^((r − 1)/(9·2^28)).
    static let largestRootOfUnity: Fr = {
        let order = BigUInt(9) << Fr.twoAdicity
        return Fr(FrParameters.multiplicativeGenerator).power((Fr.modulus - BigUInt.one) / order)
    }()

    /// The smallest domain with at least `minSize` elements (of 2^k, 3·2^k and 9·2^k).
    public init(minSize: Int) throws {
        guard let n = EvaluationDomain.size(atLeast: minSize), let d = EvaluationDomain(exactSize: n) else {
            throw TooLarge(requested: minSize)
        }
        self = d
    }

    /// The domain of exactly n elements; nil unless n is a supported size.
    public init?(exactSize n: Int) {
        guard EvaluationDomain.isSupportedSize(n) else { return nil }
        let odd = EvaluationDomain.oddPart(n)
        do { try self.init(logSize: (n / odd).trailingZeroBitCount, oddFactor: odd) } catch { return nil }
    }

    /// The smallest supported size ≥ minSize: the smallest of the next 2^k, 3·2^k and 9·2^k
    /// (k ≤ 28); nil beyond 9·2^28.
    public static func size(atLeast minSize: Int) -> Int? {
        let want = max(minSize, 1)
        var candidates = [Int]()
        for k in 0...Fr.twoAdicity {
            for odd in [1, 3, 9] where odd << k >= want { candidates.append(odd << k) }
        }
        return candidates.min()
    }

    /// Whether n is 2^k, 3·2^k or 9·2^k with k ≤ 28.
    public static func isSupportedSize(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        let m = n / oddPart(n)
        return m & (m - 1) == 0 && m.trailingZeroBitCount <= Fr.twoAdicity
    }

    /// The part of n that a domain's odd factor can take: 9, 3 or 1.
    static func oddPart(_ n: Int) -> Int { n % 9 == 0 ? 9 : n % 3 == 0 ? 3 : 1 }

    /// The domain of exactly oddFactor·2^logSize elements (oddFactor 1, 3 or 9).
    public init(logSize k: Int, oddFactor: Int = 1) throws {
        precondition([1, 3, 9].contains(oddFactor), "EvaluationDomain: the odd factor must be 1, 3 or 9")
        guard k >= 0 && k <= Fr.twoAdicity else { throw TooLarge(requested: oddFactor << max(0, k)) }
        logSize = k
        self.oddFactor = oddFactor
        size = oddFactor << k
        var w = EvaluationDomain.largestRootOfUnity
        for _ in 0..<(Fr.twoAdicity - k) { w = w.squared() }
        w = w.power(UInt64(9 / oddFactor))
        omega = w
        omegaInverse = w.inverse()!
        sizeInverse = Fr(UInt64(size)).inverse()!
        cosetShift = Fr(FrParameters.multiplicativeGenerator)
        cosetShiftInverse = cosetShift.inverse()!
        let w2 = w.power(UInt64(oddFactor))
        let radix2 = 1 << k
        twiddles = EvaluationDomain.powers(of: w2, count: max(1, radix2 / 2))
        inverseTwiddles = EvaluationDomain.powers(of: w2.inverse()!, count: max(1, radix2 / 2))
        combineTwiddles = oddFactor > 1 ? EvaluationDomain.powers(of: w, count: 2 * size / 3) : []
        inverseCombineTwiddles = oddFactor > 1 ? EvaluationDomain.powers(of: omegaInverse, count: 2 * size / 3) : []
    }

    static func powers(of x: Fr, count: Int) -> [Fr] {
        var out = [Fr](repeating: .one, count: count)
        for i in 1..<max(count, 1) { out[i] = out[i - 1] * x }
        return out
    }

    /// Coefficients → evaluations at ω^i, in place.
    public func ntt(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        withColumn(&a) { x in transform(x, inverse: false, threads: threads) }
    }

    /// Evaluations at ω^i → coefficients, in place.
    public func intt(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        withColumn(&a) { x in
            transform(x, inverse: true, threads: threads)
            let s = sizeInverse
            EvaluationDomain.chunked(size, threads: threads) { lo, hi in
                for i in lo..<hi { x[i] = x[i] * s }
            }
        }
    }

    /// Coefficients → evaluations at g·ω^i.
    public func cosetNTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        withColumn(&a) { x in
            distributePowers(x, cosetShift, startingAt: .one, threads: threads)
            transform(x, inverse: false, threads: threads)
        }
    }

    /// Evaluations at g·ω^i → coefficients (the 1/n of the inverse transform folded into the
    /// coset's powers).
    public func cosetINTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        withColumn(&a) { x in
            transform(x, inverse: true, threads: threads)
            distributePowers(x, cosetShiftInverse, startingAt: sizeInverse, threads: threads)
        }
    }

    /// Evaluations at ω^i → evaluations at g·ω^i: `intt` then `cosetNTT`, with the 1/n and the
    /// coset's powers applied in one pass.
    public func cosetEvaluations(fromEvaluations a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        withColumn(&a) { x in cosetEvaluations(fromEvaluations: [UnsafeMutableBufferPointer(start: x, count: size)], threads: threads) }
    }

    /// `cosetEvaluations(fromEvaluations:)` of several columns of `size` values each, in place
    /// (the prover's A, B and C). Transforming the columns together gives the threads whole
    /// radix-2 parts to work on: an odd-factor domain has 3 or 9 of them per column,
    /// independent of each other, and a part done on one thread needs no synchronisation
    /// between its stages. Traps when a column's length is not the domain's size.
    public func cosetEvaluations(fromEvaluations columns: [UnsafeMutableBufferPointer<Fr>],
                                 threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let cols = columns.map { col -> UnsafeMutablePointer<Fr> in
            precondition(col.count == size, "NTT: expected \(size) values, got \(col.count)")
            return col.baseAddress!
        }
        withScratch(columns: cols.count, threads: threads) { scratch in
            transform(cols, inverse: true, scratch: scratch, threads: threads)
            for x in cols { distributePowers(x, cosetShift, startingAt: sizeInverse, threads: threads) }
            transform(cols, inverse: false, scratch: scratch, threads: threads)
        }
    }

    /// a[i] *= g^i, in chunks over the threads.
    public func distributePowers(_ a: inout [Fr], _ g: Fr, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        a.withUnsafeMutableBufferPointer { buf in
            guard let x = buf.baseAddress else { return }
            distributePowers(x, count: buf.count, g, startingAt: .one, threads: threads)
        }
    }

    /// body(a's storage), after checking that a has the domain's size.
    func withColumn(_ a: inout [Fr], _ body: (UnsafeMutablePointer<Fr>) -> Void) {
        precondition(a.count == size, "NTT: expected \(size) values, got \(a.count)")
        a.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// body(scratch for `transform` of `columns` columns): with an odd factor, one column of
    /// `size` values (uninitialised, each its own allocation) for every column `transform`
    /// takes at once (`columnsPerPass`), freed afterwards; none for a 2^k domain.
    func withScratch(columns: Int, threads: Int, _ body: ([UnsafeMutablePointer<Fr>]) -> Void) {
        let count = oddFactor > 1 ? columnsPerPass(columns, threads: threads) : 0
        let scratch = (0..<count).map { _ in UnsafeMutablePointer<Fr>.allocate(capacity: size) }
        defer { for s in scratch { s.deallocate() } }
        body(scratch)
    }

    /// The unnormalised transform of one column of `size` values at x, with its own scratch.
    func transform(_ x: UnsafeMutablePointer<Fr>, inverse: Bool, threads: Int) {
        withScratch(columns: 1, threads: threads) { transform([x], inverse: inverse, scratch: $0, threads: threads) }
    }

    /// How many columns `transform` takes at once: all of them on several threads, so that
    /// their radix-2 parts go to the threads together; one at a time on one thread, which
    /// needs one column of scratch rather than one per column.
    func columnsPerPass(_ columns: Int, threads: Int) -> Int { threads > 1 ? columns : 1 }

    /// x[i] *= s·g^i for i < count (default: the domain's size), in chunks over the threads
    /// (each chunk starts from s·g^start).
    func distributePowers(_ x: UnsafeMutablePointer<Fr>, count: Int? = nil, _ g: Fr, startingAt s: Fr, threads: Int) {
        EvaluationDomain.chunked(count ?? size, threads: threads) { lo, hi in
            var y = s * g.power(UInt64(lo))
            for i in lo..<hi { x[i] = x[i] * y; y = y * g }
        }
    }

    /// Runs body(lo, hi) over 0..<n in one contiguous chunk per thread (`parallelChunks`).
    @inlinable
    public static func chunked(_ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
        parallelChunks(n, threads: threads) { _, lo, hi in body(lo, hi) }
    }

    /// Evaluates the vanishing polynomial Zₙ(X) = Xⁿ − 1 at a point.
    public func vanishing(at x: Fr) -> Fr { x.power(UInt64(size)) - .one }

    @inline(__always) static func bitReverse(_ i: Int, bits: Int) -> Int {
        // Swap halves, then quarters, … (six mask steps), then drop the unused low bits.
        var x = UInt64(truncatingIfNeeded: i)
        x = (x >> 1) & 0x5555_5555_5555_5555 | (x & 0x5555_5555_5555_5555) << 1
        x = (x >> 2) & 0x3333_3333_3333_3333 | (x & 0x3333_3333_3333_3333) << 2
        x = (x >> 4) & 0x0F0F_0F0F_0F0F_0F0F | (x & 0x0F0F_0F0F_0F0F_0F0F) << 4
        x = x.byteSwapped
        return bits == 0 ? 0 : Int(truncatingIfNeeded: x >> UInt64(64 - bits))
    }

    /// The unnormalised transform with ω (or ω⁻¹ when `inverse`) of each column, in place;
    /// with an odd factor, `scratch` has `columnsPerPass` columns (`withScratch`).
    ///
    /// With odd factor 3 the transform of x takes the parts x[3i + r] (r < 3, i < M = 2^logSize)
    /// to radix-2 transforms with the root ω³ and combines them (`combine`); with 9, each part
    /// x[3i + r₁] is itself a 3·M transform of the parts x[9i + 3r₂ + r₁]. Rather than recurse,
    /// one pass gathers a column's radix-2 parts into its scratch: part (r₁, r₂) at offset
    /// (3r₁ + r₂)·M, so that the three parts of one x[3i + r₁] lie together at r₁·3M and combine
    /// in place, and the three results then combine from scratch into x. The radix-2 parts of
    /// the columns in a pass (3 or 9 per column) go to the threads whole when there are enough
    /// of them to keep every thread busy; otherwise each part's stages are split over the
    /// threads (`radix2`).
    func transform(_ cols: [UnsafeMutablePointer<Fr>], inverse: Bool, scratch: [UnsafeMutablePointer<Fr>], threads: Int) {
        let tw = inverse ? inverseTwiddles : twiddles
        let ct = inverse ? inverseCombineTwiddles : combineTwiddles
        let k = logSize, m = 1 << k, odd = oddFactor, n = size
        tw.withUnsafeBufferPointer { tbuf in
            ct.withUnsafeBufferPointer { cbuf in
                let t = tbuf.baseAddress!
                guard odd > 1 else {
                    for x in cols { EvaluationDomain.radix2(x, k, t, threads: threads) }
                    return
                }
                let c = cbuf.baseAddress!, zeta = c[n / 3]
                // Part u = 3r₂ + r₁ of x (the values x[odd·i + u]) goes to offset (3r₁ + r₂)·M.
                let offsets = (0..<odd).map { u in odd == 9 ? (3 * (u % 3) + u / 3) * m : u * m }
                let perPass = columnsPerPass(cols.count, threads: threads)
                for first in stride(from: 0, to: cols.count, by: perPass) {
                    let pass = cols[first..<min(cols.count, first + perPass)]
                    for (j, x) in pass.enumerated() {
                        let sj = scratch[j]
                        offsets.withUnsafeBufferPointer { off in
                            EvaluationDomain.chunked(m, threads: threads) { lo, hi in
                                for i in lo..<hi {
                                    let src = x + odd * i
                                    for u in 0..<odd { sj[off[u] + i] = src[u] }
                                }
                            }
                        }
                    }
                    let parts = pass.count * odd
                    if threads > 1 && parts >= 3 * threads {
                        parallelFor(parts, threads: threads) { q in
                            EvaluationDomain.radix2(scratch[q / odd] + (q % odd) * m, k, t, threads: 1)
                        }
                    } else {
                        for q in 0..<parts { EvaluationDomain.radix2(scratch[q / odd] + (q % odd) * m, k, t, threads: threads) }
                    }
                    for (j, x) in pass.enumerated() {
                        let sj = scratch[j]
                        if odd == 9 {
                            for r in 0..<3 {
                                let region = sj + r * 3 * m
                                EvaluationDomain.combine(from: region, to: region, m, stride: 3, c, zeta, threads: threads)
                            }
                        }
                        EvaluationDomain.combine(from: sj, to: x, n / 3, stride: 1, c, zeta, threads: threads)
                    }
                }
            }
        }
    }

    /// The radix-3 step of a transform of 3m points with the root ω^stride (ω the domain's
    /// root, c[j] = ω^j): parts P_r = src[r·m ..< (r + 1)·m], already transformed with the
    /// root ω^(3·stride), give for j < m, with y_r = ω^(stride·r·j)·P_r[j] and ζ = ω^(n/3) a
    /// primitive cube root of unity,
    ///   X[j] = y0 + y1 + y2,  X[j + m] = y0 + ζy1 + ζ²y2,  X[j + 2m] = y0 + ζ²y1 + ζy2,
    /// computed as X[j + m] = y0 − y2 + ζ(y1 − y2) and X[j + 2m] = y0 − y1 − ζ(y1 − y2), since
    /// ζ² = −1 − ζ. X goes to dst, which may be src: each triple is read before it is written.
    /// Eight steps at a time with AVX-512 IFMA where the CPU has it (`zk_fr_ifma_radix3`).
    static func combine(from src: UnsafeMutablePointer<Fr>, to dst: UnsafeMutablePointer<Fr>, _ m: Int, stride: Int,
                        _ c: UnsafePointer<Fr>, _ zeta: Fr, threads: Int) {
        let vector = vectorKernelInUse, zetaWords = [zeta.v.0, zeta.v.1, zeta.v.2, zeta.v.3]
        let srcWords = UnsafeRawPointer(src).assumingMemoryBound(to: UInt64.self)
        let dstWords = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt64.self)
        let cWords = UnsafeRawPointer(c).assumingMemoryBound(to: UInt64.self)
        chunked(m, threads: threads) { lo, hi in
            // Eight steps at a time with the IFMA kernel, the rest (fewer than eight) here.
            let rest = vector ? lo + ((hi - lo) & ~7) : lo
            if rest > lo { zk_fr_ifma_radix3(srcWords, dstWords, m, stride, cWords, zetaWords, lo, rest) }
            for j in rest..<hi {
                let y0 = src[j], y1 = src[m + j] * c[stride * j], y2 = src[2 * m + j] * c[2 * stride * j]
                let d = (y1 - y2) * zeta
                dst[j] = y0 + y1 + y2
                dst[j + m] = y0 - y2 + d
                dst[j + 2 * m] = y0 - y1 - d
            }
        }
    }

    /// log₂ of the blocks whose first stages run together: 2^11 elements (64 KiB) stay in
    /// the L2 cache while all their stages up to that size are done.
    static let blockBits = 11

    /// The radix-2 transform of 2^k values at p with twiddles t (ω^j, j < 2^k / 2):
    /// bit-reversal permutation, then the stages below the block size block by block (each
    /// block's data stays in cache), the wider ones stage by stage; both split over the threads
    /// from 2^12 values (a 9·2^k domain's parts are 2^13 at 2^16 constraints).
    static func radix2(_ p: UnsafeMutablePointer<Fr>, _ k: Int, _ t: UnsafePointer<Fr>, threads: Int) {
        let n = 1 << k
        if n <= 1 { return }
        let workers = threads > 1 && n >= (1 << 12) ? threads : 1
        // Each pair (i, j = rev(i)) is swapped once, by the worker that owns the smaller index.
        parallelFor(workers, threads: workers) { c in
            for i in (c * n / workers)..<((c + 1) * n / workers) {
                let j = EvaluationDomain.bitReverse(i, bits: k)
                if i < j { let v = p[i]; p[i] = p[j]; p[j] = v }
            }
        }
        // Butterflies lo..<hi of the stage with half-width h (butterfly b → block b / h,
        // offset j = b % h, stepped without a division); offset 0 has twiddle ω⁰ = 1 and no
        // multiplication (every butterfly of the first stage).
        @inline(__always) func scalarStage(_ h: Int, _ lo: Int, _ hi: Int) {
            if lo >= hi { return }
            let stride = n / (2 * h)
            var j = lo % h
            var i0 = (lo / h) * 2 * h + j
            var b = lo
            while b < hi {
                let i1 = i0 + h
                let u = p[i0]
                let v = j == 0 ? p[i1] : p[i1] * t[j * stride]
                p[i0] = u + v
                p[i1] = u - v
                b += 1; j += 1; i0 += 1
                if j == h { j = 0; i0 += h }
            }
        }
        // The same, eight butterflies at a time with the IFMA kernel from half-width 8 on
        // (groups of eight never straddle a block there); ends off a multiple of 8 stay scalar.
        let vector = vectorKernelInUse
        let words = UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt64.self)
        let twiddleWords = UnsafeRawPointer(t).assumingMemoryBound(to: UInt64.self)
        @inline(__always) func stage(_ h: Int, _ lo: Int, _ hi: Int) {
            let lo8 = (lo + 7) & ~7, hi8 = hi & ~7
            guard vector && h >= 8 && lo8 < hi8 else { return scalarStage(h, lo, hi) }
            scalarStage(h, lo, lo8)
            zk_fr_ifma_butterflies(words, h, twiddleWords, n / (2 * h), lo8, hi8)
            scalarStage(h, hi8, hi)
        }
        let blockLog = min(k, blockBits)
        let block = 1 << blockLog, blocks = n >> blockLog
        // Stages with 2h ≤ block, block by block (block q holds butterflies q·block/2 …).
        parallelFor(workers, threads: workers) { c in
            for q in (c * blocks / workers)..<((c + 1) * blocks / workers) {
                var h = 1
                while h < block { stage(h, q * block / 2, (q + 1) * block / 2); h *= 2 }
            }
        }
        var h = block
        while h < n {
            let hh = h
            parallelFor(workers, threads: workers) { c in
                stage(hh, c * (n / 2) / workers, (c + 1) * (n / 2) / workers)
            }
            h *= 2
        }
    }
}
