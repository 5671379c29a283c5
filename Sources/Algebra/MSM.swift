import CFieldKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Multi-scalar multiplication Σ kᵢ·Pᵢ by Pippenger's bucket method with signed digits
/// and batch-affine bucket accumulation.
///
/// - Scalars equal to 0 are skipped and scalars equal to ±1 cost one mixed addition: zkML
///   witnesses are mostly range-check bits. A scalar above r/2 is taken as −(r − k) on −P.
///   Small and large scalars form two bucket MSMs, each with as many windows as its longest
///   scalar needs, so small scalars use only the low windows.
/// - On G1 and G2 each full-size scalar is split by the GLV endomorphism (`BN254GLV`) into
///   two scalars below 2¹²⁷ on P and φ(P) ((βx, y) on G1, (β²x, y) on G2): half the windows,
///   twice the points, while that pays (up to 2^17 points). MSMs of at most 24 points use
///   Straus's method instead.
/// - Digits are signed, in (−2^(c−1), 2^(c−1)], so a window needs 2^(c−1) buckets.
/// - Buckets are affine; additions into them are queued and done in batches that share one
///   field inversion (Montgomery's trick), about 6 multiplications per addition instead of 11.
///   An addition that meets a bucket with a queued addition waits for the next batch.
/// - The buckets' weighted sum Σ j·B_j is also formed with batched affine additions, on
///   independent lanes of buckets.
/// - Windows are independent and are spread over the threads.
/// Not constant-time: the scalars steer memory access and branches.
public enum MSM {
    /// Whether this CPU can run the G1 and G2 bucket kernels (AVX-512 IFMA).
    public static var vectorKernelAvailable: Bool { zk_has_ifma != 0 }

    /// Whether MSMs use the AVX-512 IFMA bucket kernels where the CPU has them. On by
    /// default, off when the environment sets `ZKSHARD_NO_IFMA`; tests and benchmarks
    /// switch it to compare the two paths. Read when an MSM starts.
    nonisolated(unsafe) public static var vectorKernelEnabled: Bool = getenv("ZKSHARD_NO_IFMA") == nil

    /// Window width in bits for `n` non-trivial full-size (254-bit) scalars without GLV.
    @inlinable public static func windowBits(for n: Int) -> Int {
        max(3, windowBits(points: n, scalarBits: 254))
    }

    /// Window width that minimises the estimated cost (windows × (points + buckets)) for `n`
    /// points whose scalars have at most `bits` bits. Capped at 15 (digits are Int16).
    @inlinable public static func windowBits(points n: Int, scalarBits bits: Int) -> Int {
        bestWindow(points: n, scalarBits: bits).bits
    }

    /// The best window width and its estimated cost in bucket additions: each window adds
    /// every point once and reduces its 2^(c−1) buckets with about two additions each.
    @inlinable static func bestWindow(points n: Int, scalarBits bits: Int) -> (bits: Int, cost: Double) {
        var best = 1
        var bestCost = Double.infinity
        for c in 1...15 {
            let windows = Double(bits / c + 1)
            let cost = windows * (Double(n) + Double(1 << c))
            if cost < bestCost { bestCost = cost; best = c }
        }
        return (best, bestCost)
    }

    /// Whether the GLV split pays for `n` full-size scalars: 2n points of 127 bits against
    /// n points of 254 bits. It does up to 2^17 points; beyond, the window width is
    /// capped and the halved scalars save no windows.
    @inlinable public static func endomorphismPays(points n: Int) -> Bool {
        bestWindow(points: 2 * n, scalarBits: 127).cost < bestWindow(points: n, scalarBits: 254).cost
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
        multiply(bases: bases, scalars: scalars, threads: threads, windowBits: nil, endomorphism: true)
    }

    /// Σ scalars[i]·bases[i] with the window width forced (`nil`: chosen by size) and the GLV
    /// split (G1 and G2) switched on or off; for tests and benchmarks. Traps when the lengths differ.
    @inlinable
    public static func multiply<C: CurveParameters>(
        bases: ArraySlice<AffinePoint<C>>, scalars: ArraySlice<Fr>, threads: Int,
        windowBits forced: Int?, endomorphism: Bool
    ) -> JacobianPoint<C> {
        multiply(segments: [(bases, scalars)], threads: threads, windowBits: forced, endomorphism: endomorphism)
    }

    /// Σ over several segments of (bases, scalars) as one MSM. One MSM over all the points
    /// costs fewer bucket additions than one per segment whose sums are added (its windows
    /// are wider, and they are shared): the prover's L and H sums, which only appear added.
    /// Traps when a segment's lengths differ.
    @inlinable
    public static func multiply<C: CurveParameters>(segments: [Segment<C>], threads: Int) -> JacobianPoint<C> {
        multiply(segments: segments, threads: threads, windowBits: nil, endomorphism: true)
    }

    /// One segment of an MSM: bases and their scalars, of equal length.
    public typealias Segment<C: CurveParameters> = (bases: ArraySlice<AffinePoint<C>>, scalars: ArraySlice<Fr>)

