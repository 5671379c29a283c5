#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A radix-2 evaluation domain of size n = 2^k ≤ 2^28 in Fr, with the number-theoretic
/// transform (iterative Cooley–Tukey, bit-reversed input order) and its coset variants.
public struct EvaluationDomain: Sendable {
    public let size: Int
    public let logSize: Int
    /// A primitive n-th root of unity.
    public let omega: Fr
    public let omegaInverse: Fr
    public let sizeInverse: Fr
    /// The coset shift g (the multiplicative generator 5, never an n-th root of unity).
    public let cosetShift: Fr
    public let cosetShiftInverse: Fr
    /// ω^j for j < n/2.
    let twiddles: [Fr]
    let inverseTwiddles: [Fr]

    public struct TooLarge: Error, CustomStringConvertible {
        public let requested: Int
        public var description: String { "evaluation domain of \(requested) elements exceeds 2^28" }
    }

    /// The smallest domain with at least `minSize` elements.
    public init(minSize: Int) throws {
        var k = 0
        while (1 << k) < max(minSize, 1) { k += 1 }
        guard k <= Fr.twoAdicity else { throw TooLarge(requested: minSize) }
        logSize = k
        size = 1 << k
        var w = Fr.twoAdicRootOfUnity
        for _ in 0..<(Fr.twoAdicity - k) { w = w.squared() }
        omega = w
        omegaInverse = w.inverse()!
        sizeInverse = Fr(UInt64(size)).inverse()!
        cosetShift = Fr(FrParameters.multiplicativeGenerator)
        cosetShiftInverse = cosetShift.inverse()!
        twiddles = EvaluationDomain.powers(of: w, count: max(1, size / 2))
        inverseTwiddles = EvaluationDomain.powers(of: omegaInverse, count: max(1, size / 2))
    }

    static func powers(of x: Fr, count: Int) -> [Fr] {
        var out = [Fr](repeating: .one, count: count)
        for i in 1..<max(count, 1) { out[i] = out[i - 1] * x }
        return out
    }

    /// Coefficients → evaluations at ω^i, in place.
    public func ntt(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, twiddles, threads: threads)
    }

    /// Evaluations at ω^i → coefficients, in place.
    public func intt(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverseTwiddles, threads: threads)
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
        transform(&a, inverseTwiddles, threads: threads)
        distributePowers(&a, cosetShiftInverse, startingAt: sizeInverse, threads: threads)
    }

    /// Evaluations at ω^i → evaluations at g·ω^i: `intt` then `cosetNTT`, with the 1/n and the
    /// coset's powers applied in one pass (the prover's A, B, C columns).
    public func cosetEvaluations(fromEvaluations a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverseTwiddles, threads: threads)
        distributePowers(&a, cosetShift, startingAt: sizeInverse, threads: threads)
        transform(&a, twiddles, threads: threads)
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

    /// Runs body(lo, hi) over 0..<n in one contiguous chunk per thread; inline below 2^12
    /// elements, where a thread hand-off costs more than it saves.
    @inlinable
    public static func chunked(_ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let parts = n < (1 << 12) ? 1 : max(1, threads)
        if parts == 1 { body(0, n); return }
        parallelFor(parts, threads: parts) { c in
            body(c * n / parts, (c + 1) * n / parts)
        }
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

    /// log2 of the blocks whose first stages run together: 2^11 elements (64 KiB) stay in
    /// the L2 cache while all their stages up to that size are done.
    static let blockBits = 11

    /// Bit-reversal permutation then log2(n) butterfly stages. The stages below the block size
    /// run block by block (each block's data stays in cache), the wider ones stage by stage;
    /// both are split over the threads when n ≥ 2^14.
    func transform(_ a: inout [Fr], _ tw: [Fr], threads: Int) {
        precondition(a.count == size, "NTT: expected \(size) values, got \(a.count)")
        let n = size
        if n <= 1 { return }
        let k = logSize
        let parallel = threads > 1 && n >= (1 << 14)
        let workers = parallel ? threads : 1
        a.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            // Each pair (i, j = rev(i)) is swapped once, by the worker that owns the smaller index.
            parallelFor(workers, threads: workers) { c in
                for i in (c * n / workers)..<((c + 1) * n / workers) {
                    let j = EvaluationDomain.bitReverse(i, bits: k)
                    if i < j { let t = p[i]; p[i] = p[j]; p[j] = t }
                }
            }
            tw.withUnsafeBufferPointer { twb in
                let t = twb.baseAddress!
                // Butterflies lo..<hi of the stage with half-width h (butterfly b → block b / h,
                // offset j = b % h, stepped without a division); offset 0 has twiddle ω⁰ = 1 and
                // no multiplication (every butterfly of the first stage).
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
                let blockLog = min(k, EvaluationDomain.blockBits)
                let block = 1 << blockLog, blocks = n >> blockLog
                // Stages with 2h ≤ block: block by block (butterflies of block q are q·block/2 …).
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
    }
}
