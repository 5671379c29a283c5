import Algebra
import Compiler
import Groth16
import Model
import TestSupport
import XCTest

/// A small model with every kind of nonlinear step, compiled and filled from the kernels' trace.
final class ModelCircuitTests: XCTestCase {
    /// input [1,1,4,4] → Conv(2 filters, 3×3, pad 1) → Requantize+ReLU → MaxPool 2×2 → AveragePool 2×2 (pad 1)
    /// → Reshape → Gemm(3) → Requantize (saturating) ; and an Elementwise/Clamp side branch.
    static func smallModel() -> QuantizedModel {
        var t: [TensorInfo] = []
        func tensor(_ name: String, _ shape: [Int], _ lo: Int64, _ hi: Int64) -> Int {
            t.append(TensorInfo(name: name, shape: shape, scale: 0.1, lower: lo, upper: hi)); return t.count - 1
        }
        let x = tensor("x", [1, 1, 4, 4], -7, 7)
        let acc = tensor("conv_acc", [1, 2, 4, 4], -700, 700)
        let r = tensor("relu", [1, 2, 4, 4], 0, 15)
        let mp = tensor("maxpool", [1, 2, 2, 2], 0, 15)
        let ap = tensor("avgpool", [1, 2, 2, 2], 0, 15)
        let flat = tensor("flat", [1, 8], 0, 15)
        let g = tensor("gemm_acc", [1, 3], -10_000, 10_000)
        let out = tensor("logits", [1, 3], -20, 20)
        let e = tensor("sum_acc", [1, 3], -1000, 1000)
        let c = tensor("clipped", [1, 3], -5, 5)
        let ops: [Op] = [
            .conv(Conv(input: x, output: acc, weightShape: [2, 1, 3, 3], weights: [1, -2, 3, 0, 4, -1, 2, 2, -3, -1, 1, 0, 2, -2, 1, 3, 0, 1],
                       bias: [5, -3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1)),
            .requantize(Requantize(input: acc, output: r, multipliers: [3, 5], shift: 4, channelAxis: 1, lower: 0, upper: 15)),
            .maxPool(Pool(input: r, output: mp, kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0])),
            .avgPool(Pool(input: mp, output: ap, kernel: [2, 2], strides: [1, 1], pads: [1, 1, 0, 0], countIncludePad: false)),
            .reshape(Reshape(input: ap, output: flat)),
            .gemm(Gemm(input: flat, output: g, n: 3, k: 8, weights: [3, -1, 2, 0, -4, 1, 1, 2, -2, 5, 0, 1, 1, -1, 3, -3, 1, 1, 1, 1, -1, -1, 2, -2],
                       bias: [10, -20, 0])),
            .requantize(Requantize(input: g, output: out, multipliers: [7], shift: 3, channelAxis: 1, lower: -20, upper: 20)),
            .elementwise(Elementwise(inputs: [out, out], output: e, multipliers: [2, -1], offset: 1)),
            .clamp(Clamp(input: e, output: c, lower: -5, upper: 5)),
        ]
        return QuantizedModel(tensors: t, ops: ops, inputs: [x], outputs: [out, c], source: "small")
    }

    func testCompiledCircuitIsSatisfiedByTheTraceAndPinsEveryWire() throws {
        let model = Self.smallModel()
        try model.validate()
        var rng = SeededRNG(seed: 7)
        let digest = Fr(123_456_789)
        let structure = try ModelCircuit.synthesize(model, digest: digest, inputVisibility: .private, values: nil)
        for round in 0..<4 {
            let input = (0..<16).map { _ in Int64.random(in: -7...7, using: &rng) }
            let trace = try ModelExecutor.run(model, inputs: [round == 0 ? [Int64](repeating: 7, count: 16) : input], threads: 1, trace: true)
            let proving = try ModelCircuit.synthesize(model, digest: digest, inputVisibility: .private, values: trace.values)
            XCTAssertEqual(proving.r1cs, structure.r1cs, "compile-time and prove-time circuits differ")
            let w = try XCTUnwrap(proving.witness)
            XCTAssertNil(proving.r1cs.firstUnsatisfied(w))
            // Public values: the outputs in order, then the digest.
            let outs = model.outputs.flatMap { trace.values[$0] }.map { Fr(signed: $0) }
            XCTAssertEqual(Array(w[1...outs.count]), outs)
            XCTAssertEqual(w[outs.count + 1], digest)
            if round == 0 {
                // Witness mutation: every wire (bits, quotients, maxima, outputs, digest, inputs) is pinned.
                for i in 1..<w.count {
                    var bad = w
                    bad[i] = bad[i] + .one
                    XCTAssertNotNil(proving.r1cs.firstUnsatisfied(bad), "wire \(i) of \(w.count) is free")
                }
            }
        }
        XCTAssertEqual(structure.layers.map(\.op), ["Input", "Conv", "Requantize", "MaxPool", "AveragePool", "Reshape", "Gemm",
                                                    "Requantize", "Elementwise", "Clamp", "Output", "Output"])
        XCTAssertEqual(structure.layers[1].constraints, 0, "a constant-weight conv must cost no constraints")
        XCTAssertEqual(structure.layers[6].constraints, 0, "a constant-weight gemm must cost no constraints")
    }

    func testATraceThatDisagreesWithTheKernelsIsRefused() throws {
        let model = Self.smallModel()
        var trace = try ModelExecutor.run(model, inputs: [[Int64](repeating: 3, count: 16)], threads: 1, trace: true)
        var reluLie = trace
        reluLie.values[2][5] += 1   // a ReLU output the kernels did not compute
        XCTAssertThrowsError(try ModelCircuit.synthesize(model, digest: .one, inputVisibility: .private, values: reluLie.values)) {
            XCTAssertTrue("\($0)".contains("relu[5]"), "\($0)")
        }
        trace.values[1][5] += 1     // an accumulator that does not follow from the input
        XCTAssertThrowsError(try ModelCircuit.synthesize(model, digest: .one, inputVisibility: .private, values: trace.values))
    }

    func testPublicInputVisibilityPutsTheInputAmongThePublicValues() throws {
        let model = Self.smallModel()
        let priv = try ModelCircuit.synthesize(model, digest: .one, inputVisibility: .private, values: nil)
        let pub = try ModelCircuit.synthesize(model, digest: .one, inputVisibility: .public, values: nil)
        XCTAssertEqual(priv.r1cs.numPublicInputs, 1)
        XCTAssertEqual(pub.r1cs.numPublicInputs, 17)
        XCTAssertEqual(pub.layout.numPublic, 6 + 1 + 16)
        XCTAssertEqual(priv.r1cs.numPrivateInputs, 16)
    }

    func testADifferentDigestGivesADifferentCircuit() throws {
        let model = Self.smallModel()
        let a = try ModelCircuit.synthesize(model, digest: Fr(1), inputVisibility: .private, values: nil)
        let b = try ModelCircuit.synthesize(model, digest: Fr(2), inputVisibility: .private, values: nil)
        XCTAssertNotEqual(a.r1cs, b.r1cs)
    }
}
