import Foundation

/// Multi-scalar multiplication Σ kᵢ·Pᵢ by Pippenger's bucket method with signed digits
/// and batch-affine bucket accumulation.
///
/// - Scalars equal to 0 are skipped and scalars equal to 1 cost one mixed addition: zkML
///   witnesses are mostly range-check bits. Scalars below 2⁶⁴ use only the low windows.
/// - Digits are signed, in (−2^(c−1), 2^(c−1)], so a window needs 2^(c−1) buckets.
/// - Buckets are affine; additions into them are queued and done in batches that share one
///   field inversion (Montgomery's trick), about 6 multiplications per addition instead of 11.
/// - Windows are independent and are spread over the threads.
/// Not constant-time: the scalars steer memory access and branches.
public enum MSM {
    /// Window width in bits for `n` non-trivial scalars.
    @inlinable public static func windowBits(for n: Int) -> Int {
        if n < 32 { return 3 }
        let lg = Int.bitWidth - n.leadingZeroBitCount - 1
        return min(15, max(3, lg * 3 / 4 + 1))
    }

    /// Σ scalars[i]·bases[i]; traps when the lengths differ.
    @inlinable
    public static func multiply<C: CurveParameters>(
        bases: [AffinePoint<C>], scalars: [Fr], threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> JacobianPoint<C> {
        multiply(bases: bases[...], scalars: scalars[...], threads: threads)
    }

    @inlinable
    public static func multiply<C: CurveParameters>(
        bases: ArraySlice<AffinePoint<C>>, scalars: ArraySlice<Fr>, threads: Int
    ) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count, "MSM: \(bases.count) bases but \(scalars.count) scalars")
        // Trivial scalars first; the rest is canonicalised once.
        var direct = JacobianPoint<C>.infinity
        var ks = [(UInt64, UInt64, UInt64, UInt64)]()
        var ps = [AffinePoint<C>]()
        ks.reserveCapacity(bases.count); ps.reserveCapacity(bases.count)
        var high: UInt64 = 0
        for (b, s) in zip(bases, scalars) {
            if s.isZero || b.isInfinity { continue }
            if s == Fr.one { direct += b; continue }
            let c = s.canonicalLimbs
            ks.append(c); ps.append(b)
            high |= c.3 | c.2 | c.1
        }
        let n = ks.count
        if n == 0 { return direct }
        let c = windowBits(for: n)
        let bits = high == 0 ? 64 : 254
        // A carry leaves the top window only when that window uses all c bits.
        var windows = (bits + c - 1) / c
        if bits - (windows - 1) * c == c { windows += 1 }
        let digits = signedDigits(ks, c: c, windows: windows)
        var sums = [JacobianPoint<C>](repeating: .infinity, count: windows)
        sums.withUnsafeMutableBufferPointer { out in
            let outPtr = out.baseAddress!
            digits.withUnsafeBufferPointer { dg in
                let d = dg.baseAddress!
                ps.withUnsafeBufferPointer { pp in
                    let p = pp.baseAddress!
                    parallelFor(windows, threads: threads) { w in
                        outPtr[w] = windowSum(digits: d + w * n, count: n, points: p, buckets: 1 << (c - 1))
                    }
                }
            }
        }
        var acc = JacobianPoint<C>.infinity
        for w in stride(from: windows - 1, through: 0, by: -1) {
            if !acc.isInfinity { for _ in 0..<c { acc = acc.doubled() } }
            acc += sums[w]
        }
        return acc + direct
    }

    /// Window-major signed digits: digits[w·n + i] is scalar i's digit in window w.
    @inlinable
    static func signedDigits(_ ks: [(UInt64, UInt64, UInt64, UInt64)], c: Int, windows: Int) -> [Int16] {
        let n = ks.count
        let mask = (UInt64(1) << UInt64(c)) - 1
        let half = Int64(1) << Int64(c - 1)
        let full = Int64(1) << Int64(c)
        var out = [Int16](repeating: 0, count: n * windows)
        out.withUnsafeMutableBufferPointer { buf in
            let o = buf.baseAddress!
            for i in 0..<n {
                var carry: Int64 = 0
                let k = ks[i]
                for w in 0..<windows {
                    var d = Int64(digit(k, shift: w * c, mask: mask)) + carry
                    if d > half { d -= full; carry = 1 } else { carry = 0 }
                    o[w * n + i] = Int16(truncatingIfNeeded: d)
                }
            }
        }
        return out
    }

    /// The c-bit window of a 256-bit scalar starting at bit `shift` (zero past the top).
    @inlinable @inline(__always)
    static func digit(_ k: (UInt64, UInt64, UInt64, UInt64), shift: Int, mask: UInt64) -> UInt64 {
        if shift >= 256 { return 0 }
        let limb = shift >> 6, off = UInt64(shift & 63)
        @inline(__always) func l(_ i: Int) -> UInt64 {
            switch i { case 0: return k.0; case 1: return k.1; case 2: return k.2; case 3: return k.3; default: return 0 }
        }
        var v = l(limb) >> off
        if off != 0 { v |= l(limb + 1) << (64 - off) }
        return v & mask
    }

    /// Σ_j j·B_j for one window, with affine buckets filled in batches.
    @inlinable
    static func windowSum<C: CurveParameters>(
        digits: UnsafePointer<Int16>, count n: Int, points: UnsafePointer<AffinePoint<C>>, buckets m: Int
    ) -> JacobianPoint<C> {
        let acc = BatchAffineBuckets<C>(count: m, batch: min(512, max(16, m / 16)))
        for i in 0..<n {
            let d = Int(digits[i])
            if d == 0 { continue }
            let p = points[i]
            if d > 0 { acc.add(bucket: d - 1, x: p.x, y: p.y) } else { acc.add(bucket: -d - 1, x: p.x, y: -p.y) }
        }
        acc.flush()
        // Running sums from the top bucket: Σ j·B_j.
        var running = JacobianPoint<C>.infinity
        var sum = JacobianPoint<C>.infinity
        for j in stride(from: m - 1, through: 0, by: -1) {
            if acc.overflow[j].isInfinity {
                if acc.occupied[j] { running += AffinePoint<C>(x: acc.bx[j], y: acc.by[j]) }
            } else {
                running += acc.total(j)
            }
            sum += running
        }
        return sum
    }

    /// The naive Σ kᵢ·Pᵢ, for tests.
    @inlinable public static func naive<C: CurveParameters>(bases: [AffinePoint<C>], scalars: [Fr]) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count)
        var acc = JacobianPoint<C>.infinity
        for (b, s) in zip(bases, scalars) { acc += JacobianPoint(b).multiplied(by: s) }
        return acc
    }
}

