import Foundation

/// Multi-scalar multiplication Σ kᵢ·Pᵢ by Pippenger's bucket method.
///
/// The points are split into one chunk per thread; each chunk runs the bucket method over
/// all windows, and the partial sums are added at the end. Zero scalars are skipped and
/// scalars equal to one cost one mixed addition, which matters for zkML witnesses, most of
/// whose entries are range-check bits. Not constant-time: the scalars steer memory access.
public enum MSM {
    /// Window width in bits for `n` points (about log2(n)·0.69 + 2, as is usual).
    public static func windowBits(for n: Int) -> Int {
        if n < 32 { return 3 }
        let lg = Int.bitWidth - n.leadingZeroBitCount - 1
        return max(3, lg * 69 / 100 + 2)
    }

    /// Σ scalars[i]·bases[i]; traps when the lengths differ (say what you mean with `unchecked`).
    public static func multiply<C: CurveParameters>(
        bases: [AffinePoint<C>], scalars: [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count, "MSM: \(bases.count) bases but \(scalars.count) scalars")
        return multiply(bases: bases[...], scalars: scalars[...], threads: threads)
    }

    public static func multiply<C: CurveParameters>(
        bases: ArraySlice<AffinePoint<C>>, scalars: ArraySlice<Fr>, threads: Int
    ) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count, "MSM: \(bases.count) bases but \(scalars.count) scalars")
        let n = bases.count
        if n == 0 { return .infinity }
        let t = max(1, min(threads, n / 1024 + 1))
        if t == 1 {
            return pippenger(bases: bases, scalars: scalars)
        }
        let chunk = (n + t - 1) / t
        var partial = [JacobianPoint<C>](repeating: .infinity, count: t)
        partial.withUnsafeMutableBufferPointer { out in
            let outPtr = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: t) { i in
                let lo = bases.startIndex + i * chunk
                let hi = min(lo + chunk, bases.endIndex)
                if lo >= hi { return }
                let so = scalars.startIndex + i * chunk
                outPtr[i] = pippenger(bases: bases[lo..<hi], scalars: scalars[so..<(so + hi - lo)])
            }
        }
        return partial.reduce(.infinity, +)
    }

    /// The single-threaded bucket method on one chunk.
    @inlinable
    static func pippenger<C: CurveParameters>(bases: ArraySlice<AffinePoint<C>>, scalars: ArraySlice<Fr>) -> JacobianPoint<C> {
        let n = bases.count
        // Canonical scalars; ones go straight into `direct`, zeros are dropped.
        var direct = JacobianPoint<C>.infinity
        var ks = [(UInt64, UInt64, UInt64, UInt64)]()
        var ps = [AffinePoint<C>]()
        ks.reserveCapacity(n); ps.reserveCapacity(n)
        var maxTop: UInt64 = 0
        for (b, s) in zip(bases, scalars) {
            if s.isZero || b.isInfinity { continue }
            if s == Fr.one { direct += b; continue }
            let c = s.canonicalLimbs
            ks.append(c); ps.append(b)
            maxTop |= c.3 | c.2 | c.1
        }
        if ks.isEmpty { return direct }
        let c = windowBits(for: ks.count)
        // Small scalars (all under 2^64) need only the low windows.
        let bits = maxTop == 0 ? 64 : 254
        let windows = (bits + c - 1) / c
        let mask = (UInt64(1) << UInt64(c)) - 1
        var buckets = [JacobianPoint<C>](repeating: .infinity, count: 1 << c)
        var windowSums = [JacobianPoint<C>]()
        windowSums.reserveCapacity(windows)
        for w in 0..<windows {
            let shift = w * c
            for i in 0..<buckets.count { buckets[i] = .infinity }
            for i in 0..<ks.count {
                let d = digit(ks[i], shift: shift, mask: mask)
                if d != 0 { buckets[Int(d)] += ps[i] }
            }
            // Σ j·bucket[j] by running sums from the top.
            var running = JacobianPoint<C>.infinity
            var sum = JacobianPoint<C>.infinity
            for j in stride(from: buckets.count - 1, through: 1, by: -1) {
                running += buckets[j]
                sum += running
            }
            windowSums.append(sum)
        }
        var acc = JacobianPoint<C>.infinity
        for w in stride(from: windows - 1, through: 0, by: -1) {
            for _ in 0..<c { acc = acc.doubled() }
            acc += windowSums[w]
        }
        return acc + direct
    }

    /// The c-bit window of a 256-bit scalar starting at bit `shift`.
    @inlinable @inline(__always)
    static func digit(_ k: (UInt64, UInt64, UInt64, UInt64), shift: Int, mask: UInt64) -> UInt64 {
        let limb = shift >> 6, off = UInt64(shift & 63)
        @inline(__always) func l(_ i: Int) -> UInt64 {
            switch i { case 0: return k.0; case 1: return k.1; case 2: return k.2; case 3: return k.3; default: return 0 }
        }
        var v = l(limb) >> off
        if off != 0 { v |= l(limb + 1) << (64 - off) }
        return v & mask
    }

    /// The naive Σ kᵢ·Pᵢ, for tests.
    public static func naive<C: CurveParameters>(bases: [AffinePoint<C>], scalars: [Fr]) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count)
        var acc = JacobianPoint<C>.infinity
        for (b, s) in zip(bases, scalars) { acc += JacobianPoint(b).multiplied(by: s) }
        return acc
    }
}
