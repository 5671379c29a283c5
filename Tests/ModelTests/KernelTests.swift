import Model
import TestSupport
import XCTest

/// Random integers in [lo, hi], with the extremes planted often so that edge values occur.
func randomValues(_ count: Int, _ lo: Int64, _ hi: Int64, rng: inout SeededRNG) -> [Int64] {
    (0..<count).map { _ in
        switch UInt8.random(in: 0..<10, using: &rng) {
        case 0: return lo
        case 1: return hi
        default: return Int64.random(in: lo...hi, using: &rng)
        }
    }
}

func randomWeights(_ count: Int, _ lo: Int32, _ hi: Int32, rng: inout SeededRNG) -> [Int32] {
    randomValues(count, Int64(lo), Int64(hi), rng: &rng).map { Int32($0) }
}

/// Known answers for the reference kernels themselves, then the fast kernels against them.
final class KernelReferenceTests: XCTestCase {
    func testFloorDivide() {
        XCTAssertEqual(floorDivide(7, 2), 3)
        XCTAssertEqual(floorDivide(-7, 2), -4)
        XCTAssertEqual(floorDivide(-8, 2), -4)
        XCTAssertEqual(floorDivide(0, 5), 0)
        XCTAssertEqual(floorDivide(-1, 5), -1)
    }

    func testGemmKnownAnswer() throws {
        // x = [[1, 2], [-3, 4]], w = [[5, 6], [7, -8], [0, 1]], bias = [10, 0, -1]
        let op = Gemm(input: 0, output: 1, n: 3, k: 2, weights: [5, 6, 7, -8, 0, 1], bias: [10, 0, -1])
        XCTAssertEqual(try ReferenceKernels.gemm([1, 2, -3, 4], op), [27, -9, 1, 19, -53, 3])
        XCTAssertEqual(try PreparedGemm(op).run([1, 2, -3, 4]), [27, -9, 1, 19, -53, 3])
    }