/// Affine buckets whose additions are queued and carried out in batches sharing one
/// inversion. A bucket with a queued addition is busy; an addition that meets a busy bucket
/// goes into that bucket's Jacobian overflow accumulator instead (a mixed addition), so
/// skewed windows, where most digits are equal, cost no more than plain Pippenger.
/// Storage is raw memory owned by the object: the hot loop pays no copy-on-write checks.
@usableFromInline
final class BatchAffineBuckets<C: CurveParameters> {
    @usableFromInline let m: Int
    @usableFromInline let batch: Int
    @usableFromInline let bx: UnsafeMutablePointer<C.Field>
    @usableFromInline let by: UnsafeMutablePointer<C.Field>
    @usableFromInline let occupied: UnsafeMutablePointer<Bool>
    @usableFromInline let busy: UnsafeMutablePointer<Bool>
    @usableFromInline let overflow: UnsafeMutablePointer<JacobianPoint<C>>
    // The queued additions.
    @usableFromInline let qBucket: UnsafeMutablePointer<Int32>
    @usableFromInline let qx: UnsafeMutablePointer<C.Field>
    @usableFromInline let qy: UnsafeMutablePointer<C.Field>
    @usableFromInline let qDen: UnsafeMutablePointer<C.Field>
    @usableFromInline let scratch: UnsafeMutablePointer<C.Field>
    @usableFromInline var qCount = 0

