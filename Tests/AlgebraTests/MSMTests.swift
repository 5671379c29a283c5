import XCTest
import Algebra

final class MSMTests: XCTestCase {
    func check<C: CurveParameters>(_: C.Type, sizes: [Int], seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let g = JacobianPoint<C>.generator
        let pool = JacobianPoint<C>.batchNormalize((0..<64).map { _ in g * Fr.random(using: &rng) })
        for n in sizes {
            let bases = (0..<n).map { pool[($0 * 13 + n) % pool.count] }
            var scalars = (0..<n).map { _ in Fr.random(using: &rng) }
            for i in stride(from: 0, to: n, by: 3) { scalars[i] = [Fr.zero, Fr.one, -Fr.one, Fr(2)][i % 4] }
            let expected = MSM.naive(bases: bases, scalars: scalars)
            for t in [1, 2, 3] {
                XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: t), expected, "n=\(n) threads=\(t)")
            }
        }
    }

    func testG1MatchesNaiveSum() { check(BN254G1.self, sizes: [0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 255, 256, 257, 1025, 2049], seed: 40) }
    func testG2MatchesNaiveSum() { check(BN254G2.self, sizes: [0, 1, 2, 15, 16, 17, 300], seed: 41) }

    /// count points drawn from pool in turn, every other one negated.
    static func alternatingSigns<C: CurveParameters>(_ pool: [AffinePoint<C>], count n: Int) -> [AffinePoint<C>] {
        (0..<n).map { i -> AffinePoint<C> in
            let p = pool[(i / 2) % pool.count]
            return i % 2 == 0 ? p : -p
        }
    }

    /// G1 and G2 bucket batches run through the AVX-512 IFMA kernels where the CPU has them, else
    /// through the scalar code; both give the naive sum, also when a batch holds doublings and
    /// P + (−P) (few distinct points, half of them negated) and with partly filled lanes.
    func testVectorAndScalarBucketPathsAgree() {
        let saved = MSM.vectorKernelEnabled
        defer { MSM.vectorKernelEnabled = saved }
        var rng = SeededRNG(seed: 47)
        let pool = G1.batchNormalize((0..<5).map { _ in G1.generator * Fr.random(using: &rng) })
        let wide = G1.batchNormalize((0..<3001).map { _ in G1.generator * Fr.random(using: &rng) })
        for (n, few) in [(4000, true), (3001, false), (77, false)] {
            let bases: [G1Affine] = few ? Self.alternatingSigns(pool, count: n) : Array(wide.prefix(n))
            let random: [Fr] = (0..<n).map { _ in Fr.random(using: &rng) }
            for scalars in [random, Self.witnessLikeScalars(n, rng: &rng)] {
                let expected = MSM.naive(bases: bases, scalars: scalars)
                for enabled in [false, true] {
                    MSM.vectorKernelEnabled = enabled
                    for t in [1, 2] {
                        XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: t), expected,
                                       "n=\(n) kernel=\(enabled && MSM.vectorKernelAvailable) threads=\(t)")
                    }
                }
            }
        }
        let pool2 = G2.batchNormalize((0..<3).map { _ in G2.generator * Fr.random(using: &rng) })
        let wide2 = G2.batchNormalize((0..<700).map { _ in G2.generator * Fr.random(using: &rng) })
        for (n, few) in [(900, true), (700, false), (45, false)] {
            let bases: [G2Affine] = few ? Self.alternatingSigns(pool2, count: n) : Array(wide2.prefix(n))
            let random: [Fr] = (0..<n).map { _ in Fr.random(using: &rng) }
            let scalars = n == 700 ? Self.witnessLikeScalars(n, rng: &rng) : random
            let expected = MSM.naive(bases: bases, scalars: scalars)
            for enabled in [false, true] {
                MSM.vectorKernelEnabled = enabled
                XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: 1), expected,
                               "G2 n=\(n) kernel=\(enabled && MSM.vectorKernelAvailable)")
            }
        }
    }

    func testSmallAndBitScalars() {
        var rng = SeededRNG(seed: 42)
        let bases = G1.batchNormalize((0..<3000).map { _ in G1.generator * Fr.random(using: &rng) })
        let bits = (0..<3000).map { _ in Fr(rng.next() & 1) }
        let small = (0..<3000).map { _ in Fr(rng.next() % 1000) }
        XCTAssertEqual(MSM.multiply(bases: bases, scalars: bits, threads: 2), MSM.naive(bases: bases, scalars: bits))
        XCTAssertEqual(MSM.multiply(bases: bases, scalars: small, threads: 1), MSM.naive(bases: bases, scalars: small))
        let allMinusOne = [Fr](repeating: -Fr.one, count: 40)
        XCTAssertEqual(MSM.multiply(bases: Array(bases.prefix(40)), scalars: allMinusOne),
                       -MSM.multiply(bases: Array(bases.prefix(40)), scalars: [Fr](repeating: .one, count: 40)))
    }

    /// zkML-like scalars: mostly 0 and ±1, many small of both signs, a few mid-size and
    /// full-size ones; the small ones form their own bucket MSM (and negative ones are taken as
    /// −(r − k) on −P), which must not change the sum.
    static func witnessLikeScalars(_ n: Int, rng: inout SeededRNG) -> [Fr] {
        (0..<n).map { i in
            switch i % 10 {
            case 0, 1, 2: return .zero
            case 3, 4: return .one
            case 5: return -Fr.one
            case 6: return Fr(rng.next() % 200)
            case 7: return -Fr(rng.next() % 70_000)
            case 8: return i % 30 == 8 ? Fr(rng.next() >> 20) : -Fr(rng.next() >> 30)
            default: return i % 50 == 9 ? Fr.random(using: &rng) : Fr(rng.next() % 16)
            }
        }
    }

    func testWitnessLikeScalarsMatchNaiveSum() {
        var rng = SeededRNG(seed: 43)
        for n in [40, 700, 3000] {
            let bases = G1.batchNormalize((0..<n).map { _ in G1.generator * Fr.random(using: &rng) })
            let scalars = Self.witnessLikeScalars(n, rng: &rng)
            let expected = MSM.naive(bases: bases, scalars: scalars)
            XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: 1), expected, "n=\(n)")
            XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: 2), expected, "n=\(n), 2 threads")
        }
        let g2 = G2.batchNormalize((0..<300).map { _ in G2.generator * Fr.random(using: &rng) })
        let s2 = Self.witnessLikeScalars(300, rng: &rng)
        XCTAssertEqual(MSM.multiply(bases: g2, scalars: s2, threads: 1), MSM.naive(bases: g2, scalars: s2))
    }

    /// A prepared MSM's window slices, computed in any order, add up to the naive sum: witness-
    /// like scalars (a small and a large group), a few points (Straus), none, and G2.
    func testPreparedMSMSlicesSumLikeNaive() {
        var rng = SeededRNG(seed: 47)
        for n in [0, 5, 40, 700, 3000] {
            let bases = G1.batchNormalize((0..<n).map { _ in G1.generator * Fr.random(using: &rng) })
            let scalars = Self.witnessLikeScalars(n, rng: &rng)
            let expected = MSM.naive(bases: bases, scalars: scalars)
            for slices in [1, 3, 8] {
                let m = PreparedMSM(segments: [(bases[...], scalars[...])], slices: slices)
                for s in (0..<slices).reversed() { m.computeSlice(s) }
                XCTAssertEqual(m.sum, expected, "n=\(n), \(slices) slices")
            }
        }
        let g2 = G2.batchNormalize((0..<300).map { _ in G2.generator * Fr.random(using: &rng) })
        let s2 = (0..<300).map { _ in Fr.random(using: &rng) }
        let m = PreparedMSM(segments: [(g2[...], s2[...])], slices: 4)
        (0..<4).forEach(m.computeSlice)
        XCTAssertEqual(m.sum, MSM.naive(bases: g2, scalars: s2))
    }

    /// On several threads a large MSM is cut into parts of its points; the sum is the same as
    /// on one thread and with a forced window width (one MSM, windows over the threads).
    func testLargeMSMCutIntoPartsEqualsSingleThreaded() {
        var rng = SeededRNG(seed: 44)
        let pool = G1.batchNormalize((0..<97).map { _ in G1.generator * Fr.random(using: &rng) })
        for (n, witnessLike) in [(9000, true), (8192 + 5, false)] {
            let bases = (0..<n).map { pool[($0 * 31) % pool.count] }
            let scalars = witnessLike ? Self.witnessLikeScalars(n, rng: &rng) : (0..<n).map { _ in Fr.random(using: &rng) }
            let one = MSM.multiply(bases: bases, scalars: scalars, threads: 1)
            XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: 2), one, "n=\(n)")
            XCTAssertEqual(MSM.multiply(bases: bases, scalars: scalars, threads: 3), one, "n=\(n)")
            XCTAssertEqual(MSM.multiply(bases: bases[...], scalars: scalars[...], threads: 2, windowBits: 9, endomorphism: false), one)
        }
    }

    /// Segments form one MSM whose sum is the sum over all of them, also on several threads
    /// (each part takes a piece of every segment, some of them empty) and with an empty segment.
    func testSegmentsSumLikeOneMSM() {
        var rng = SeededRNG(seed: 46)
        let pool = G1.batchNormalize((0..<101).map { _ in G1.generator * Fr.random(using: &rng) })
        let lengths = [5000, 0, 7001, 3]
        let bases = lengths.map { n in (0..<n).map { pool[($0 * 7 + n) % pool.count] } }
        let scalars = lengths.enumerated().map { k, n in
            k == 2 ? Self.witnessLikeScalars(n, rng: &rng) : (0..<n).map { _ in Fr.random(using: &rng) }
        }
        let expected = zip(bases, scalars).reduce(G1.infinity) { $0 + MSM.naive(bases: $1.0, scalars: $1.1) }
        let segments = zip(bases, scalars).map { ($0[...], $1[...]) }
        for t in [1, 2, 3] {
            XCTAssertEqual(MSM.multiply(segments: segments, threads: t), expected, "threads=\(t)")
        }
    }

    /// A window with few buckets (the top one, where few bits remain) keeps each bucket as
    /// several sub-buckets and folds them before the weighted sum: top windows of 1, 2 and 4
    /// buckets, on one and two threads, give the naive sum.
    func testFewBucketTopWindowsMatchNaiveSum() {
        var rng = SeededRNG(seed: 45)
        let n = 3000
        let pool = G1.batchNormalize((0..<211).map { _ in G1.generator * Fr.random(using: &rng) })
        let bases = (0..<n).map { pool[($0 * 17) % pool.count] }
        let full = (0..<n).map { _ in Fr.random(using: &rng) }
        // Below 2^252 with 12-bit windows the top window holds only the carry: one bucket.
        let short = full.map { k -> Fr in
            let l = k.canonicalLimbs
            return Fr(canonicalLimbs: (l.0, l.1, l.2, l.3 & ((1 << 60) - 1)))
        }
        for (scalars, c) in [(full, 9), (full, 11), (short, 12)] {
            let expected = MSM.naive(bases: bases, scalars: scalars)
            for t in [1, 2] {
                XCTAssertEqual(MSM.multiply(bases: bases[...], scalars: scalars[...], threads: t, windowBits: c, endomorphism: false),
                               expected, "c=\(c) threads=\(t)")
            }
        }
    }

    func testWindowBitsGrowWithSize() {
        XCTAssertEqual(MSM.windowBits(for: 1), 3)
        XCTAssertLessThan(MSM.windowBits(for: 1 << 10), MSM.windowBits(for: 1 << 20))
    }
}
