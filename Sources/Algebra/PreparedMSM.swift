/// An MSM cut into jobs: `init` does the scalar work on the calling thread (signs, the
/// small/large cut, GLV, signed digits), each slice of the bucket windows is then a job for
/// any thread (`computeSlice`), and `sum` adds the windows up. `MSM.multiply` runs the slices
/// on its own threads; the prover hands them to its job scheduler.
///
/// Unlike an MSM cut into parts of its points, which pays for one set of buckets per part,
/// the slices together do exactly the work of a one-thread MSM; and they are small (a few
/// windows each), so a scheduler that ends with them keeps its threads finishing together.
public final class PreparedMSM<C: CurveParameters>: @unchecked Sendable {
    /// One group of points with its bucket windows (`straus`: one job for the whole group).
    @usableFromInline struct Group {
        @usableFromInline let points: PreparedPoints<C>
        @usableFromInline let bits: Int
        @usableFromInline let c: Int
        @usableFromInline let windows: Int
        @usableFromInline let digits: [Int16]
        @usableFromInline let straus: Bool

        @inlinable init(points: PreparedPoints<C>, bits: Int, c: Int, windows: Int, digits: [Int16], straus: Bool) {
            self.points = points; self.bits = bits; self.c = c; self.windows = windows
            self.digits = digits; self.straus = straus
        }
    }

    @usableFromInline let direct: JacobianPoint<C>
    @usableFromInline let groups: [Group]
    /// Window job j is window `windowOf[j].window` of group `windowOf[j].group`.
    @usableFromInline let windowOf: [(group: Int, window: Int)]
    /// The windows' sums, in job order; each written by the one job that computes it.
    @usableFromInline let sums: UnsafeMutablePointer<JacobianPoint<C>>
    /// How many slices the windows are dealt into (`computeSlice`).
    public let slices: Int

    /// Prepares Σ over the segments (each a run of bases and their scalars, of equal lengths)
    /// with the windows dealt into `slices` jobs. Traps when a segment's lengths differ.
    @inlinable
    public convenience init(segments: [MSM.Segment<C>], slices: Int) {
        for seg in segments {
            precondition(seg.bases.count == seg.scalars.count, "MSM: \(seg.bases.count) bases but \(seg.scalars.count) scalars")
        }
        self.init(segments: segments, slices: slices, windowBits: nil, endomorphism: true)
    }

    /// The same with the window width forced (`nil`: chosen by size; forced, no group uses
    /// Straus's method) and the GLV split on or off, as `MSM.multiply` takes them.
    @inlinable
    init(segments: [MSM.Segment<C>], slices: Int, windowBits forced: Int?, endomorphism: Bool) {
        precondition(slices >= 1, "PreparedMSM: at least one slice")
        let (direct, points) = MSM.prepareGroups(segments, endomorphism: endomorphism)
        var groups = [Group]()
        var windowOf = [(group: Int, window: Int)]()
        for p in points {
            let bits = MSM.bitLength(p.orAll)
            if forced == nil && p.count <= MSM.strausLimit {
                groups.append(Group(points: p, bits: bits, c: 0, windows: 1, digits: [], straus: true))
            } else {
                let c = forced ?? MSM.windowBits(points: p.count, scalarBits: bits)
                // A carry leaves the top window only when that window uses all c bits.
                let windows = bits / c + 1
                groups.append(Group(points: p, bits: bits, c: c, windows: windows,
                                    digits: MSM.signedDigits(p.scalars, c: c, windows: windows), straus: false))
            }
            windowOf += (0..<groups.last!.windows).map { (groups.count - 1, $0) }
        }
        self.direct = direct
        self.groups = groups
        self.windowOf = windowOf
        self.slices = slices
        sums = .allocate(capacity: max(1, windowOf.count))
        sums.initialize(repeating: .infinity, count: max(1, windowOf.count))
    }

    deinit {
        sums.deinitialize(count: max(1, windowOf.count))
        sums.deallocate()
    }

    /// Computes the windows of slice s (every `slices`-th window job from s); slices may run
    /// on different threads at once.
    @inlinable
    public func computeSlice(_ s: Int) {
        precondition((0..<slices).contains(s), "PreparedMSM: slice \(s) of \(slices)")
        for j in stride(from: s, to: windowOf.count, by: slices) {
            let (g, w) = windowOf[j]
            let group = groups[g]
            let p = group.points
            if group.straus {
                sums[j] = MSM.straus(coordinates: p.coordinates, scalars: p.scalars, bits: group.bits)
            } else {
                let n = p.count
                sums[j] = group.digits.withUnsafeBufferPointer { d in
                    MSM.windowSum(digits: d.baseAddress! + w * n, count: n, coordinates: p.coordinates,
                                  buckets: MSM.bucketCount(window: w, c: group.c, bits: group.bits))
                }
            }
        }
    }

    /// The MSM, once every slice has been computed.
    @inlinable
    public var sum: JacobianPoint<C> {
        var total = direct
        var j = 0
        for group in groups {
            // Σ 2^(c·w)·(window w's sum), doubling from the top window down.
            var acc = JacobianPoint<C>.infinity
            for w in stride(from: group.windows - 1, through: 0, by: -1) {
                if !acc.isInfinity { for _ in 0..<group.c { acc = acc.doubled() } }
                acc += sums[j + w]
            }
            total += acc
            j += group.windows
        }
        return total
    }
}