    func testConvKnownAnswer() throws {
        // 1 channel 3×3 input, 2×2 kernel, pad 1 top/left only, stride 2.
        let x: [Int64] = [1, 2, 3,
                          4, 5, 6,
                          7, 8, 9]
        let op = Conv(input: 0, output: 1, weightShape: [1, 1, 2, 2], weights: [1, -1, 2, 3], bias: [100],
                      strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], groups: 1)
        // outputs at (oy, ox) read rows 2oy−1, 2oy and columns 2ox−1, 2ox.
        // (0,0): only (0,0)·3 = 3; (0,1): (0,1)·2 + (0,2)·3 = 4 + 9 = 13
        // (1,0): (1,0)·(−1) + (2,0)·3 = −4 + 21 = 17
        // (1,1): 5·1 − 6 + 8·2 + 9·3 = 42
        XCTAssertEqual(try ReferenceKernels.conv(x, inputShape: [1, 1, 3, 3], op), [103, 113, 117, 142])
        XCTAssertEqual(try PreparedConv(op, inputShape: [1, 1, 3, 3]).run(x), [103, 113, 117, 142])
        // Dilation 2, no padding: one output = x00·1 − x02 + 2·x20 + 3·x22 = 1 − 3 + 14 + 27.
        let dil = Conv(input: 0, output: 1, weightShape: [1, 1, 2, 2], weights: [1, -1, 2, 3], bias: [],
                       strides: [1, 1], pads: [0, 0, 0, 0], dilations: [2, 2], groups: 1)
        XCTAssertEqual(try ReferenceKernels.conv(x, inputShape: [1, 1, 3, 3], dil), [39])
    }

    func testRequantizeKnownAnswers() throws {
        // k = 2, M = 1: acc/4 rounded half up. Ties: 2/4 → 1, −2/4 → 0, −6/4 → −1, 6/4 → 2.
        let op = Requantize(input: 0, output: 1, multipliers: [1], shift: 2, channelAxis: 0, lower: -100, upper: 100)
        let acc: [Int64] = [2, -2, -6, 6, 1, -1, 3, -3, 0, 5, -5]
        let expected: [Int64] = [1, 0, -1, 2, 0, 0, 1, -1, 0, 1, -1]
        let (v, q, r) = try ReferenceKernels.requantize(acc, shape: [acc.count], op)
        XCTAssertEqual(v, expected); XCTAssertEqual(q, expected)
        for i in acc.indices { XCTAssertEqual(acc[i] + 2, q[i] * 4 + r[i]); XCTAssert((0..<4).contains(r[i])) }
        // Saturation at both ends, k = 0 (y = acc·M), per-channel multipliers on axis 1 of [2, 2].
        let sat = Requantize(input: 0, output: 1, multipliers: [3, -2], shift: 0, channelAxis: 1, lower: -5, upper: 5)
        let s = try ReferenceKernels.requantize([1, 1, 4, -4], shape: [2, 2], sat)
        XCTAssertEqual(s.quotients, [3, -2, 12, 8]); XCTAssertEqual(s.values, [3, -2, 5, 5]); XCTAssertEqual(s.remainders, [0, 0, 0, 0])
        let f = try Kernels.requantize([1, 1, 4, -4], shape: [2, 2], sat, trace: true)
        XCTAssertEqual(f.values, s.values); XCTAssertEqual(f.quotients, s.quotients); XCTAssertEqual(f.remainders, s.remainders)
    }

    func testPoolKnownAnswers() throws {
        let x: [Int64] = [1, -2, 3,
                          -4, 5, -6,
                          7, -8, 9]
        let p = Pool(input: 0, output: 1, kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], countIncludePad: false)
        XCTAssertEqual(try ReferenceKernels.maxPool(x, inputShape: [1, 1, 3, 3], p), [1, 3, 7, 9])
        // Windows: {1} n=1; {−2,3} n=2 → ⌊(2·1+2)/4⌋ = 1; {−4,7} → ⌊8/4⌋ = 2 (1.5 rounds up); {5,−6,−8,9} → ⌊4/8⌋ = 0.
        let a = try ReferenceKernels.avgPool(x, inputShape: [1, 1, 3, 3], p)
        XCTAssertEqual(a.values, [1, 1, 2, 0]); XCTAssertEqual(a.remainders, [1, 0, 0, 4])
        // Counting the padding: n = 4 everywhere: {1} → ⌊6/8⌋ = 0; {−2,3} → ⌊6/8⌋ = 0; 3 → ⌊10/8⌋ = 1; 0 → 0.
        var pi = p; pi.countIncludePad = true
        XCTAssertEqual(try ReferenceKernels.avgPool(x, inputShape: [1, 1, 3, 3], pi).values, [0, 0, 1, 0])
        // A tie below zero: mean −1.5 rounds half up to −1; −2.5 to −2.
        let g = Pool(input: 0, output: 1, kernel: [1, 2], strides: [1, 2], pads: [0, 0, 0, 0])
        XCTAssertEqual(try ReferenceKernels.avgPool([-1, -2, -2, -3], inputShape: [1, 1, 1, 4], g).values, [-1, -2])
        XCTAssertEqual(try Kernels.avgPool([-1, -2, -2, -3], inputShape: [1, 1, 1, 4], g, trace: false).values, [-1, -2])
    }

    func testLayoutKnownAnswers() throws {
        // [2, 3] transposed: [[0,1,2],[3,4,5]] → [[0,3],[1,4],[2,5]]
        XCTAssertEqual(try ReferenceKernels.transpose([0, 1, 2, 3, 4, 5], shape: [2, 3], perm: [1, 0]), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try Kernels.transpose([0, 1, 2, 3, 4, 5], shape: [2, 3], perm: [1, 0]), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try ReferenceKernels.concat([[1, 2, 3, 4], [9, 8]], shapes: [[2, 2], [2, 1]], axis: 1), [1, 2, 9, 3, 4, 8])
        XCTAssertEqual(try Kernels.concat([[1, 2, 3, 4], [9, 8]], shapes: [[2, 2], [2, 1]], axis: 1), [1, 2, 9, 3, 4, 8])
        XCTAssertEqual(try ReferenceKernels.elementwise([[1, -2], [3, 4]], multipliers: [2, -1], offset: 5), [4, -3])
        XCTAssertEqual(ReferenceKernels.clamp([-9, 0, 9], lower: -1, upper: 2), [-1, 0, 2])
    }
}

