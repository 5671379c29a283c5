#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An evaluation domain in Fr: the n-th roots of unity for n = 2^k or n = 3·2^k (n ≤ 3·2^28),
/// with the number-theoretic transform and its coset variants.
///
/// The factor 3 lets a domain follow the circuit's size more closely: 2^16 constraints plus a
/// few public inputs need 98,304 points instead of 131,072, so the prover's quotient has a
/// quarter fewer coefficients (its MSM a quarter fewer points) and its transforms are smaller.
/// Any multiplicative subgroup serves Groth16's QAP (the vanishing polynomial is Xⁿ − 1 and
/// the Lagrange basis has the same closed form), and the coset shift 5 generates Fr*, so it is
/// never in the domain.
///
/// Radix-2 sizes use iterative Cooley–Tukey on bit-reversed input. A size 3·2^k transform
/// splits its input by index mod 3 into three radix-2 transforms of 2^k points and combines
/// them with one radix-3 butterfly per output triple.
public struct EvaluationDomain: Sendable {
    public let size: Int
    /// log₂ of the power-of-two part of the size.
    public let logSize: Int
    /// Whether the size is 3·2^logSize rather than 2^logSize.
    public let hasFactorThree: Bool
    /// A primitive n-th root of unity.
    public let omega: Fr
    public let omegaInverse: Fr
    public let sizeInverse: Fr
    /// The coset shift g (the multiplicative generator 5, never an n-th root of unity).
    public let cosetShift: Fr
    public let cosetShiftInverse: Fr
    /// The radix-2 part: ω₂^j for j < 2^logSize / 2, where ω₂ = ω (or ω³ with the factor 3).
    let twiddles: [Fr]
    let inverseTwiddles: [Fr]
    /// With the factor 3: ω^j for j < 2n/3 (the combine step's ω^j and ω^2j), and inverses.
    let combineTwiddles: [Fr]
    let inverseCombineTwiddles: [Fr]

    public struct TooLarge: Error, CustomStringConvertible {
        public let requested: Int
        public var description: String { "evaluation domain of \(requested) elements exceeds 3·2^28" }
    }

    /// A primitive (3·2^28)-th root of unity: 5^((r − 1)/(3·2^28)).
    static let threeAdicRootOfUnity: Fr = {
        let order = BigUInt(3) << Fr.twoAdicity
        return Fr(FrParameters.multiplicativeGenerator).power((Fr.modulus - BigUInt.one) / order)
    }()

    /// The smallest domain with at least `minSize` elements (2^k or 3·2^k, whichever is smaller).
    public init(minSize: Int) throws {
        guard let n = EvaluationDomain.size(atLeast: minSize), let d = EvaluationDomain(exactSize: n) else {
            throw TooLarge(requested: minSize)
        }
        self = d
    }

    /// The domain of exactly n elements; nil unless n is a supported size.
    public init?(exactSize n: Int) {
        guard EvaluationDomain.isSupportedSize(n) else { return nil }
        let three = n % 3 == 0
        do { try self.init(logSize: (three ? n / 3 : n).trailingZeroBitCount, factorThree: three) } catch { return nil }
    }

    /// The smallest supported size ≥ minSize: the smaller of the next 2^k and the next 3·2^k
    /// (k ≤ 28); nil beyond 3·2^28.
    public static func size(atLeast minSize: Int) -> Int? {
        let want = max(minSize, 1)
        var candidates = [Int]()
        for k in 0...Fr.twoAdicity {
            if 1 << k >= want { candidates.append(1 << k) }
            if 3 << k >= want { candidates.append(3 << k) }
        }
        return candidates.min()
    }

    /// Whether n is 2^k or 3·2^k with k ≤ 28.
    public static func isSupportedSize(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        let m = n % 3 == 0 ? n / 3 : n
        return m & (m - 1) == 0 && m.trailingZeroBitCount <= Fr.twoAdicity
    }