    @inlinable init(count m: Int, batch: Int) {
        self.m = m
        self.batch = batch
        bx = .allocate(capacity: m); bx.initialize(repeating: .zero, count: m)
        by = .allocate(capacity: m); by.initialize(repeating: .zero, count: m)
        occupied = .allocate(capacity: m); occupied.initialize(repeating: false, count: m)
        busy = .allocate(capacity: m); busy.initialize(repeating: false, count: m)
        overflow = .allocate(capacity: m); overflow.initialize(repeating: .infinity, count: m)
        qBucket = .allocate(capacity: batch); qBucket.initialize(repeating: 0, count: batch)
        qx = .allocate(capacity: batch); qx.initialize(repeating: .zero, count: batch)
        qy = .allocate(capacity: batch); qy.initialize(repeating: .zero, count: batch)
        qDen = .allocate(capacity: batch); qDen.initialize(repeating: .zero, count: batch)
        scratch = .allocate(capacity: batch); scratch.initialize(repeating: .zero, count: batch)
    }

    @inlinable deinit {
        bx.deallocate(); by.deallocate(); occupied.deallocate(); busy.deallocate(); overflow.deallocate()
        qBucket.deallocate(); qx.deallocate(); qy.deallocate(); qDen.deallocate(); scratch.deallocate()
    }

    /// B[b] += (x, y): at once when no inversion is needed, else queued for the next batch.
    @inlinable @inline(__always)
    func add(bucket b: Int, x: C.Field, y: C.Field) {
        if busy[b] {
            // A conflict: flush if the batch already amortises an inversion well, else overflow.
            if qCount >= 32 { flush() } else { overflow[b] += AffinePoint<C>(x: x, y: y); return }
        }
        if !occupied[b] { bx[b] = x; by[b] = y; occupied[b] = true; return }
        let den: C.Field
        var qyv = y
        if bx[b] == x {
            if by[b] == y {
                // Doubling, λ = 3x²/2y: store 3x² + y so that the shared λ = (qy − y)/den holds.
                den = y.doubled()
                let xx = x.squared()
                qyv = xx.doubled() + xx + y
            } else { occupied[b] = false; return }
        } else {
            den = x - bx[b]
        }
        busy[b] = true
        qBucket[qCount] = Int32(b); qx[qCount] = x; qy[qCount] = qyv; qDen[qCount] = den
        qCount += 1
        if qCount == batch { flush() }
    }

    /// Completes the queued additions with one inversion. The prefix products run as two
    /// interleaved chains (even and odd entries) so that their multiplications overlap.
    @inlinable
    func flush() {
        let k = qCount
        if k == 0 { return }
        var acc0 = C.Field.one, acc1 = C.Field.one
        var i = 0
        while i + 1 < k {
            scratch[i] = acc0; acc0 = acc0 * qDen[i]
            scratch[i + 1] = acc1; acc1 = acc1 * qDen[i + 1]
            i += 2
        }
        if i < k { scratch[i] = acc0; acc0 = acc0 * qDen[i] }
        let both = (acc0 * acc1).inverse()!
        var inv0 = both * acc1, inv1 = both * acc0
        var j = k - 1
        if k & 1 == 1 {
            let dInv = inv0 * scratch[j]
            inv0 = inv0 * qDen[j]
            apply(j, dInv)
            j -= 1
        }
        while j > 0 {
            let d1 = inv1 * scratch[j]
            inv1 = inv1 * qDen[j]
            let d0 = inv0 * scratch[j - 1]
            inv0 = inv0 * qDen[j - 1]
            apply(j, d1)
            apply(j - 1, d0)
            j -= 2
        }
        qCount = 0
    }

    /// Finishes queued addition i given the inverse of its denominator.
    @inlinable @inline(__always)
    func apply(_ i: Int, _ dInv: C.Field) {
        let b = Int(qBucket[i])
        let x1 = bx[b], y1 = by[b], x2 = qx[i]
        let lambda = (qy[i] - y1) * dInv
        let x3 = lambda.squared() - x1 - x2
        bx[b] = x3
        by[b] = lambda * (x1 - x3) - y1
        busy[b] = false
    }

    /// Bucket b's total: the affine part plus the overflow.
    @inlinable @inline(__always)
    func total(_ b: Int) -> JacobianPoint<C> {
        occupied[b] ? overflow[b] + AffinePoint<C>(x: bx[b], y: by[b]) : overflow[b]
    }
}