final class KernelGemmTests: XCTestCase {
    func check(m: Int, n: Int, k: Int, x: ClosedRange<Int64>, w: ClosedRange<Int32>, threads: [Int] = [1, 2, 3],
               expect path: AccumulatorPath? = nil, rng: inout SeededRNG, file: StaticString = #filePath, line: UInt = #line) throws {
        let weights = randomWeights(n * k, w.lowerBound, w.upperBound, rng: &rng)
        let bias = randomValues(n, -1000, 1000, rng: &rng)
        let op = Gemm(input: 0, output: 1, n: n, k: k, weights: weights, bias: Bool.random(using: &rng) ? bias : [])
        let input = randomValues(m * k, x.lowerBound, x.upperBound, rng: &rng)
        let expected = try ReferenceKernels.gemm(input, op)
        let prepared = try PreparedGemm(op)
        for t in threads {
            let (got, used) = try prepared.runReportingPath(input, threads: t)
            XCTAssertEqual(got, expected, "Gemm \(m)×\(n)×\(k) x∈\(x) w∈\(w) threads \(t) path \(used)", file: file, line: line)
            if let path { XCTAssertEqual(used, path, "Gemm \(m)×\(n)×\(k) path", file: file, line: line) }
        }
    }

    func testRandomShapesInt8() throws {
        var rng = SeededRNG(seed: 1)
        let shapes = [(1, 1, 1), (1, 7, 3), (3, 5, 9), (6, 8, 16), (7, 9, 17), (13, 17, 33), (1, 33, 257),
                      (25, 19, 300), (64, 40, 130), (5, 100, 1), (2, 3, 1000), (12, 16, 8), (11, 24, 600)]
        for (m, n, k) in shapes {
            try check(m: m, n: n, k: k, x: -128...127, w: -128...127, expect: .int32, rng: &rng)
        }
    }

    func testInt16InputsAndExtremes() throws {
        var rng = SeededRNG(seed: 2)
        for (m, n, k) in [(1, 9, 31), (7, 13, 64), (20, 30, 40)] {
            try check(m: m, n: n, k: k, x: -32768...32767, w: -128...127, expect: .int32, rng: &rng)
            try check(m: m, n: n, k: k, x: -128...127, w: -32768...32767, expect: .int32, rng: &rng)
        }
        // Every product at its extreme: (−128)·(−128) and (−32768)·(−128) summed over K.
        let k = 1001
        let op = Gemm(input: 0, output: 1, n: 3, k: k, weights: [Int32](repeating: -128, count: 3 * k), bias: [1, 2, 3])
        let x = [Int64](repeating: -32768, count: 2 * k)
        XCTAssertEqual(try PreparedGemm(op).runReportingPath(x, threads: 2).values, try ReferenceKernels.gemm(x, op))
        let x8 = [Int64](repeating: -128, count: k) + [Int64](repeating: 127, count: k)
        XCTAssertEqual(try PreparedGemm(op).run(x8), try ReferenceKernels.gemm(x8, op))
    }

