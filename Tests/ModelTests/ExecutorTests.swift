import Model
import TestSupport
import XCTest

/// Builds small models with sound declared bounds (interval arithmetic over the weights).
struct ModelBuilder {
    var tensors: [TensorInfo] = []
    var ops: [Op] = []
    var rng: SeededRNG

    mutating func tensor(_ name: String, _ shape: [Int], _ lower: Int64, _ upper: Int64) -> TensorID {
        tensors.append(TensorInfo(name: name, shape: shape, scale: 1, lower: lower, upper: upper))
        return tensors.count - 1
    }
    func mag(_ t: TensorID) -> Int64 { max(tensors[t].lower.magnitude, tensors[t].upper.magnitude).toInt64 }

    mutating func conv(_ x: TensorID, out o: Int, k: Int, stride: Int = 1, pad: Int = 0, dil: Int = 1, groups: Int = 1) -> TensorID {
        let c = tensors[x].shape[1]
        let w = randomWeights(o * (c / groups) * k * k, -128, 127, rng: &rng)
        let bias = randomValues(o, -500, 500, rng: &rng)
        let op = Conv(input: x, output: tensors.count, weightShape: [o, c / groups, k, k], weights: w, bias: bias,
                      strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [dil, dil], groups: groups)
        let g = try! ConvGeometry(op, inputShape: tensors[x].shape)
        let rowSum = (0..<o).map { r in w[(r * g.reduction)..<((r + 1) * g.reduction)].reduce(Int64(0)) { $0 + Int64($1.magnitude) } }.max()!
        let b = rowSum * mag(x) + 500
        let y = tensor("conv\(ops.count)", g.outputShape, -b, b)
        ops.append(.conv(op))
        return y
    }
    mutating func gemm(_ x: TensorID, n: Int) -> TensorID {
        let k = tensors[x].shape.last!, m = tensors[x].count / k
        let w = randomWeights(n * k, -128, 127, rng: &rng)
        let rowSum = (0..<n).map { r in w[(r * k)..<((r + 1) * k)].reduce(Int64(0)) { $0 + Int64($1.magnitude) } }.max()!
        let b = rowSum * mag(x) + 100
        let y = tensor("gemm\(ops.count)", [m, n], -b, b)
        ops.append(.gemm(Gemm(input: x, output: y, n: n, k: k, weights: w, bias: randomValues(n, -100, 100, rng: &rng))))
        return y
    }
    mutating func requantize(_ x: TensorID, axis: Int, shift: Int, lower: Int64, upper: Int64) -> TensorID {
        let channels = tensors[x].shape[axis]
        let y = tensor("rq\(ops.count)", tensors[x].shape, lower, upper)
        ops.append(.requantize(Requantize(input: x, output: y, multipliers: randomValues(channels, 1, 1 << 12, rng: &rng),
                                          shift: shift, channelAxis: axis, lower: lower, upper: upper)))
        return y
    }
    mutating func add(_ op: Op, _ shape: [Int], _ lower: Int64, _ upper: Int64) -> TensorID {
        let y = tensor("t\(ops.count)", shape, lower, upper)
        ops.append(op)
        return y
    }
}

extension UInt64 { var toInt64: Int64 { Int64(self) } }

