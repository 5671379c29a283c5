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
        scale(&a, by: sizeInverse)
    }

    /// Coefficients → evaluations at g·ω^i.
    public func cosetNTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        distributePowers(&a, cosetShift)
        ntt(&a, threads: threads)
    }

    /// Evaluations at g·ω^i → coefficients (the 1/n of the inverse transform folded into the
    /// coset's powers).
    public func cosetINTT(_ a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverseTwiddles, threads: threads)
        distributePowers(&a, cosetShiftInverse, startingAt: sizeInverse)
    }

    /// Evaluations at ω^i → evaluations at g·ω^i: `intt` then `cosetNTT`, with the 1/n and the
    /// coset's powers applied in one pass (the prover's A, B, C columns).
    public func cosetEvaluations(fromEvaluations a: inout [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        transform(&a, inverseTwiddles, threads: threads)
        distributePowers(&a, cosetShift, startingAt: sizeInverse)
        transform(&a, twiddles, threads: threads)
    }

    /// a[i] *= g^i.
    public func distributePowers(_ a: inout [Fr], _ g: Fr) {
        distributePowers(&a, g, startingAt: .one)
    }

    /// a[i] *= s·g^i.
    func distributePowers(_ a: inout [Fr], _ g: Fr, startingAt s: Fr) {
        var p = s
        for i in 0..<a.count { a[i] = a[i] * p; p = p * g }
    }

    func scale(_ a: inout [Fr], by s: Fr) {
        for i in 0..<a.count { a[i] = a[i] * s }
    }

    /// Evaluates the vanishing polynomial Zₙ(X) = Xⁿ − 1 at a point.
    public func vanishing(at x: Fr) -> Fr { x.power(UInt64(size)) - .one }

    @inline(__always) static func bitReverse(_ i: Int, bits: Int) -> Int {
        var x = UInt64(i), r: UInt64 = 0
        for _ in 0..<bits { r = (r << 1) | (x & 1); x >>= 1 }
        return Int(r)
    }

    /// Bit-reversal permutation then log2(n) butterfly stages; stages split over threads
    /// when n ≥ 2^14.
    func transform(_ a: inout [Fr], _ tw: [Fr], threads: Int) {
        precondition(a.count == size, "NTT: expected \(size) values, got \(a.count)")
        let n = size
        if n <= 1 { return }
        let k = logSize
        a.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for i in 0..<n {
                let j = EvaluationDomain.bitReverse(i, bits: k)
                if i < j { let t = p[i]; p[i] = p[j]; p[j] = t }
            }
            tw.withUnsafeBufferPointer { twb in
                let t = twb.baseAddress!
                let parallel = threads > 1 && n >= (1 << 14)
                var half = 1
                while half < n {
                    let stride = n / (2 * half)
                    let h = half
                    // Butterfly number b in 0..<n/2 → block b / h, offset j = b % h, stepped
                    // without a division; offset 0 has twiddle ω⁰ = 1 and no multiplication
                    // (every butterfly of the first stage, n/2 of the 17·n/2 at n = 2^17).
                    let body: (Int, Int) -> Void = { lo, hi in
                        if lo >= hi { return }
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
                    if parallel {
                        let parts = threads
                        let per = (n / 2 + parts - 1) / parts
                        parallelFor(parts, threads: parts) { c in
                            body(c * per, min(n / 2, (c + 1) * per))
                        }
                    } else {
                        body(0, n / 2)
                    }
                    half *= 2
                }
            }
        }
    }
}