    func testBlockedAndInt64Paths() throws {
        var rng = SeededRNG(seed: 3)
        // Sums beyond int32 but pair sums within it: int32 blocks summed in int64.
        try check(m: 9, n: 11, k: 300, x: -32768...32767, w: -16000...16000, expect: .int32Blocks, rng: &rng)
        try check(m: 1, n: 20, k: 70001, x: -32768...32767, w: -255...255, threads: [1, 2], expect: .int32Blocks, rng: &rng)
        // A pair of (−32768)² products overflows int32: Int64 arithmetic.
        try check(m: 4, n: 5, k: 33, x: -32768...32767, w: -32768...32767, expect: .int64, rng: &rng)
        // Inputs or weights beyond int16.
        try check(m: 3, n: 7, k: 19, x: -40000...40000, w: -3...3, expect: .int64, rng: &rng)
        try check(m: 3, n: 7, k: 19, x: -3...3, w: -1_000_000...1_000_000, expect: .int64, rng: &rng)
    }

    /// Inputs of at least 2 × 64 Ki values, so that the A side is packed on several threads
    /// (`_packAParallel`) and the magnitude bound is the OR of the parts.
    func testParallelPacking() throws {
        var rng = SeededRNG(seed: 5)
        try check(m: 64, n: 8, k: 4096, x: -128...127, w: -128...127, threads: [1, 2, 3], expect: .int32, rng: &rng)
        try check(m: 37, n: 5, k: 5000, x: -32768...32767, w: -255...255, threads: [2, 3], rng: &rng)
        // One value beyond int16 in the last row group only: every part's bound must count.
        let k = 4096, m = 40
        let op = Gemm(input: 0, output: 1, n: 3, k: k, weights: randomWeights(3 * k, -5, 5, rng: &rng), bias: [7, 8, 9])
        var x = randomValues(m * k, -100, 100, rng: &rng)
        x[m * k - 1] = 40000
        let expected = try ReferenceKernels.gemm(x, op)
        for t in [2, 3] {
            let (got, used) = try PreparedGemm(op).runReportingPath(x, threads: t)
            XCTAssertEqual(got, expected, "threads \(t)")
            XCTAssertEqual(used, .int64, "threads \(t)")
        }
        x[m * k - 1] = -32768
        for t in [2, 3] {
            let (got, used) = try PreparedGemm(op).runReportingPath(x, threads: t)
            XCTAssertEqual(got, try ReferenceKernels.gemm(x, op), "threads \(t)")
            XCTAssertNotEqual(used, .int64, "threads \(t)")
        }
    }

    func testSumExactlyAtInt32Limits() throws {
        // Σ = 2^31 − 1 stays on the int32 path; one more flips to blocks; both exact.
        let k = 2
        let near = Gemm(input: 0, output: 1, n: 1, k: k, weights: [32767, 32767], bias: [5])
        let x: [Int64] = [32767, 32767]                  // 2·32767² = 2147352578 < 2^31
        XCTAssertEqual(try PreparedGemm(near).runReportingPath(x).values, try ReferenceKernels.gemm(x, near))
        let xs: [Int64] = [-32768, -32768]
        XCTAssertEqual(try PreparedGemm(near).run(xs), try ReferenceKernels.gemm(xs, near))
    }
}

final class KernelConvTests: XCTestCase {
    struct Case {
        var c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int
        var stride = [1, 1], pads = [0, 0, 0, 0], dil = [1, 1], groups = 1
    }

