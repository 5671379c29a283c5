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

final class NTTTests: XCTestCase {
    func naiveEvaluate(_ coeffs: [Fr], at x: Fr) -> Fr {
        coeffs.reversed().reduce(Fr.zero) { $0 * x + $1 }
    }

    func testAgainstNaiveEvaluation() throws {
        var rng = SeededRNG(seed: 50)
        for logN in 0...6 {
            let d = try EvaluationDomain(minSize: 1 << logN)
            let coeffs = (0..<d.size).map { _ in Fr.random(using: &rng) }
            var a = coeffs
            d.ntt(&a, threads: 1)
            var w = Fr.one
            for i in 0..<d.size { XCTAssertEqual(a[i], naiveEvaluate(coeffs, at: w)); w = w * d.omega }
            var c = coeffs
            d.cosetNTT(&c, threads: 1)
            w = d.cosetShift
            for i in 0..<d.size { XCTAssertEqual(c[i], naiveEvaluate(coeffs, at: w)); w = w * d.omega }
        }
    }

    func testRoundTripsSingleAndMultiThreaded() throws {
        var rng = SeededRNG(seed: 51)
        for logN in [1, 10, 11, 12, 13, 15] {
            let d = try EvaluationDomain(minSize: 1 << logN)
            let coeffs = (0..<d.size).map { _ in Fr.random(using: &rng) }
            var a = coeffs, b = coeffs
            d.ntt(&a, threads: 1)
            d.ntt(&b, threads: 2)
            XCTAssertEqual(a, b)
            d.intt(&a, threads: 2)
            XCTAssertEqual(a, coeffs)
            b = coeffs
            d.cosetNTT(&b, threads: 2)
            d.cosetINTT(&b, threads: 1)
            XCTAssertEqual(b, coeffs)
        }
    }

    /// The fused evaluations → coset evaluations pass equals intt then cosetNTT, and both
    /// match naive evaluation on the coset; sizes cover the multi-threaded stages (≥ 2^12).
    func testCosetEvaluationsFromEvaluations() throws {
        var rng = SeededRNG(seed: 52)
        for logN in [0, 1, 2, 3, 5, 12, 13, 14, 15] {
            let d = try EvaluationDomain(minSize: 1 << logN)
            let evals = (0..<d.size).map { _ in Fr.random(using: &rng) }
            for t in [1, 2, 3] {
                var fused = evals, plain = evals
                d.cosetEvaluations(fromEvaluations: &fused, threads: t)
                d.intt(&plain, threads: t)
                let coeffs = plain
                d.cosetNTT(&plain, threads: t)
                XCTAssertEqual(fused, plain, "n = \(d.size) threads \(t)")
                if logN <= 5 {
                    var w = d.cosetShift
                    for i in 0..<d.size { XCTAssertEqual(fused[i], naiveEvaluate(coeffs, at: w)); w = w * d.omega }
                }
                var back = fused
                d.cosetINTT(&back, threads: t)
                XCTAssertEqual(back, coeffs, "n = \(d.size) threads \(t)")
            }
        }
    }

    /// Sizes 3·2^k and 9·2^k against naive evaluation (on the domain and its coset), round
    /// trips on one to three threads, equal results on every thread count, and the
    /// multi-threaded radix-2 parts (from 2^12: 3·2^12, 9·2^12, 9·2^13, 3·2^14, 9·2^14).
    func testOddFactorDomains() throws {
        var rng = SeededRNG(seed: 53)
        for (odd, k) in [(3, 0), (3, 1), (3, 2), (3, 3), (3, 5), (3, 12), (3, 14), (9, 0), (9, 1), (9, 2), (9, 4), (9, 12), (9, 13), (9, 14)] {
            let d = try EvaluationDomain(logSize: k, oddFactor: odd)
            XCTAssertEqual(d.size, odd << k)
            XCTAssertEqual(d.oddFactor, odd)
            XCTAssertEqual(d.omega.power(UInt64(d.size)), .one)
            XCTAssertNotEqual(d.omega.power(UInt64(d.size / 3)), .one, "order must have the factor \(odd)")
            if k > 0 { XCTAssertNotEqual(d.omega.power(UInt64(d.size / 2)), .one, "order must be \(odd)·2^k") }
            let coeffs = (0..<d.size).map { _ in Fr.random(using: &rng) }
            var single = coeffs
            d.ntt(&single, threads: 1)
            for t in [1, 2, 3] {
                var a = coeffs
                d.ntt(&a, threads: t)
                XCTAssertEqual(a, single, "n = \(d.size) threads \(t)")
                if d.size <= 96 {
                    var w = Fr.one
                    for i in 0..<d.size { XCTAssertEqual(a[i], naiveEvaluate(coeffs, at: w), "n = \(d.size) i = \(i)"); w = w * d.omega }
                } else {
                    let n = d.size
                    for i in [0, 1, n / 9, n / 3, n / 3 + 1, 2 * n / 3 + 1, n - 1] {
                        XCTAssertEqual(a[i], naiveEvaluate(coeffs, at: d.omega.power(UInt64(i))), "n = \(n) i = \(i)")
                    }
                }
                d.intt(&a, threads: t)
                XCTAssertEqual(a, coeffs, "n = \(d.size) threads \(t)")
                var c = coeffs
                d.cosetNTT(&c, threads: t)
                if d.size <= 36 {
                    var w = d.cosetShift
                    for i in 0..<d.size { XCTAssertEqual(c[i], naiveEvaluate(coeffs, at: w)); w = w * d.omega }
                }
                var fused = a
                d.ntt(&fused, threads: t)
                d.cosetEvaluations(fromEvaluations: &fused, threads: t)
                XCTAssertEqual(fused, c, "n = \(d.size) threads \(t)")
                d.cosetINTT(&c, threads: t)
                XCTAssertEqual(c, coeffs)
            }
        }
    }

