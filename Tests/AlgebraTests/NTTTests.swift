import XCTest
import Algebra

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

    /// The AVX-512 IFMA kernels (where the CPU has them: radix-2 butterflies, radix-3 combine
    /// steps) give exactly the scalar code's values (so also canonical ones), forward and
    /// inverse, on one and two threads: on random values and on r − 1 and 0, the largest and
    /// smallest canonical values, at the edges of the kernels' reductions; over 2^3 (one vector
    /// stage) to 2^14 (stages split over the threads), and 3·2^k and 9·2^k domains whose
    /// combine steps are all scalar (9·2^1), partly vector (9·2^2: 12 steps) or all vector.
    func testVectorAndScalarTransformsAgree() throws {
        let saved = EvaluationDomain.vectorKernelEnabled
        defer { EvaluationDomain.vectorKernelEnabled = saved }
        var rng = SeededRNG(seed: 55)
        let minusOne = Fr.zero - Fr.one
        for (odd, k) in [(1, 3), (1, 4), (1, 5), (1, 11), (1, 12), (1, 14), (3, 4), (3, 12), (9, 1), (9, 2), (9, 3), (9, 13)] {
            let d = try EvaluationDomain(logSize: k, oddFactor: odd)
            let inputs: [[Fr]] = [(0..<d.size).map { _ in Fr.random(using: &rng) },
                                  [Fr](repeating: minusOne, count: d.size),
                                  (0..<d.size).map { $0 % 3 == 0 ? .zero : minusOne }]
            for (n, values) in inputs.enumerated() {
                for t in [1, 2] {
                    var results = [[Fr]]()
                    for enabled in [false, true] {
                        EvaluationDomain.vectorKernelEnabled = enabled
                        var a = values, b = values
                        d.ntt(&a, threads: t)
                        d.intt(&b, threads: t)
                        results.append(a + b)
                    }
                    XCTAssertEqual(results[0], results[1],
                                   "n = \(d.size) input \(n) threads \(t) kernel \(EvaluationDomain.vectorKernelInUse)")
                }
            }
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