    func check(_ t: Case, x: ClosedRange<Int64> = -128...127, w: ClosedRange<Int32> = -128...127,
               expect path: AccumulatorPath? = nil, rng: inout SeededRNG, file: StaticString = #filePath, line: UInt = #line) throws {
        let weights = randomWeights(t.o * (t.c / t.groups) * t.kh * t.kw, w.lowerBound, w.upperBound, rng: &rng)
        let op = Conv(input: 0, output: 1, weightShape: [t.o, t.c / t.groups, t.kh, t.kw], weights: weights,
                      bias: randomValues(t.o, -5000, 5000, rng: &rng), strides: t.stride, pads: t.pads, dilations: t.dil, groups: t.groups)
        let shape = [1, t.c, t.h, t.w]
        let input = randomValues(t.c * t.h * t.w, x.lowerBound, x.upperBound, rng: &rng)
        let expected = try ReferenceKernels.conv(input, inputShape: shape, op)
        let prepared = try PreparedConv(op, inputShape: shape)
        XCTAssertEqual(expected.count, prepared.geometry.outputShape.reduce(1, *))
        for threads in [1, 2, 3] {
            let (got, used) = try prepared.runReportingPath(input, threads: threads)
            XCTAssertEqual(got, expected, "Conv \(t) threads \(threads) path \(used)", file: file, line: line)
            if let path { XCTAssertEqual(used, path, "Conv \(t)", file: file, line: line) }
        }
    }

    func testShapes() throws {
        var rng = SeededRNG(seed: 10)
        let cases: [Case] = [
            Case(c: 1, h: 1, w: 1, o: 4, kh: 1, kw: 1),
            Case(c: 3, h: 5, w: 7, o: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1]),
            Case(c: 4, h: 9, w: 6, o: 8, kh: 3, kw: 2, stride: [2, 1], pads: [2, 0, 1, 1]),
            Case(c: 5, h: 11, w: 13, o: 7, kh: 3, kw: 3, stride: [2, 3], pads: [1, 2, 0, 1], dil: [2, 1]),
            Case(c: 2, h: 8, w: 8, o: 9, kh: 2, kw: 3, dil: [3, 2], groups: 1),
            Case(c: 6, h: 7, w: 9, o: 12, kh: 3, kw: 3, pads: [1, 1, 1, 1], groups: 3),  // 4 outputs per group: GEMM
            Case(c: 8, h: 6, w: 6, o: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1], groups: 8),   // depthwise: direct
            Case(c: 4, h: 10, w: 3, o: 8, kh: 3, kw: 3, stride: [3, 1], pads: [2, 2, 2, 2], groups: 4),
            Case(c: 3, h: 17, w: 19, o: 16, kh: 5, kw: 5, stride: [2, 2], pads: [2, 2, 2, 2]),
            Case(c: 16, h: 12, w: 12, o: 13, kh: 1, kw: 1),
            Case(c: 1, h: 3, w: 40, o: 6, kh: 1, kw: 7, pads: [0, 3, 0, 3]),
            Case(c: 5, h: 9, w: 20, o: 6, kh: 3, kw: 3, pads: [2, 1, 0, 3], dil: [2, 2]),   // stride 1, dilated
            Case(c: 4, h: 7, w: 7, o: 7, kh: 3, kw: 3, pads: [0, 0, 0, 0], dil: [3, 3]),    // mostly dropped columns
        ]
        for t in cases { try check(t, rng: &rng) }
        for t in cases.prefix(6) { try check(t, x: -32768...32767, rng: &rng) }
    }

    func testPaths() throws {
        var rng = SeededRNG(seed: 11)
        let t = Case(c: 8, h: 9, w: 9, o: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1])
        try check(t, expect: .int32, rng: &rng)
        try check(t, x: -32768...32767, w: -30000...30000, expect: .int32Blocks, rng: &rng)
        try check(t, x: -32768...32767, w: -32768...32767, expect: .int64, rng: &rng)
        try check(t, x: -70000...70000, expect: .int64, rng: &rng)
        // Extreme constant inputs and weights.
        let op = Conv(input: 0, output: 1, weightShape: [5, 3, 3, 3], weights: [Int32](repeating: -128, count: 135), bias: [],
                      strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1)
        for v in [Int64(-128), 127, -32768] {
            let x = [Int64](repeating: v, count: 3 * 4 * 4)
            XCTAssertEqual(try PreparedConv(op, inputShape: [1, 3, 4, 4]).run(x, threads: 2), try ReferenceKernels.conv(x, inputShape: [1, 3, 4, 4], op))
        }
    }

    func testRejectsBadGeometry() {
        let base = Conv(input: 0, output: 1, weightShape: [4, 2, 3, 3], weights: [Int32](repeating: 1, count: 72), bias: [],
                        strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1)
        XCTAssertThrowsError(try ConvGeometry(base, inputShape: [1, 3, 5, 5]))   // channels
        XCTAssertThrowsError(try ConvGeometry(base, inputShape: [1, 2, 2, 5]))   // kernel taller than input
        var g = base; g.groups = 3
        XCTAssertThrowsError(try ConvGeometry(g, inputShape: [1, 6, 5, 5]))
        var s = base; s.strides = [0, 1]
        XCTAssertThrowsError(try ConvGeometry(s, inputShape: [1, 2, 5, 5]))
        var w = base; w.weights.removeLast()
        XCTAssertThrowsError(try ConvGeometry(w, inputShape: [1, 2, 5, 5]))
    }
}

