#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
/// Radix-2 sizes use iterative Cooley–Tukey on bit-reversed input. A size 3m transform (m a
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
        transform(&a, inverse: false, threads: threads)
    }

    /// Evaluations at ω^i → coefficients, in place.
    public func intt(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverse: true, threads: threads)
        scale(&a, by: sizeInverse, threads: threads)
    }

    /// Coefficients → evaluations at g·ω^i.
    public func cosetNTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        distributePowers(&a, cosetShift, startingAt: .one, threads: threads)
        ntt(&a, threads: threads)
    }

    /// Evaluations at g·ω^i → coefficients (the 1/n of the inverse transform folded into the
    /// coset's powers).
    public func cosetINTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverse: true, threads: threads)
        distributePowers(&a, cosetShiftInverse, startingAt: sizeInverse, threads: threads)
    }

    /// Evaluations at ω^i → evaluations at g·ω^i: `intt` then `cosetNTT`, with the 1/n and the
    /// coset's powers applied in one pass (the prover's A, B, C columns).
    public func cosetEvaluations(fromEvaluations a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverse: true, threads: threads)
        distributePowers(&a, cosetShift, startingAt: sizeInverse, threads: threads)
        transform(&a, inverse: false, threads: threads)
    }

    /// a[i] *= g^i.
    public func distributePowers(_ a: inout [Fr], _ g: Fr) {
        distributePowers(&a, g, startingAt: .one)
    }

    /// a[i] *= s·g^i, in chunks over the threads (each chunk starts from s·g^start).
    func distributePowers(_ a: inout [Fr], _ g: Fr, startingAt s: Fr,
                          threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let n = a.count
        a.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            EvaluationDomain.chunked(n, threads: threads) { lo, hi in
                var x = s * g.power(UInt64(lo))
                for i in lo..<hi { p[i] = p[i] * x; x = x * g }
            }
        }
    }

    func scale(_ a: inout [Fr], by s: Fr, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let n = a.count
        a.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            EvaluationDomain.chunked(n, threads: threads) { lo, hi in
                for i in lo..<hi { p[i] = p[i] * s }
            }
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

    /// The unnormalised transform with ω (or ω⁻¹ when `inverse`), in place.
    func transform(_ a: inout [Fr], inverse: Bool, threads: Int) {
        precondition(a.count == size, "NTT: expected \(size) values, got \(a.count)")
        let tw = inverse ? inverseTwiddles : twiddles
        let ct = inverse ? inverseCombineTwiddles : combineTwiddles
        // Scratch for the radix-3 levels: n at the top, and n/3 more for a second level (9·2^k).
        var scratch = [Fr](repeating: .zero, count: oddFactor == 9 ? size + size / 3 : oddFactor == 3 ? size : 0)
        a.withUnsafeMutableBufferPointer { abuf in
            scratch.withUnsafeMutableBufferPointer { sbuf in
                tw.withUnsafeBufferPointer { t in
                    ct.withUnsafeBufferPointer { c in
                        mixedRadix(abuf.baseAddress!, oddFactor, stride: 1, scratch: sbuf.baseAddress,
                                   twiddles: t.baseAddress!, combine: c.baseAddress, threads: threads)
                    }
                }
            }
        }
    }

    /// The transform of the odd·2^logSize values at x, in place, with the root ω^stride
    /// (ω^stride is a primitive root of that order): for odd = 1 the radix-2 transform; else the
    /// values a[3i + r] → part r (i < m), three transforms of m points with the root ω^(3·stride),
    /// then for j < m with y_r = ω^{stride·rj}·part_r[j] and ζ = ω^(n/3) a primitive cube root of
    /// unity (the same at every level):
    ///   X[j] = y0 + y1 + y2,  X[j + m] = y0 + ζy1 + ζ²y2,  X[j + 2m] = y0 + ζ²y1 + ζy2,
    /// computed as X[j + m] = y0 − y2 + ζ(y1 − y2) and X[j + 2m] = y0 − y1 − ζ(y1 − y2),
    /// since ζ² = −1 − ζ. `scratch` holds odd·2^logSize values, plus a third of that when odd
    /// is 9 (the next level's own scratch follows this level's).
    func mixedRadix(_ x: UnsafeMutablePointer<Fr>, _ odd: Int, stride: Int, scratch: UnsafeMutablePointer<Fr>?,
                    twiddles t: UnsafePointer<Fr>, combine c: UnsafePointer<Fr>?, threads: Int) {
        if odd == 1 {
            EvaluationDomain.radix2(x, logSize, t, threads: threads)
            return
        }
        let s = scratch!, c = c!
        let m = (odd / 3) << logSize
        let zeta = c[size / 3]
        EvaluationDomain.chunked(m, threads: threads) { lo, hi in
            for i in lo..<hi { s[i] = x[3 * i]; s[m + i] = x[3 * i + 1]; s[2 * m + i] = x[3 * i + 2] }
        }
        for r in 0..<3 {
            mixedRadix(s + r * m, odd / 3, stride: 3 * stride, scratch: s + 3 * m,
                       twiddles: t, combine: c, threads: threads)
        }
        EvaluationDomain.chunked(m, threads: threads) { lo, hi in
            for j in lo..<hi {
                let y0 = s[j], y1 = s[m + j] * c[stride * j], y2 = s[2 * m + j] * c[2 * stride * j]
                let d = (y1 - y2) * zeta
                x[j] = y0 + y1 + y2
                x[j + m] = y0 - y2 + d
                x[j + 2 * m] = y0 - y1 - d
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
        @inline(__always) func stage(_ h: Int, _ lo: Int, _ hi: Int) {
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