    /// On several threads a large MSM is cut into parts, one single-threaded MSM each: the
    /// scalar preparation (signs, GLV, digits) and the direct additions then run in parallel
    /// too. Part t takes the t-th of `parts` equal contiguous pieces of every segment, so the
    /// parts stay balanced when segments differ in cost (the L sum's scalars of a zkML
    /// witness are mostly small, H's are full size). A forced window width keeps one MSM
    /// whose windows are spread over the threads.
    @inlinable
    static func multiply<C: CurveParameters>(
        segments: [Segment<C>], threads: Int, windowBits forced: Int?, endomorphism: Bool
    ) -> JacobianPoint<C> {
        for seg in segments {
            precondition(seg.bases.count == seg.scalars.count, "MSM: \(seg.bases.count) bases but \(seg.scalars.count) scalars")
        }
        precondition(forced.map { (1...15).contains($0) } ?? true, "MSM: window width must be 1...15")
        let n = segments.reduce(0) { $0 + $1.bases.count }
        let parts = forced == nil ? max(1, min(threads, n / minimumPartSize)) : 1
        if parts == 1 {
            return multiplyPart(segments, threads: threads, windowBits: forced, endomorphism: endomorphism)
        }
        var partial = [JacobianPoint<C>](repeating: .infinity, count: parts)
        partial.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            parallelFor(parts, threads: parts) { t in
                o[t] = multiplyPart(segments.map { piece($0, t, of: parts) },
                                    threads: 1, windowBits: nil, endomorphism: endomorphism)
            }
        }
        return partial.reduce(.infinity, +)
    }

    /// The t-th of `parts` equal contiguous pieces of a segment.
    @inlinable
    static func piece<C: CurveParameters>(_ seg: Segment<C>, _ t: Int, of parts: Int) -> Segment<C> {
        let n = seg.bases.count
        let lo = t * n / parts, hi = (t + 1) * n / parts
        return (seg.bases[(seg.bases.startIndex + lo)..<(seg.bases.startIndex + hi)],
                seg.scalars[(seg.scalars.startIndex + lo)..<(seg.scalars.startIndex + hi)])
    }

    /// Below this many points per thread an MSM is not cut into parts (its windows are
    /// spread over the threads instead).
    @usableFromInline static var minimumPartSize: Int { 4096 }

    /// Scalar-size classes tried as the cut between the small-scalar MSM and the large one.
    @usableFromInline static var smallScalarCuts: [Int] { [8, 16, 32, 64] }

    /// One MSM over `threads` threads (its windows in parallel).
    ///
    /// Each scalar k is taken as k or as −(r − k) on −P, whichever is shorter, so the small
    /// negative values of zkML witnesses (r − 3, say) cost what small positive ones do. Then
    /// the scalars are split by size into two bucket MSMs, small and large, at the cut that
    /// minimises the estimated cost: a few full-size scalars no longer make every small one
    /// pay for all the windows. Large scalars go through the GLV split when it pays.
    @inlinable
    static func multiplyPart<C: CurveParameters>(
        _ segments: [Segment<C>], threads: Int, windowBits forced: Int?, endomorphism: Bool
    ) -> JacobianPoint<C> {
        let msm = PreparedMSM(segments: segments, slices: max(1, threads), windowBits: forced, endomorphism: endomorphism)
        parallelFor(msm.slices, threads: threads) { msm.computeSlice($0) }
        return msm.sum
    }

    /// The scalar work of an MSM (signs, the small/large cut, GLV): the sum of the
    /// scalars ±1, and the non-empty groups of points with their scalars for bucket sums.
    @inlinable
    static func prepareGroups<C: CurveParameters>(
        _ segments: [Segment<C>], endomorphism: Bool
    ) -> (direct: JacobianPoint<C>, groups: [PreparedPoints<C>]) {
        typealias Limbs = (UInt64, UInt64, UInt64, UInt64)
        let glvCurve = endomorphism && (C.self == BN254G1.self || C.self == BN254G2.self)
        let r = FrParameters.modulus
        // Pass 1: signed scalars, their bit lengths (0: skipped) and a histogram of them.
        let count = segments.reduce(0) { $0 + $1.bases.count }
        var ks = [Limbs](repeating: (0, 0, 0, 0), count: count)
        var lengths = [UInt8](repeating: 0, count: count)
        var negated = [Bool](repeating: false, count: count)
        var histogram = [Int](repeating: 0, count: 257)
        var direct = JacobianPoint<C>.infinity
        var i = -1
        for seg in segments { for (b, s) in zip(seg.bases, seg.scalars) {
            i += 1
            if s.isZero || b.isInfinity { continue }
            if s == Fr.one { direct += b; continue }
            var k = s.canonicalLimbs
            var bits = bitLength(k)
            if bits >= 253 {
                // r − k, shorter when k is "negative" (above r/2 ≈ 2^252.6).
                let (d0, b0) = r.0.subtractingReportingOverflow(k.0)
                let (t1, b1a) = r.1.subtractingReportingOverflow(k.1)
                let (d1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
                let (t2, b2a) = r.2.subtractingReportingOverflow(k.2)
                let (d2, b2b) = t2.subtractingReportingOverflow((b1a || b1b) ? 1 : 0)
                let d3 = r.3 &- k.3 &- ((b2a || b2b) ? 1 : 0)
                let nk = (d0, d1, d2, d3)
                let nbits = bitLength(nk)
                if nbits < bits {
                    if nk == (1, 0, 0, 0) { direct += -b; continue }
                    k = nk; bits = nbits; negated[i] = true
                }
            }
            ks[i] = k
            lengths[i] = UInt8(bits)
            histogram[bits] += 1
        } }
        // The cut: scalars of at most `cut` bits form the small MSM (0: no small MSM).
        @inline(__always) func groupCost(points: Int, bits: Int) -> Double {
            points == 0 ? 0 : bestWindow(points: points, scalarBits: bits).cost
        }
        var longest = 0
        for b in stride(from: 256, through: 1, by: -1) where histogram[b] > 0 { longest = b; break }
        if longest == 0 { return (direct, []) }
        let full = (128...256).reduce(0) { $0 + histogram[$1] }
        let glv = glvCurve && full > 0 && endomorphismPays(points: full)
        func largeShape(above cut: Int) -> (points: Int, bits: Int) {
            let mid = (cut + 1...127).reduce(0) { $0 + histogram[$1] }
            let points = (glv ? 2 * full : full) + mid
            let bits = glv ? min(longest, 127) : longest
            return (points, points == 0 ? 0 : bits)
        }
        var cut = 0
        let unsplit = largeShape(above: 0)
        var best = groupCost(points: unsplit.points, bits: unsplit.bits)
        for candidate in smallScalarCuts where candidate < longest {
            let small = (1...candidate).reduce(0) { $0 + histogram[$1] }
            if small == 0 { continue }
            let smallBits = (1...candidate).last { histogram[$0] > 0 }!
            let large = largeShape(above: candidate)
            let cost = groupCost(points: small, bits: smallBits) + groupCost(points: large.points, bits: large.bits)
            if cost < best { best = cost; cut = candidate }
        }
        // Pass 2: the points of each group, packed (x, y) and 64-byte aligned.
        let small = cut == 0 ? 0 : (1...cut).reduce(0) { $0 + histogram[$1] }
        let smallGroup = PreparedPoints<C>(capacity: small)
        let largeGroup = PreparedPoints<C>(capacity: (glv ? 2 : 1) * (count - small))
        i = -1
        for seg in segments { for b in seg.bases {
            i += 1
            let bits = Int(lengths[i])
            if bits == 0 { continue }
            let p = negated[i] ? -b : b
            let k = ks[i]
            if bits <= cut { smallGroup.push(p, k); continue }
            if !glv || bits <= 127 { largeGroup.push(p, k); continue }
            // GLV: k = k1 + k2·λ with |k1|, |k2| < 2^127, on ±P and ±φ(P).
            let (k1, k2) = BN254GLV.decompose(canonical: k)
            @inline(__always) func half(_ h: BN254GLV.HalfScalar, _ q: AffinePoint<C>) {
                if h.isZero { return }
                let q = h.isNegative ? -q : q
                if h.lo == 1 && h.hi == 0 { direct += q } else { largeGroup.push(q, (h.lo, h.hi, 0, 0)) }
            }
            half(k1, p)
            half(k2, glvEndomorphism(p))
        } }
        return (direct, [smallGroup, largeGroup].filter { $0.count > 0 })
    }

    /// φ(P) = [λ]P on G1 or G2 (`BN254GLV`); only called for those two curves.
    @inlinable @inline(__always)
    static func glvEndomorphism<C: CurveParameters>(_ p: AffinePoint<C>) -> AffinePoint<C> {
        if C.self == BN254G1.self {
            return unsafeBitCast(BN254GLV.endomorphism(unsafeBitCast(p, to: G1Affine.self)), to: AffinePoint<C>.self)
        }
        return unsafeBitCast(BN254GLV.endomorphism(unsafeBitCast(p, to: G2Affine.self)), to: AffinePoint<C>.self)
    }

    /// Number of significant bits of a 256-bit value (at least 1).
    @inlinable static func bitLength(_ k: (UInt64, UInt64, UInt64, UInt64)) -> Int {
        if k.3 != 0 { return 256 - k.3.leadingZeroBitCount }
        if k.2 != 0 { return 192 - k.2.leadingZeroBitCount }
        if k.1 != 0 { return 128 - k.1.leadingZeroBitCount }
        return max(1, 64 - k.0.leadingZeroBitCount)
    }

    /// The buckets window w needs: 2^(c−1) for signed c-bit digits, but where fewer than
    /// c − 1 bits of the scalars remain (the top window) every digit is the remaining bits plus
    /// a carry, at most 2^(bits − w·c) and never negative. Fewer buckets there also means a
    /// batch sized to them, so that the top window's additions, spread over a few buckets, do
    /// not keep meeting busy ones and spill into the Jacobian overflow.
    @inlinable static func bucketCount(window w: Int, c: Int, bits: Int) -> Int {
        let rest = bits - w * c
        if rest >= c - 1 { return 1 << (c - 1) }
        return rest <= 0 ? 1 : 1 << rest
    }

    /// Up to this many points (after the trivial scalars and the GLV split) `straus` is
    /// faster than bucket sums: a Groth16 verifier's few public inputs land here.
    @usableFromInline static var strausLimit: Int { 24 }

    /// Σ kᵢ·Pᵢ for a few points by Straus's interleaving with width-5 NAF digits: one shared
    /// doubling chain, tables of the odd multiples P, 3P, …, 15P (normalised with one
    /// inversion) and a mixed addition per non-zero digit, about one in six bits.
    @inlinable
    static func straus<C: CurveParameters>(
        coordinates: UnsafePointer<C.Field>, scalars ks: [(UInt64, UInt64, UInt64, UInt64)], bits: Int
    ) -> JacobianPoint<C> {
        let n = ks.count
        let w = 5, tableSize = 1 << (w - 2)
        var jac = [JacobianPoint<C>]()
        jac.reserveCapacity(n * tableSize)
        for i in 0..<n {
            let p = AffinePoint<C>(x: coordinates[2 * i], y: coordinates[2 * i + 1])
            let twice = JacobianPoint(p).doubled()
            var t = JacobianPoint(p)
            jac.append(t)
            for _ in 1..<tableSize { t = t + twice; jac.append(t) }
        }
        let table = JacobianPoint<C>.batchNormalize(jac)
        // width-w NAF digits, least significant first, one row of bits + 1 per scalar.
        let len = bits + 1
        var naf = [Int8](repeating: 0, count: n * len)
        for i in 0..<n {
            var k = ks[i]
            var pos = 0
            while (k.0 | k.1 | k.2 | k.3) != 0 {
                if k.0 & 1 == 1 {
                    var d = Int64(k.0 & UInt64((1 << w) - 1))
                    if d >= 1 << (w - 1) { d -= 1 << w }
                    naf[i * len + pos] = Int8(d)
                    // k −= d: subtract a small signed value.
                    if d > 0 {
                        let (r0, b0) = k.0.subtractingReportingOverflow(UInt64(d))
                        k.0 = r0
                        if b0 { k = MSM.borrow(k) }
                    } else {
                        let (r0, c0) = k.0.addingReportingOverflow(UInt64(-d))
                        k.0 = r0
                        if c0 { k = MSM.carry(k) }
                    }
                }
                k = (k.0 >> 1 | k.1 << 63, k.1 >> 1 | k.2 << 63, k.2 >> 1 | k.3 << 63, k.3 >> 1)
                pos += 1
            }
        }
        var acc = JacobianPoint<C>.infinity
        for pos in stride(from: len - 1, through: 0, by: -1) {
            acc = acc.doubled()
            for i in 0..<n {
                let d = Int(naf[i * len + pos])
                if d > 0 { acc += table[i * tableSize + (d >> 1)] } else if d < 0 { acc += -table[i * tableSize + ((-d) >> 1)] }
            }
        }
        return acc
    }

    @inlinable static func borrow(_ k: (UInt64, UInt64, UInt64, UInt64)) -> (UInt64, UInt64, UInt64, UInt64) {
        var k = k
        let (r1, b1) = k.1.subtractingReportingOverflow(1); k.1 = r1
        if b1 { let (r2, b2) = k.2.subtractingReportingOverflow(1); k.2 = r2; if b2 { k.3 &-= 1 } }
        return k
    }

    @inlinable static func carry(_ k: (UInt64, UInt64, UInt64, UInt64)) -> (UInt64, UInt64, UInt64, UInt64) {
        var k = k
        let (r1, c1) = k.1.addingReportingOverflow(1); k.1 = r1
        if c1 { let (r2, c2) = k.2.addingReportingOverflow(1); k.2 = r2; if c2 { k.3 &+= 1 } }
        return k
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
            ks.withUnsafeBufferPointer { kb in
                for i in 0..<n {
                    var carry: Int64 = 0
                    let k = kb[i]
                    for w in 0..<windows {
                        var d = Int64(digit(k, shift: w * c, mask: mask)) + carry
                        if d > half { d -= full; carry = 1 } else { carry = 0 }
                        o[w * n + i] = Int16(truncatingIfNeeded: d)
                    }
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
    ///
    /// A window with few buckets (the top one, where only a few bits of the scalars remain)
    /// would allow only small batches, one inversion per few additions, since a batch holds
    /// at most one addition per bucket. There each bucket is kept as `copies` sub-buckets
    /// (point i goes to copy i mod copies), folded together before the weighted sum.
    @inlinable
    static func windowSum<C: CurveParameters>(
        digits: UnsafePointer<Int16>, count n: Int, coordinates: UnsafePointer<C.Field>, buckets m: Int
    ) -> JacobianPoint<C> {
        let copies = bucketCopies(buckets: m, points: n)
        let slots = m &* copies
        // A batch of up to a quarter of the slots: at an eighth, the inversions (about 2.4 µs
        // each) were 9 % of a 2^12 prove; at a half, the additions deferred by busy buckets
        // cost more than the inversions saved (prove CPU time, 2^12: 1/8 0.21 s, 1/4 0.19 s,
        // 1/2 0.22–0.26 s).
        let acc = BatchAffineBuckets<C>(count: slots, batch: max(16, min(MSM.batchLimit, slots / 4)))
        let copyMask = copies &- 1
        for i in 0..<n {
            let d = Int(digits[i])
            if d == 0 { continue }
            let src = coordinates + 2 &* i
            let base = (i & copyMask) &* m &- 1
            if d > 0 { acc.add(bucket: base &+ d, src: src, neg: false) } else { acc.add(bucket: base &- d, src: src, neg: true) }
        }
        acc.finish()
        if copies > 1 { acc.foldCopies(copies, of: m) }
        return acc.weightedSum(buckets: m)
    }

    /// How many sub-buckets each of a window's m buckets (a power of two) gets for n points: a
    /// power of two that brings the window up to `subBucketTarget` slots, as long as folding
    /// the copies costs at most n/16 additions.
    @inlinable static func bucketCopies(buckets m: Int, points n: Int) -> Int {
        var copies = 1
        while m &* copies &* 2 <= subBucketTarget && m &* copies &* 2 &* 16 <= n { copies &*= 2 }
        return copies
    }

    /// Bucket slots that give a window full batches (`batchLimit` = slots / 4).
    @usableFromInline static var subBucketTarget: Int { 4 * batchLimit }

    /// The largest batch of bucket additions that share one inversion.
    @usableFromInline static var batchLimit: Int { 512 }

    /// The naive Σ kᵢ·Pᵢ, for tests.
    @inlinable public static func naive<C: CurveParameters>(bases: [AffinePoint<C>], scalars: [Fr]) -> JacobianPoint<C> {
        precondition(bases.count == scalars.count)
        var acc = JacobianPoint<C>.infinity
        for (b, s) in zip(bases, scalars) { acc += JacobianPoint(b).multiplied(by: s) }
        return acc
    }
}


/// The points and scalars of one bucket MSM: coordinates packed (x, y) in 64-byte-aligned
/// raw memory (one cache line per G1 point), scalars beside them, and the OR of all scalars
/// (whose bit length bounds the windows).
@usableFromInline
final class PreparedPoints<C: CurveParameters> {
    @usableFromInline let coordinates: UnsafeMutablePointer<C.Field>
    @usableFromInline var scalars: [(UInt64, UInt64, UInt64, UInt64)] = []
    @usableFromInline var orAll: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @usableFromInline let capacity: Int

    @inlinable init(capacity: Int) {
        self.capacity = capacity
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, 2 * capacity) * MemoryLayout<C.Field>.stride, alignment: 64)
        coordinates = raw.bindMemory(to: C.Field.self, capacity: max(1, 2 * capacity))
        scalars.reserveCapacity(capacity)
    }

    @inlinable deinit { UnsafeMutableRawPointer(coordinates).deallocate() }

    @inlinable var count: Int { scalars.count }

    @inlinable @inline(__always)
    func push(_ p: AffinePoint<C>, _ k: (UInt64, UInt64, UInt64, UInt64)) {
        let i = scalars.count
        precondition(i < capacity, "PreparedPoints: more points than reserved")
        (coordinates + 2 &* i).initialize(to: p.x)
        (coordinates + (2 &* i &+ 1)).initialize(to: p.y)
        scalars.append(k)
        orAll.0 |= k.0; orAll.1 |= k.1; orAll.2 |= k.2; orAll.3 |= k.3
    }
}

/// Working memory of the vector kernels (`zk_g1_ifma_forward`/`backward` and the G2 ones)
/// for batches of up to `batch` additions.
@usableFromInline
final class VectorBatchMemory {
    @usableFromInline let scratch: UnsafeMutableRawPointer
    @usableFromInline let totals: UnsafeMutablePointer<UInt64>
    @usableFromInline let special: UnsafeMutablePointer<UInt8>

    /// Batches smaller than this go through the scalar code (a lane chain of one or two
    /// entries does not pay for the kernel's set-up).
    @usableFromInline static var minimumBatch: Int { 32 }

    /// Whether `C`'s batches run through the kernels: BN254 G1 or G2 on a CPU with AVX-512
    /// IFMA, when `MSM.vectorKernelEnabled`.
    @inlinable static func useVectorKernel<C: CurveParameters>(for _: C.Type) -> Bool {
        (C.self == BN254G1.self || C.self == BN254G2.self) && MSM.vectorKernelAvailable && MSM.vectorKernelEnabled
    }

    @inlinable init(batch: Int) {
        scratch = .allocate(byteCount: (batch / 8 + 1) * 1280, alignment: 64)
        totals = .allocate(capacity: 32)
        special = .allocate(capacity: batch)
    }

    @inlinable deinit { scratch.deallocate(); totals.deallocate(); special.deallocate() }
}

/// Affine buckets whose additions are queued and carried out in batches sharing one
/// inversion.
///
/// An addition names its operand by address (x at `src[0]`, y at `src[1]`, y negated when
/// `neg`), so queueing copies no coordinates. A bucket with a queued addition is busy; an
/// addition that meets a busy bucket is deferred to the next batch, or, when the deferred
/// list is full (skewed windows, where most digits are equal), goes into that bucket's
/// Jacobian overflow accumulator as a mixed addition, so no input costs more than plain
/// Pippenger. Storage is raw memory owned by the object (no copy-on-write checks in the hot
/// loop); a bucket's x and y are adjacent, one cache line for G1.
@usableFromInline
final class BatchAffineBuckets<C: CurveParameters> {
    @usableFromInline static var empty: UInt8 { 0 }
    @usableFromInline static var occupied: UInt8 { 1 }
    @usableFromInline static var busy: UInt8 { 2 }

    @usableFromInline let m: Int
    @usableFromInline let batch: Int
    @usableFromInline let deferCapacity: Int
    /// Bucket j is (xy[2j], xy[2j + 1]).
    @usableFromInline let xy: UnsafeMutablePointer<C.Field>
    @usableFromInline let state: UnsafeMutablePointer<UInt8>
    /// Jacobian overflow accumulators, allocated on first use, and the buckets that have one.
    @usableFromInline var overflow: UnsafeMutablePointer<JacobianPoint<C>>?
    @usableFromInline var overflowed: [Int32] = []
    @usableFromInline let hasOverflow: UnsafeMutablePointer<Bool>
    // The queue: bucket, operand, sign, kind (0 add, 1 double, 2 cancel), denominator, prefix product.
    @usableFromInline let qBucket: UnsafeMutablePointer<Int32>
    @usableFromInline let qSrc: UnsafeMutablePointer<UnsafePointer<C.Field>>
    @usableFromInline let qNeg: UnsafeMutablePointer<Bool>
    @usableFromInline let qKind: UnsafeMutablePointer<UInt8>
    @usableFromInline let qDen: UnsafeMutablePointer<C.Field>
    /// The norms of the queued denominators (`FieldElement.inversionNorm`) and their prefix
    /// products: the batch inversion runs in the base field (Fq for G2's Fq2).
    @usableFromInline let norms: UnsafeMutablePointer<C.Field.InversionBase>
    @usableFromInline let scratch: UnsafeMutablePointer<C.Field.InversionBase>
    @usableFromInline var qCount = 0
    // The deferred additions.
    @usableFromInline let dBucket: UnsafeMutablePointer<Int32>
    @usableFromInline let dSrc: UnsafeMutablePointer<UnsafePointer<C.Field>>
    @usableFromInline let dNeg: UnsafeMutablePointer<Bool>
    @usableFromInline var dCount = 0
    /// The vector kernels' working memory (G1 and G2 on CPUs with AVX-512 IFMA), else nil.
    @usableFromInline let vector: VectorBatchMemory?

    @inlinable init(count m: Int, batch: Int) {
        self.m = m
        self.batch = batch
        deferCapacity = batch
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 2 * m * MemoryLayout<C.Field>.stride, alignment: 64)
        xy = raw.bindMemory(to: C.Field.self, capacity: 2 * m)
        xy.initialize(repeating: .zero, count: 2 * m)
        state = .allocate(capacity: m); state.initialize(repeating: Self.empty, count: m)
        hasOverflow = .allocate(capacity: m); hasOverflow.initialize(repeating: false, count: m)
        qBucket = .allocate(capacity: batch)
        qSrc = .allocate(capacity: batch)
        qNeg = .allocate(capacity: batch)
        qKind = .allocate(capacity: batch); qKind.initialize(repeating: 0, count: batch)
        qDen = .allocate(capacity: batch); qDen.initialize(repeating: .zero, count: batch)
        norms = .allocate(capacity: batch); norms.initialize(repeating: .zero, count: batch)
        scratch = .allocate(capacity: batch); scratch.initialize(repeating: .zero, count: batch)
        dBucket = .allocate(capacity: deferCapacity)
        dSrc = .allocate(capacity: deferCapacity)
        dNeg = .allocate(capacity: deferCapacity)
        vector = VectorBatchMemory.useVectorKernel(for: C.self) ? VectorBatchMemory(batch: batch) : nil
    }

    @inlinable deinit {
        UnsafeMutableRawPointer(xy).deallocate(); state.deallocate(); overflow?.deallocate(); hasOverflow.deallocate()
        qBucket.deallocate(); qSrc.deallocate(); qNeg.deallocate(); qKind.deallocate()
        qDen.deallocate(); norms.deallocate(); scratch.deallocate()
        dBucket.deallocate(); dSrc.deallocate(); dNeg.deallocate()
    }

    @inlinable @inline(__always)
    func isOccupied(_ b: Int) -> Bool { state[b] == Self.occupied }

    @inlinable @inline(__always)
    func bucket(_ b: Int) -> AffinePoint<C> { AffinePoint<C>(x: xy[2 &* b], y: xy[2 &* b &+ 1]) }

    /// B[b] += ±(src[0], src[1]): at once when no inversion is needed, else queued.
    /// The operand must stay in place until `finish()`.
    @inlinable @inline(__always)
    func add(bucket b: Int, src: UnsafePointer<C.Field>, neg: Bool) {
        let s = state[b]
        if s == Self.occupied {
            state[b] = Self.busy
            let q = qCount
            qBucket[q] = Int32(truncatingIfNeeded: b); qSrc[q] = src; qNeg[q] = neg
            qCount = q &+ 1
            if q &+ 1 == batch { drain() }
        } else if s == Self.empty {
            xy[2 &* b] = src[0]
            xy[2 &* b &+ 1] = neg ? -src[1] : src[1]
            state[b] = Self.occupied
        } else if dCount < deferCapacity {
            let d = dCount
            dBucket[d] = Int32(truncatingIfNeeded: b); dSrc[d] = src; dNeg[d] = neg
            dCount = d &+ 1
        } else {
            addToOverflow(b, src, neg)
        }
    }

    @inlinable
    func addToOverflow(_ b: Int, _ src: UnsafePointer<C.Field>, _ neg: Bool) {
        if overflow == nil {
            let o = UnsafeMutablePointer<JacobianPoint<C>>.allocate(capacity: m)
            o.initialize(repeating: .infinity, count: m)
            overflow = o
        }
        let o = overflow!
        if !hasOverflow[b] { hasOverflow[b] = true; overflowed.append(Int32(b)) }
        o[b] += AffinePoint<C>(x: src[0], y: neg ? -src[1] : src[1])
    }

    /// Carries out the queued additions, then queues the deferred ones whose bucket is free.
    /// On return the queue has room.
    @inlinable
    func drain() {
        repeat {
            applyQueue()
            let k = dCount
            dCount = 0
            var t = 0
            while t < k {
                let b = Int(dBucket[t]), src = dSrc[t], neg = dNeg[t]
                let s = state[b]
                if s == Self.busy {
                    // Still waiting: keep it (dCount ≤ t, so this never overwrites an unread entry).
                    let d = dCount
                    dBucket[d] = Int32(truncatingIfNeeded: b); dSrc[d] = src; dNeg[d] = neg
                    dCount = d &+ 1
                } else if s == Self.empty {
                    xy[2 &* b] = src[0]
                    xy[2 &* b &+ 1] = neg ? -src[1] : src[1]
                    state[b] = Self.occupied
                } else {
                    state[b] = Self.busy
                    let q = qCount
                    qBucket[q] = Int32(truncatingIfNeeded: b); qSrc[q] = src; qNeg[q] = neg
                    qCount = q &+ 1
                }
                t &+= 1
            }
        } while qCount == batch
    }

    /// Completes every queued and deferred addition.
    @inlinable
    func finish() {
        while qCount > 0 || dCount > 0 { drain() }
    }

    /// The denominator of queued addition i (x2 − x1, or 2y for a doubling, or 1 for P + (−P)).
    @inlinable @inline(__always)
    func denominator(_ i: Int) -> C.Field {
        let b = Int(qBucket[i])
        let src = qSrc[i]
        let den = src[0] - xy[2 &* b]
        if !den.isZero { return den }
        let y1 = xy[2 &* b &+ 1]
        let y2 = qNeg[i] ? -src[1] : src[1]
        if y2 == y1 { qKind[i] = 1; return y1.doubled() }
        qKind[i] = 2
        return .one
    }

    /// Queued additions are this many entries apart from the ones whose bucket and operand
    /// `applyQueue` prefetches.
    @usableFromInline static var prefetchDistance: Int { 8 }

    /// Prefetches queued addition i's bucket (for writing) and operand: one cache line each on
    /// G1, two on G2.
    @inlinable @inline(__always)
    func prefetch(_ i: Int) {
        let bucket = UnsafeRawPointer(xy + 2 &* Int(qBucket[i])), src = UnsafeRawPointer(qSrc[i])
        zk_prefetch_for_write(bucket)
        zk_prefetch(src)
        if 2 &* MemoryLayout<C.Field>.stride > 64 {
            zk_prefetch_for_write(bucket + 64)
            zk_prefetch(src + 64)
        }
    }

    /// Completes the queued additions with one inversion (Montgomery's trick). The prefix
    /// products run as two interleaved chains (even and odd entries) so that their
    /// multiplications overlap, and the denominators are formed in the same pass. Buckets and
    /// operands are scattered over megabytes, so each pass prefetches a few entries ahead
    /// (loads of the first denominators' operands showed as the hottest instructions).
    @inlinable
    func applyQueue() {
        let k = qCount
        if k == 0 { return }
        if let v = vector, k >= VectorBatchMemory.minimumBatch { applyQueueVector(v); return }
        let ahead = Self.prefetchDistance
        for t in 0..<min(k, ahead) { prefetch(t) }
        typealias Base = C.Field.InversionBase
        // For a prime field the norm is the denominator itself: read it back from qDen rather
        // than store it twice (the comparison folds when this is specialised).
        let sameField = Base.self == C.Field.self
        @inline(__always) func norm(_ i: Int) -> Base { sameField ? unsafeBitCast(qDen[i], to: Base.self) : norms[i] }
        var acc0 = Base.one, acc1 = Base.one
        var i = 0
        while i &+ 1 < k {
            if i &+ ahead &+ 1 < k { prefetch(i &+ ahead); prefetch(i &+ ahead &+ 1) }
            let d0 = denominator(i), d1 = denominator(i &+ 1)
            let n0 = d0.inversionNorm, n1 = d1.inversionNorm
            qDen[i] = d0; qDen[i &+ 1] = d1
            if !sameField { norms[i] = n0; norms[i &+ 1] = n1 }
            scratch[i] = acc0; acc0 = acc0 * n0
            scratch[i &+ 1] = acc1; acc1 = acc1 * n1
            i &+= 2
        }
        if i < k {
            let d0 = denominator(i), n0 = d0.inversionNorm
            qDen[i] = d0; if !sameField { norms[i] = n0 }; scratch[i] = acc0; acc0 = acc0 * n0
        }
        let both = (acc0 * acc1).inverse()!
        var inv0 = both * acc1, inv1 = both * acc0
        var j = k &- 1
        if k & 1 == 1 {
            let nInv = inv0 * scratch[j]
            inv0 = inv0 * norm(j)
            apply(j, qDen[j].inverse(givenNormInverse: nInv))
            j &-= 1
        }
        while j > 0 {
            if j >= ahead &+ 1 { prefetch(j &- ahead); prefetch(j &- ahead &- 1) }
            let n1 = inv1 * scratch[j]
            inv1 = inv1 * norm(j)
            let n0 = inv0 * scratch[j &- 1]
            inv0 = inv0 * norm(j &- 1)
            apply(j, qDen[j].inverse(givenNormInverse: n1))
            apply(j &- 1, qDen[j &- 1].inverse(givenNormInverse: n0))
            j &-= 2
        }
        qCount = 0
    }

    /// `applyQueue` with the AVX-512 IFMA kernels (`zk_g1_ifma_forward`/`backward`, and
    /// `zk_g2_…` on G2): eight prefix-product chains in vector lanes, their eight totals (in
    /// Fq) inverted here with one inversion. Additions whose x-coordinates are equal (a
    /// doubling, or P + (−P)) are left out by the kernel and finished here one by one.
    @inlinable
    func applyQueueVector(_ v: VectorBatchMemory) {
        let k = qCount
        let xyWords = UnsafeMutableRawPointer(xy).assumingMemoryBound(to: UInt64.self)
        let srcs = UnsafeRawPointer(qSrc).assumingMemoryBound(to: UnsafePointer<UInt64>?.self)
        let g1 = C.self == BN254G1.self
        let specials = g1 ? zk_g1_ifma_forward(xyWords, qBucket, srcs, k, v.scratch, v.totals, v.special)
                          : zk_g2_ifma_forward(xyWords, qBucket, srcs, k, v.scratch, v.totals, v.special)
        // The eight totals' inverses (none is zero: the kernel replaces zero denominators).
        let totals = UnsafeMutableRawPointer(v.totals).assumingMemoryBound(to: Fq.self)
        var inverses = Array(UnsafeBufferPointer(start: totals, count: 8))
        Fq.batchInverse(&inverses)
        for l in 0..<8 { totals[l] = inverses[l] }
        if g1 {
            zk_g1_ifma_backward(xyWords, qBucket, srcs, qNeg, k, v.scratch, v.totals, v.special)
        } else {
            zk_g2_ifma_backward(xyWords, qBucket, srcs, qNeg, k, v.scratch, v.totals, v.special)
        }
        for i in 0..<k { state[Int(qBucket[i])] = Self.occupied }
        if specials > 0 {
            for i in 0..<k where v.special[i] != 0 {
                let b = Int(qBucket[i])
                let src = qSrc[i]
                let y1 = xy[2 &* b &+ 1]
                let y2 = qNeg[i] ? -src[1] : src[1]
                if y2 == y1 && !y1.isZero {
                    let doubled = JacobianPoint<C>(bucket(b)).doubled().affine
                    xy[2 &* b] = doubled.x; xy[2 &* b &+ 1] = doubled.y
                } else {
                    state[b] = Self.empty
                }
            }
        }
        qCount = 0
    }

    /// Finishes queued addition i given the inverse of its denominator. For a negated operand
    /// it uses λ' = (y2 + y1)/(x2 − x1) = −λ: λ'² = λ² and y3 = λ'(x3 − x1) − y1.
    @inlinable @inline(__always)
    func apply(_ i: Int, _ dInv: C.Field) {
        let b = Int(qBucket[i])
        let src = qSrc[i]
        let x1 = xy[2 &* b], y1 = xy[2 &* b &+ 1], x2 = src[0], y2 = src[1]
        state[b] = Self.occupied
        if qKind[i] != 0 {
            let kind = qKind[i]
            qKind[i] = 0
            if kind == 2 { state[b] = Self.empty; return }
            // Doubling: λ = 3x1²/(2y1).
            let xx = x1.squared()
            let lambda = (xx.doubled() + xx) * dInv
            let x3 = lambda.squared() - x1.doubled()
            xy[2 &* b] = x3
            xy[2 &* b &+ 1] = lambda * (x1 - x3) - y1
            return
        }
        if qNeg[i] {
            let lambda = (y2 + y1) * dInv
            let x3 = lambda.squared() - x1 - x2
            xy[2 &* b] = x3
            xy[2 &* b &+ 1] = lambda * (x3 - x1) - y1
        } else {
            let lambda = (y2 - y1) * dInv
            let x3 = lambda.squared() - x1 - x2
            xy[2 &* b] = x3
            xy[2 &* b &+ 1] = lambda * (x1 - x3) - y1
        }
    }

    /// Folds the overflow accumulators into the affine buckets (one shared inversion).
    @inlinable
    func foldOverflow() {
        guard let o = overflow, !overflowed.isEmpty else { return }
        var totals = [JacobianPoint<C>]()
        totals.reserveCapacity(overflowed.count)
        for b32 in overflowed {
            let b = Int(b32)
            totals.append(isOccupied(b) ? o[b] + bucket(b) : o[b])
            o[b] = .infinity
            hasOverflow[b] = false
        }
        let affine = JacobianPoint<C>.batchNormalize(totals)
        for (b32, p) in zip(overflowed, affine) {
            let b = Int(b32)
            if p.isInfinity { state[b] = Self.empty } else { xy[2 * b] = p.x; xy[2 * b + 1] = p.y; state[b] = Self.occupied }
        }
        overflowed.removeAll()
    }

    /// Adds sub-bucket s·m + j into bucket j for every copy s (`MSM.windowSum`), pairwise in
    /// log₂(copies) rounds: within a round every target is distinct and no source is a target,
    /// so each round is one set of batched additions.
    @inlinable
    func foldCopies(_ copies: Int, of m: Int) {
        foldOverflow()
        var step = 1
        while step < copies {
            for s in stride(from: 0, to: copies, by: 2 &* step) {
                let from = (s &+ step) &* m, to = s &* m
                for j in 0..<m where isOccupied(from &+ j) {
                    add(bucket: to &+ j, src: xy + 2 &* (from &+ j), neg: false)
                }
            }
            finish()
            step &*= 2
        }
    }

    /// Σ_{j < m} (j + 1)·B_j over the first m buckets (m a power of two), once every addition
    /// is complete (`finish()`).
    ///
    /// Small windows use one Jacobian running sum. Larger ones split the buckets into S lanes
    /// of L consecutive buckets; each lane keeps its own running sum R and weighted sum W in
    /// affine coordinates, and the lanes advance together so that each step's 2S additions
    /// share one inversion. Lane s (buckets sL…sL + L − 1) ends with W_s = Σ (j − sL + 1)·B_j
    /// and R_s = Σ B_j, and the total is Σ_s W_s + L·Σ_s s·R_s.
    @inlinable
    func weightedSum(buckets m: Int) -> JacobianPoint<C> {
        foldOverflow()
        if m < 64 {
            var running = JacobianPoint<C>.infinity
            var sum = JacobianPoint<C>.infinity
            for j in stride(from: m - 1, through: 0, by: -1) {
                if isOccupied(j) { running += bucket(j) }
                sum += running
            }
            return sum
        }
        // m is a power of two: S = 2^⌈log m / 2⌉ lanes of L = m / S buckets.
        let logM = Int.bitWidth - m.leadingZeroBitCount - 1
        let lanes = 1 << ((logM + 1) / 2)
        let len = m / lanes
        // Lane s: its running sum is red's bucket s, its weighted sum red's bucket lanes + s.
        let red = BatchAffineBuckets<C>(count: 2 * lanes, batch: 2 * lanes)
        let snap = UnsafeMutablePointer<C.Field>.allocate(capacity: 2 * lanes)
        snap.initialize(repeating: .zero, count: 2 * lanes)
        defer { snap.deallocate() }
        for t in 0...len {
            for s in 0..<lanes {
                // W_s += R_s (the value before this step's addition), then R_s += B_j.
                if red.isOccupied(s) {
                    snap[2 * s] = red.xy[2 * s]; snap[2 * s + 1] = red.xy[2 * s + 1]
                    red.add(bucket: lanes + s, src: snap + 2 * s, neg: false)
                }
                if t < len {
                    let j = (s + 1) * len - 1 - t
                    if isOccupied(j) { red.add(bucket: s, src: xy + 2 * j, neg: false) }
                }
            }
            red.finish()
        }
        red.foldOverflow()
        // Σ_s s·R_s by a running sum over the lanes, then times L; plus Σ_s W_s.
        var running = JacobianPoint<C>.infinity
        var weighted = JacobianPoint<C>.infinity
        for s in stride(from: lanes - 1, through: 1, by: -1) {
            if red.isOccupied(s) { running += red.bucket(s) }
            weighted += running
        }
        var step = len
        while step > 1 { weighted = weighted.doubled(); step >>= 1 }
        for s in 0..<lanes where red.isOccupied(lanes + s) { weighted += red.bucket(lanes + s) }
        return weighted
    }
}