final class KernelElementTests: XCTestCase {
    func testRequantizeRandom() throws {
        var rng = SeededRNG(seed: 20)
        for trial in 0..<60 {
            let shape = [1 + trial % 3, 1 + trial % 5, 3, 1 + trial % 4]
            let count = shape.reduce(1, *)
            let axis = trial % 4
            let perChannel = trial % 2 == 0
            let shift = [0, 1, 2, 7, 16, 31, 40][trial % 7]
            let mults = randomValues(perChannel ? shape[axis] : 1, -(1 << 20), 1 << 20, rng: &rng)
            let (lo, hi): (Int64, Int64) = trial % 3 == 0 ? (-128, 127) : (0, 255)
            let op = Requantize(input: 0, output: 1, multipliers: mults, shift: shift, channelAxis: axis, lower: lo, upper: hi)
            // Accumulators chosen so that ties, saturation and exact zeros all occur.
            var acc = randomValues(count, -(1 << 30), 1 << 30, rng: &rng)
            for i in stride(from: 0, to: count, by: 5) where shift > 0 { acc[i] = Int64.random(in: -3...3, using: &rng) << (shift - 1) }
            let ref = try ReferenceKernels.requantize(acc, shape: shape, op)
            let fast = try Kernels.requantize(acc, shape: shape, op, trace: true)
            XCTAssertEqual(fast.values, ref.values); XCTAssertEqual(fast.quotients, ref.quotients); XCTAssertEqual(fast.remainders, ref.remainders)
            XCTAssertEqual(try Kernels.requantize(acc, shape: shape, op, trace: false).values, ref.values)
            for r in ref.remainders { XCTAssert(r >= 0 && r < (Int64(1) << shift)) }
            XCTAssert(ref.values.contains(lo) || ref.values.contains(hi) || count < 10, "saturation occurs")
        }
    }

    func testRequantizeTiesAtHalf() throws {
        // acc·M + 2^(k−1) = j·2^k exactly: positive and negative ties round up.
        for shift in [1, 3, 12] {
            let half = Int64(1) << (shift - 1)
            let acc: [Int64] = [half, -half, 3 * half, -3 * half, 5 * half, -5 * half]
            let op = Requantize(input: 0, output: 1, multipliers: [1], shift: shift, channelAxis: 0, lower: -1000, upper: 1000)
            let fast = try Kernels.requantize(acc, shape: [6], op, trace: true)
            XCTAssertEqual(fast.values, [1, 0, 2, -1, 3, -2])
            XCTAssertEqual(fast.remainders, [0, 0, 0, 0, 0, 0])
            XCTAssertEqual(fast.values, try ReferenceKernels.requantize(acc, shape: [6], op).values)
        }
    }

