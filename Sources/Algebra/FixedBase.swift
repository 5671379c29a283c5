import Foundation

/// Fixed-base scalar multiplication with a windowed table: k·G = Σⱼ T[j][digitⱼ(k)], where
/// T[j][d] = d·2^(w·j)·G. Used by the trusted setup, which multiplies one generator by
/// millions of scalars. Not constant-time.
public struct FixedBaseTable<C: CurveParameters>: Sendable {
    public let windowBits: Int
    @usableFromInline let windows: Int
    /// Row-major: table[j * (2^w − 1) + (d − 1)].
    @usableFromInline let table: [AffinePoint<C>]

    @inlinable
    public init(base: AffinePoint<C>, windowBits w: Int = 8) {
        windowBits = w
        windows = (254 + w - 1) / w
        let row = (1 << w) - 1
        var pts = [JacobianPoint<C>]()
        pts.reserveCapacity(windows * row)
        var g = JacobianPoint<C>(base)
        for _ in 0..<windows {
            var acc = g
            for _ in 0..<row { pts.append(acc); acc = acc + g }
            g = acc  // 2^w · g
        }
        table = JacobianPoint<C>.batchNormalize(pts)
    }

    @inlinable
    public func multiply(_ k: Fr) -> JacobianPoint<C> {
        let l = k.canonicalLimbs
        let mask = (UInt64(1) << UInt64(windowBits)) - 1
        let row = (1 << windowBits) - 1
        var acc = JacobianPoint<C>.infinity
        for j in 0..<windows {
            let d = Int(MSM.digit(l, shift: j * windowBits, mask: mask))
            if d != 0 { acc += table[j * row + d - 1] }
        }
        return acc
    }

    /// k·G for every scalar, in affine form, spread over `threads`.
    @inlinable
    public func multiply(_ ks: [Fr], threads: Int) -> [AffinePoint<C>] {
        let n = ks.count
        if n == 0 { return [] }
        var out = [AffinePoint<C>](repeating: .infinity, count: n)
        let chunks = max(1, min(threads * 4, n / 256 + 1))
        let per = (n + chunks - 1) / chunks
        out.withUnsafeMutableBufferPointer { buf in
            let o = buf.baseAddress!
            parallelFor(chunks, threads: threads) { c in
                let lo = c * per, hi = min(n, lo + per)
                if lo >= hi { return }
                let pts = (lo..<hi).map { multiply(ks[$0]) }
                let aff = JacobianPoint<C>.batchNormalize(pts)
                for i in lo..<hi { o[i] = aff[i - lo] }
            }
        }
        return out
    }
}