    /// The domain of exactly 2^logSize (or 3·2^logSize) elements.
    public init(logSize k: Int, factorThree: Bool) throws {
        guard k >= 0 && k <= Fr.twoAdicity else { throw TooLarge(requested: (factorThree ? 3 : 1) << max(0, k)) }
        logSize = k
        hasFactorThree = factorThree
        size = (factorThree ? 3 : 1) << k
        var w = factorThree ? EvaluationDomain.threeAdicRootOfUnity : Fr.twoAdicRootOfUnity
        for _ in 0..<(Fr.twoAdicity - k) { w = w.squared() }
        omega = w
        omegaInverse = w.inverse()!
        sizeInverse = Fr(UInt64(size)).inverse()!
        cosetShift = Fr(FrParameters.multiplicativeGenerator)
        cosetShiftInverse = cosetShift.inverse()!
        let w2 = factorThree ? w * w * w : w
        let radix2 = 1 << k
        twiddles = EvaluationDomain.powers(of: w2, count: max(1, radix2 / 2))
        inverseTwiddles = EvaluationDomain.powers(of: w2.inverse()!, count: max(1, radix2 / 2))
        combineTwiddles = factorThree ? EvaluationDomain.powers(of: w, count: 2 * radix2) : []
        inverseCombineTwiddles = factorThree ? EvaluationDomain.powers(of: omegaInverse, count: 2 * radix2) : []
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
        if !hasFactorThree {
            a.withUnsafeMutableBufferPointer { buf in
                tw.withUnsafeBufferPointer { EvaluationDomain.radix2(buf.baseAddress!, logSize, $0.baseAddress!, threads: threads) }
            }
            return
        }
        // a[3i + r] → part r (i < m), three radix-2 transforms, then for j < m with
        // y_r = ω^{rj}·part_r[j] and ζ = ω^m a primitive cube root of unity:
        //   X[j] = y0 + y1 + y2,  X[j + m] = y0 + ζy1 + ζ²y2,  X[j + 2m] = y0 + ζ²y1 + ζy2,
        // computed as X[j + m] = y0 − y2 + ζ(y1 − y2) and X[j + 2m] = y0 − y1 − ζ(y1 − y2),
        // since ζ² = −1 − ζ.
        let m = 1 << logSize
        let ct = inverse ? inverseCombineTwiddles : combineTwiddles
        let zeta = ct[m]
        var parts = [Fr](repeating: .zero, count: size)
        a.withUnsafeMutableBufferPointer { abuf in
            parts.withUnsafeMutableBufferPointer { pbuf in
                let x = abuf.baseAddress!, s = pbuf.baseAddress!
                EvaluationDomain.chunked(m, threads: threads) { lo, hi in
                    for i in lo..<hi { s[i] = x[3 * i]; s[m + i] = x[3 * i + 1]; s[2 * m + i] = x[3 * i + 2] }
                }
                tw.withUnsafeBufferPointer { t in
                    for r in 0..<3 { EvaluationDomain.radix2(s + r * m, logSize, t.baseAddress!, threads: threads) }
                }
                ct.withUnsafeBufferPointer { cbuf in
                    let c = cbuf.baseAddress!
                    EvaluationDomain.chunked(m, threads: threads) { lo, hi in
                        for j in lo..<hi {
                            let y0 = s[j], y1 = s[m + j] * c[j], y2 = s[2 * m + j] * c[2 * j]
                            let d = (y1 - y2) * zeta
                            x[j] = y0 + y1 + y2
                            x[j + m] = y0 - y2 + d
                            x[j + 2 * m] = y0 - y1 - d
                        }
                    }
                }
            }
        }
    }

    /// log₂ of the blocks whose first stages run together: 2^11 elements (64 KiB) stay in
    /// the L2 cache while all their stages up to that size are done.
    static let blockBits = 11

    /// The radix-2 transform of 2^k values at p with twiddles t (ω^j, j < 2^k / 2):
    /// bit-reversal permutation, then the stages below the block size block by block (each
    /// block's data stays in cache), the wider ones stage by stage; both split over the threads
    /// from 2^14 values.
    static func radix2(_ p: UnsafeMutablePointer<Fr>, _ k: Int, _ t: UnsafePointer<Fr>, threads: Int) {
        let n = 1 << k
        if n <= 1 { return }
        let workers = threads > 1 && n >= (1 << 14) ? threads : 1
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
