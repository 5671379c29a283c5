#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Fixed-base scalar multiplication with a windowed table: k·G = Σⱼ T[j][digitⱼ(k)], where
/// T[j][d] = d·2^(w·j)·G. Used by the trusted setup, which multiplies one generator by
/// millions of scalars. Not constant-time.
public struct FixedBaseTable<C: CurveParameters>: Sendable {
    public let windowBits: Int
    @usableFromInline let windows: Int
    /// Row-major: table[j * (2^w − 1) + (d − 1)].
    @usableFromInline let table: [AffinePoint<C>]

    /// The table of `base` with windows of w bits. Each window's row d·gⱼ (gⱼ = 2^(w·j)·G,
    /// found by doublings first) is a chain of mixed additions of gⱼ, normalised to affine
    /// with one batch inversion; the rows go to the threads (a table has ⌈254/w⌉ rows of
    /// 2^w − 1 points; built on one thread, the setup's two tables took about a third of a
    /// small circuit's setup).
    @inlinable
    public init(base: AffinePoint<C>, windowBits w: Int = 8, threads: Int = 1) {
        windowBits = w
        let windows = (254 + w - 1) / w
        self.windows = windows
        let row = (1 << w) - 1
        var starts = [JacobianPoint<C>]()
        var g = JacobianPoint<C>(base)
        for _ in 0..<windows {
            starts.append(g)
            for _ in 0..<w { g = g.doubled() }
        }
        let bases = JacobianPoint<C>.batchNormalize(starts)
        var table = [AffinePoint<C>](repeating: .infinity, count: windows * row)
        table.withUnsafeMutableBufferPointer { buf in
            let out = buf.baseAddress!
            parallelFor(windows, threads: threads) { j in
                var pts = [JacobianPoint<C>]()
                pts.reserveCapacity(row)
                var acc = JacobianPoint<C>(bases[j])
                for _ in 0..<row { pts.append(acc); acc += bases[j] }
                for (d, p) in JacobianPoint<C>.batchNormalize(pts).enumerated() { out[j * row + d] = p }
            }
        }
        self.table = table
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

    /// A window width for multiplying `count` scalars: fewer windows (additions per scalar)
    /// against a larger table ((2^w − 1) points per window to build): the w minimising
    /// windows·(count + tablePointCost·2^w), between 4 and 14.
    public static func windowBits(forCount count: Int) -> Int {
        func cost(_ w: Int) -> Int { ((254 + w - 1) / w) * (count + tablePointCost * (1 << w)) }
        return (4...14).min { cost($0) < cost($1) }!
    }

    /// What building one table point costs in batch-affine accumulation additions: a mixed
    /// Jacobian addition and its share of the row's normalisation, against an addition whose
    /// inversion is shared with its batch (and vectorised on IFMA CPUs).
    @usableFromInline static var tablePointCost: Int { 4 }

    /// k·G for every scalar, in affine form, spread over `threads`.
    ///
    /// Window by window, each scalar's accumulator gets its table point added in affine
    /// coordinates through the MSM's batch-affine buckets (`BatchAffineBuckets`, one bucket per
    /// scalar): additions share one field inversion per batch, and on BN254 G1 and G2 they run
    /// eight at a time in the AVX-512 IFMA kernels where the CPU has them. A bucket meeting its
    /// own table point or its negative is handled there too. Equal to `multiply(_:)` for every
    /// scalar (tested).
    @inlinable
    public func multiply(_ ks: [Fr], threads: Int) -> [AffinePoint<C>] {
        let n = ks.count
        if n == 0 { return [] }
        var out = [AffinePoint<C>](repeating: .infinity, count: n)
        let chunks = max(1, min(threads * 4, n / 1024 + 1))
        let per = (n + chunks - 1) / chunks
        out.withUnsafeMutableBufferPointer { buf in
            let o = buf.baseAddress!
            parallelFor(chunks, threads: threads) { c in
                let lo = c * per, hi = min(n, lo + per)
                if lo >= hi { return }
                accumulate(ks, lo..<hi, into: o)
            }
        }
        return out
    }

    /// Batch-affine accumulation of k·G for ks[range] into out[range]: the operands are the
    /// table's points in place (x then y, the layout `BatchAffineBuckets` reads).
    @inlinable
    func accumulate(_ ks: [Fr], _ range: Range<Int>, into out: UnsafeMutablePointer<AffinePoint<C>>) {
        precondition(MemoryLayout<AffinePoint<C>>.offset(of: \AffinePoint<C>.y) == MemoryLayout<C.Field>.stride,
                     "FixedBaseTable: AffinePoint must hold x then y")
        let limbs = range.map { ks[$0].canonicalLimbs }
        let mask = (UInt64(1) << UInt64(windowBits)) - 1
        let row = (1 << windowBits) - 1
        let acc = BatchAffineBuckets<C>(count: limbs.count, batch: max(16, min(MSM.batchLimit, limbs.count)))
        let pointStride = MemoryLayout<AffinePoint<C>>.stride
        table.withUnsafeBufferPointer { tb in
            let base = UnsafeRawPointer(tb.baseAddress!)
            for j in 0..<windows {
                for i in 0..<limbs.count {
                    let d = Int(MSM.digit(limbs[i], shift: j * windowBits, mask: mask))
                    if d == 0 { continue }
                    let src = (base + (j * row + d - 1) * pointStride).assumingMemoryBound(to: C.Field.self)
                    acc.add(bucket: i, src: src, neg: false)
                }
            }
            acc.finish()
        }
        acc.foldOverflow()
        for (k, i) in range.enumerated() { out[i] = acc.isOccupied(k) ? acc.bucket(k) : .infinity }
    }
}