    func testPoolsRandom() throws {
        var rng = SeededRNG(seed: 21)
        for trial in 0..<40 {
            let c = 1 + trial % 3, h = 1 + trial % 7, w = 2 + trial % 6
            let kh = 1 + trial % min(h, 3), kw = 1 + trial % min(w, 3)
            let pads = [trial % kh, (trial / 2) % kw, (trial / 3) % kh, (trial / 5) % kw]
            let p = Pool(input: 0, output: 1, kernel: [kh, kw], strides: [1 + trial % 2, 1 + trial % 3], pads: pads,
                         countIncludePad: trial % 2 == 1)
            let shape = [1, c, h, w]
            let x = randomValues(c * h * w, -1000, 1000, rng: &rng)
            XCTAssertEqual(try Kernels.maxPool(x, inputShape: shape, p), try ReferenceKernels.maxPool(x, inputShape: shape, p))
            let ref = try ReferenceKernels.avgPool(x, inputShape: shape, p)
            let fast = try Kernels.avgPool(x, inputShape: shape, p, trace: true)
            XCTAssertEqual(fast.values, ref.values); XCTAssertEqual(fast.remainders, ref.remainders)
        }
        // Global average pooling.
        let g = Pool(input: 0, output: 1, kernel: [5, 6], strides: [1, 1], pads: [0, 0, 0, 0])
        let x = randomValues(2 * 30, -50, 50, rng: &rng)
        XCTAssertEqual(try Kernels.avgPool(x, inputShape: [1, 2, 5, 6], g, trace: true).values,
                       try ReferenceKernels.avgPool(x, inputShape: [1, 2, 5, 6], g).values)
        // Pads as large as the kernel would leave windows without input: rejected.
        let bad = Pool(input: 0, output: 1, kernel: [2, 2], strides: [1, 1], pads: [2, 0, 0, 0])
        XCTAssertThrowsError(try Kernels.maxPool(x, inputShape: [1, 2, 5, 6], bad))
    }

    func testLayoutRandom() throws {
        var rng = SeededRNG(seed: 22)
        let perms = [[0], [1, 0], [0, 2, 1], [2, 0, 1], [3, 1, 0, 2], [0, 1, 2, 3]]
        for perm in perms {
            let shape = perm.indices.map { 1 + ($0 * 3 + perm.count) % 5 }
            let x = randomValues(shape.reduce(1, *), -9, 9, rng: &rng)
            XCTAssertEqual(try Kernels.transpose(x, shape: shape, perm: perm), try ReferenceKernels.transpose(x, shape: shape, perm: perm))
        }
        for axis in 0..<3 {
            var shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
            shapes[1][axis] = 1; shapes[2][axis] = 5
            let xs = shapes.map { randomValues($0.reduce(1, *), -9, 9, rng: &rng) }
            XCTAssertEqual(try Kernels.concat(xs, shapes: shapes, axis: axis), try ReferenceKernels.concat(xs, shapes: shapes, axis: axis))
        }
        let xs = (0..<3).map { _ in randomValues(50, -1 << 20, 1 << 20, rng: &rng) }
        XCTAssertEqual(try Kernels.elementwise(xs, multipliers: [3, -7, 1 << 10], offset: -99),
                       try ReferenceKernels.elementwise(xs, multipliers: [3, -7, 1 << 10], offset: -99))
        XCTAssertEqual(Kernels.clamp(xs[0], lower: -5, upper: 1000), ReferenceKernels.clamp(xs[0], lower: -5, upper: 1000))
    }
}

/// The AVX2 microkernel (C, runtime-dispatched) against the Swift baseline kernel on the same
/// packed operands: ragged row groups, partial panels, odd K, int32 and int32-block accumulation.
final class KernelMicrokernelTests: XCTestCase {
    func testBestKernelIsAVX2WhenAvailable() {
        // The other kernel tests run `.best`, so on an AVX2 machine they test the AVX2 kernel.
        XCTAssertEqual(Int16Microkernel.best, Int16Microkernel.avx2.isAvailable ? .avx2 : .baseline)
        XCTAssertTrue(Int16Microkernel.baseline.isAvailable)
    }