    /// a[i] *= g^i, on one thread and in chunks (from 2^12 values) on two, each chunk
    /// starting from its own power.
    func testDistributePowers() throws {
        let d = try EvaluationDomain(logSize: 3)
        let g = Fr(7)
        for (count, t) in [(10, 1), (5000, 1), (5000, 2)] {
            var a = [Fr](repeating: .one, count: count)
            d.distributePowers(&a, g, threads: t)
            var w = Fr.one
            for i in 0..<count { XCTAssertEqual(a[i], w, "i = \(i) threads \(t)"); w = w * g }
        }
    }

    /// Columns transformed together (the prover's A, B, C) equal each column transformed
    /// alone, on one to three threads: with 9 radix-2 parts per column they go to the threads
    /// whole, with 3 per column only from three columns on, and 2^k domains split each
    /// transform's stages over the threads.
    func testColumnsTransformedTogetherMatchEachAlone() throws {
        var rng = SeededRNG(seed: 54)
        for (odd, k) in [(1, 4), (1, 13), (3, 2), (3, 12), (9, 1), (9, 12)] {
            let d = try EvaluationDomain(logSize: k, oddFactor: odd)
            for columns in 1...3 {
                let evals = (0..<columns * d.size).map { _ in Fr.random(using: &rng) }
                var alone = [Fr]()
                for j in 0..<columns {
                    var col = Array(evals[(j * d.size)..<((j + 1) * d.size)])
                    d.cosetEvaluations(fromEvaluations: &col, threads: 1)
                    alone += col
                }
                for t in 1...3 {
                    var together = evals
                    together.withUnsafeMutableBufferPointer { buf in
                        let cols = (0..<columns).map { j in UnsafeMutableBufferPointer(rebasing: buf[(j * d.size)..<((j + 1) * d.size)]) }
                        d.cosetEvaluations(fromEvaluations: cols, threads: t)
                    }
                    XCTAssertEqual(together, alone, "n = \(d.size) columns \(columns) threads \(t)")
                }
            }
        }
    }

    /// Keys made before the 9·2^k sizes must keep their domain's root of unity: for 2^k the
    /// 2^28-th root squared down, for 3·2^k 5^((r − 1)/(3·2^k)). The 2^28-th root is the one
    /// arkworks and snarkjs use for BN254's Fr (5^((r − 1)/2^28)), written out here.
    func testRootsOfEarlierSizesAreUnchanged() throws {
        let published = Fr(decimal: "19103219067921713944291392827692070036145651957329286315305642004821462161904")!
        XCTAssertEqual(Fr.twoAdicRootOfUnity, published)
        for k in [0, 1, 5, 13, 17] {
            var w = Fr.twoAdicRootOfUnity
            for _ in 0..<(28 - k) { w = w.squared() }
            XCTAssertEqual(try EvaluationDomain(logSize: k).omega, w, "2^\(k)")
        }
        for k in [0, 3, 15] {
            let w = Fr(5).power((Fr.modulus - BigUInt.one) / (BigUInt(3) << k))
            XCTAssertEqual(try EvaluationDomain(logSize: k, oddFactor: 3).omega, w, "3·2^\(k)")
        }
    }

    func testDomainSizeChoice() throws {
        // The smallest of the next 2^k, 3·2^k and 9·2^k.
        for (want, size) in [(0, 1), (1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (7, 8), (9, 9), (10, 12), (13, 16),
                             (17, 18), (19, 24), (65_539, 73_728), (73_729, 98_304), (98_305, 131_072),
                             (131_073, 147_456), (262_147, 294_912)] {
            XCTAssertEqual(EvaluationDomain.size(atLeast: want), size, "minSize \(want)")
            if size <= 1 << 12 { XCTAssertEqual(try EvaluationDomain(minSize: want).size, size) }
        }
        for size in [1, 2, 3, 6, 9, 18, 1 << 20, 3 << 20, 9 << 20, 3 << 28, 1 << 28, 9 << 28] {
            XCTAssertTrue(EvaluationDomain.isSupportedSize(size), "\(size)")
        }
        for size in [1, 2, 3, 6, 9, 72, 96, 128] { XCTAssertEqual(EvaluationDomain(exactSize: size)?.size, size) }
        for size in [0, -4, 5, 10, 15, 24 + 1, 27, 45, 3 << 29, 9 << 29, 1 << 29, 7 << 3] {
            XCTAssertFalse(EvaluationDomain.isSupportedSize(size), "\(size)")
            XCTAssertNil(EvaluationDomain(exactSize: size))
        }
    }

    func testDomainLimits() throws {
        XCTAssertThrowsError(try EvaluationDomain(minSize: (9 << 28) + 1))
        XCTAssertNil(EvaluationDomain.size(atLeast: (9 << 28) + 1))
        XCTAssertEqual(EvaluationDomain.size(atLeast: (1 << 28) + 1), 9 << 25)
        XCTAssertEqual(EvaluationDomain.size(atLeast: 3 << 28), 3 << 28)
        XCTAssertEqual(EvaluationDomain.size(atLeast: (3 << 28) + 1), 9 << 27)
        XCTAssertEqual(EvaluationDomain.maxSize, 9 << 28)
        let d = try EvaluationDomain(minSize: 1000)
        XCTAssertEqual(d.size, 1024)
        XCTAssertEqual(d.omega.power(UInt64(1024)), .one)
        XCTAssertNotEqual(d.omega.power(UInt64(512)), .one)
        XCTAssertTrue(d.vanishing(at: d.omega.power(UInt64(5))).isZero)
        XCTAssertFalse(d.vanishing(at: d.cosetShift).isZero)
    }
}