final class ExecutorTests: XCTestCase {
    /// conv → requantize → ReLU → max pool → depthwise conv → requantize → avg pool → transpose →
    /// reshape → concat with a second branch → gemm → requantize, plus an elementwise add.
    func smallModel(seed: UInt64) -> QuantizedModel {
        var b = ModelBuilder(rng: SeededRNG(seed: seed))
        let x = b.tensor("input", [1, 3, 11, 9], -128, 127)
        let c1 = b.conv(x, out: 8, k: 3, pad: 1)
        let r1 = b.requantize(c1, axis: 1, shift: 14, lower: -128, upper: 127)
        let relu = b.add(.clamp(Clamp(input: r1, output: b.tensors.count, lower: 0, upper: 127)), [1, 8, 11, 9], 0, 127)
        let mp = b.add(.maxPool(Pool(input: relu, output: b.tensors.count, kernel: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1])),
                       [1, 8, 6, 5], 0, 127)
        let dw = b.conv(mp, out: 8, k: 3, pad: 1, groups: 8)
        let r2 = b.requantize(dw, axis: 1, shift: 10, lower: -128, upper: 127)
        let ap = b.add(.avgPool(Pool(input: r2, output: b.tensors.count, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1],
                                     countIncludePad: false)), [1, 8, 3, 3], -128, 127)
        let c2 = b.conv(mp, out: 4, k: 2, stride: 2, dil: 1)                         // second branch [1, 4, 3, 2]
        let r3 = b.requantize(c2, axis: 1, shift: 12, lower: -128, upper: 127)
        let tr = b.add(.transpose(Transpose(input: r3, output: b.tensors.count, perm: [0, 1, 3, 2])), [1, 4, 2, 3], -128, 127)
        let apFlat = b.add(.reshape(Reshape(input: ap, output: b.tensors.count)), [1, 72], -128, 127)
        let trFlat = b.add(.reshape(Reshape(input: tr, output: b.tensors.count)), [1, 24], -128, 127)
        let cat = b.add(.concat(Concat(inputs: [apFlat, trFlat], output: b.tensors.count, axis: 1)), [1, 96], -128, 127)
        let fc = b.gemm(cat, n: 10)
        let r4 = b.requantize(fc, axis: 1, shift: 9, lower: -128, upper: 127)
        let r5 = b.requantize(fc, axis: 0, shift: 0, lower: -(1 << 40), upper: 1 << 40)
        let sum = b.add(.elementwise(Elementwise(inputs: [r4, r5], output: b.tensors.count, multipliers: [3, -1], offset: 7)),
                        [1, 10], -(1 << 41), 1 << 41)
        return QuantizedModel(tensors: b.tensors, ops: b.ops, inputs: [x], outputs: [sum, r4, cat], source: "small-test-model")
    }

    func testFastMatchesReference() throws {
        for seed in [UInt64(1), 2, 3] {
            let model = smallModel(seed: seed)
            var rng = SeededRNG(seed: seed + 100)
            let input = randomValues(3 * 11 * 9, -128, 127, rng: &rng)
            let ref = try ModelExecutor.runReference(model, inputs: [input])
            for threads in [1, 2] {
                let fast = try ModelExecutor.run(model, inputs: [input], threads: threads, trace: true)
                XCTAssertEqual(fast, ref, "seed \(seed) threads \(threads)")
            }
            XCTAssertEqual(Set(ref.quotients.keys), Set(model.ops.indices.filter {
                if case .requantize = model.ops[$0] { return true }
                if case .avgPool = model.ops[$0] { return true }
                return false
            }))
            // Requantize remainders satisfy their defining identity.
            for (i, op) in model.ops.enumerated() {
                if case .requantize(let r) = op {
                    for v in ref.remainders[i]! { XCTAssert(v >= 0 && v < Int64(1) << r.shift || (r.shift == 0 && v == 0)) }
                }
            }
            // Without a trace: the same outputs, no quotients, intermediates released.
            let lean = try ModelExecutor.run(model, inputs: [input], threads: 2, trace: false)
            for o in model.outputs { XCTAssertEqual(lean.values[o], ref.values[o]) }
            XCTAssertTrue(lean.quotients.isEmpty && lean.remainders.isEmpty)
            XCTAssertTrue(lean.values[1].isEmpty, "the first conv's accumulators are released")
        }
    }

    func testRejectsBadInputs() throws {
        let model = smallModel(seed: 1)
        let good = [Int64](repeating: 0, count: 297)
        XCTAssertThrowsError(try ModelExecutor.run(model, inputs: [], threads: 1, trace: true)) { e in
            XCTAssertTrue("\(e)".contains("takes 1 input"), "\(e)")
        }
        XCTAssertThrowsError(try ModelExecutor.run(model, inputs: [Array(good.dropLast())], threads: 1, trace: true)) { e in
            XCTAssertTrue("\(e)".contains("'input'") && "\(e)".contains("296"), "\(e)")
        }
        var bad = good; bad[17] = 128
        XCTAssertThrowsError(try ModelExecutor.run(model, inputs: [bad], threads: 1, trace: true)) { e in
            XCTAssertTrue("\(e)".contains("'input'") && "\(e)".contains("128") && "\(e)".contains("index 17"), "\(e)")
        }
        bad[17] = -129
        XCTAssertThrowsError(try ModelExecutor.runReference(model, inputs: [bad]))
    }

    func testOutputBoundViolationNamesOpAndTensor() throws {
        var model = smallModel(seed: 2)
        // Declare the first conv's accumulator range too small.
        model.tensors[1].lower = -10; model.tensors[1].upper = 10
        let input = [Int64](repeating: 100, count: 297)
        XCTAssertThrowsError(try ModelExecutor.run(model, inputs: [input], threads: 1, trace: false)) { e in
            XCTAssertTrue("\(e)".contains("op 0 (Conv)") && "\(e)".contains("'conv0'"), "\(e)")
        }
        XCTAssertThrowsError(try ModelExecutor.runReference(model, inputs: [input]))
    }

    func testRejectsInvalidModels() {
        let t = [TensorInfo(name: "x", shape: [1, 4], scale: 1, lower: -128, upper: 127),
                 TensorInfo(name: "y", shape: [1, 2], scale: 1, lower: -1000, upper: 1000)]
        let gemm = Gemm(input: 0, output: 1, n: 2, k: 4, weights: [1, 2, 3, 4, 5, 6, 7, 8], bias: [0, 0])
        XCTAssertNoThrow(try ModelExecutor(QuantizedModel(tensors: t, ops: [.gemm(gemm)], inputs: [0], outputs: [1], source: "m")))
        // Op reads a tensor nobody produced.
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t, ops: [.gemm(gemm)], inputs: [], outputs: [1], source: "m")))
        // Weight count mismatch.
        var g = gemm; g.weights.removeLast()
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t, ops: [.gemm(g)], inputs: [0], outputs: [1], source: "m"))) { e in
            XCTAssertTrue("\(e)".contains("op 0 (Gemm)"), "\(e)")
        }
        // Output shape mismatch.
        var t2 = t; t2[1].shape = [1, 3]
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t2, ops: [.gemm(gemm)], inputs: [0], outputs: [1], source: "m")))
        // Requantize whose acc·M could overflow Int64.
        var t3 = t; t3[1].lower = -(1 << 40); t3[1].upper = 1 << 40
        t3.append(TensorInfo(name: "z", shape: [1, 2], scale: 1, lower: -128, upper: 127))
        let rq = Requantize(input: 1, output: 2, multipliers: [1 << 30], shift: 3, channelAxis: 0, lower: -128, upper: 127)
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t3, ops: [.gemm(gemm), .requantize(rq)], inputs: [0], outputs: [2], source: "m"))) { e in
            XCTAssertTrue("\(e)".contains("op 1 (Requantize)") && "\(e)".contains("64 bits"), "\(e)")
        }
        // Unproduced output, out-of-range ids.
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t, ops: [], inputs: [0], outputs: [1], source: "m")))
        XCTAssertThrowsError(try ModelExecutor(QuantizedModel(tensors: t, ops: [], inputs: [5], outputs: [], source: "m")))
    }
}