    func testGemmKernelsAgree() throws {
        guard Int16Microkernel.avx2.isAvailable else { throw XCTSkip("no AVX2 on this CPU") }
        var rng = SeededRNG(seed: 20)
        // (m, n, k): m around multiples of 6, n around multiples of 16, k odd and even.
        let shapes = [(1, 1, 1), (1, 16, 2), (5, 15, 3), (6, 16, 7), (7, 17, 33), (11, 31, 64), (12, 32, 129),
                      (13, 47, 255), (19, 1, 1000), (2, 50, 1001), (37, 65, 300), (64, 24, 77)]
        var paths = Set<AccumulatorPath>()
        for (m, n, k) in shapes {
            // int8: int32 accumulation; int16 × wide weights: int32 blocks summed in int64.
            for (x, w) in [(Int64(-128)...127, Int32(-128)...127), (-32768...32767, -16000...16000)] {
                let op = Gemm(input: 0, output: 1, n: n, k: k, weights: randomWeights(n * k, w.lowerBound, w.upperBound, rng: &rng),
                              bias: Bool.random(using: &rng) ? randomValues(n, -1000, 1000, rng: &rng) : [])
                let input = randomValues(m * k, x.lowerBound, x.upperBound, rng: &rng)
                let prepared = try PreparedGemm(op)
                let expected = try ReferenceKernels.gemm(input, op)
                for threads in [1, 2] {
                    let fast = try prepared.runReportingPath(input, threads: threads, microkernel: .avx2)
                    let base = try prepared.runReportingPath(input, threads: threads, microkernel: .baseline)
                    let what = "Gemm \(m)×\(n)×\(k) x∈\(x) threads \(threads)"
                    XCTAssertEqual(fast.values, base.values, what)
                    XCTAssertEqual(fast.values, expected, what)
                    XCTAssertEqual(fast.path, base.path, what)
                    paths.insert(fast.path)
                }
            }
        }
        XCTAssertEqual(paths, [.int32, .int32Blocks])
    }

    func testConvKernelsAgree() throws {
        guard Int16Microkernel.avx2.isAvailable else { throw XCTSkip("no AVX2 on this CPU") }
        var rng = SeededRNG(seed: 21)
        // (channels, size, outputs, kernel, stride, pad): shifted-grid (stride 1) and im2col forms.
        for (c, s, o, kk, stride, pad) in [(3, 9, 7, 3, 1, 1), (5, 13, 13, 3, 2, 1), (4, 17, 6, 1, 1, 0), (2, 11, 20, 5, 1, 2)] {
            let weights = randomWeights(o * c * kk * kk, -128, 127, rng: &rng)
            let op = Conv(input: 0, output: 1, weightShape: [o, c, kk, kk], weights: weights,
                          bias: randomValues(o, -5000, 5000, rng: &rng), strides: [stride, stride],
                          pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1)
            let shape = [1, c, s, s]
            let prepared = try PreparedConv(op, inputShape: shape)
            for x in [Int64(-128)...127, -32768...32767] {
                let input = randomValues(c * s * s, x.lowerBound, x.upperBound, rng: &rng)
                let expected = try ReferenceKernels.conv(input, inputShape: shape, op)
                for threads in [1, 2] {
                    let fast = try prepared.runReportingPath(input, threads: threads, microkernel: .avx2)
                    let base = try prepared.runReportingPath(input, threads: threads, microkernel: .baseline)
                    XCTAssertEqual(fast.values, base.values, "Conv c\(c) s\(s) o\(o) k\(kk) x∈\(x) threads \(threads)")
                    XCTAssertEqual(fast.values, expected, "Conv c\(c) s\(s) o\(o) k\(kk) x∈\(x) threads \(threads)")
                    XCTAssertNotEqual(fast.path, .int64)
                }
            }
        }
    }
}
