import Foundation
import Model
import TestSupport
import XCTest

final class ImportQuantizeTests: XCTestCase {
    struct Stats {
        var accuracy: Double
        var referenceAccuracy: Double
        var top1Agreement: Double
        var maxAbsError: Double
        var maxLogit: Double
        var maxErrorInSteps: Double
        /// Mean over samples of max_j |Δlogit_j|.
        var meanMaxError: Double
        /// Samples whose max |Δlogit| exceeds 5 % of the largest logit.
        var outliers: Int
    }

    /// Quantized model vs onnxruntime on the digits test split.
    func digits(_ name: String, calibration: String?, options: ImportOptions = ImportOptions()) throws -> (ImportResult, Stats) {
        let v = try DigitsVectors.load()
        let entry = try XCTUnwrap(v.models[name])
        let cal = try calibration.map { try InputData(contentsOf: repoFile($0)) }
        let result = try ONNXImporter.quantize(contentsOf: repoFile(entry.file), calibration: cal, options: options)
        let executor = try ModelExecutor(result.model)
        var correct = 0, refCorrect = 0, agree = 0
        var maxErr = 0.0, maxLogit = 0.0
        var sampleErrors: [Double] = []
        for (i, x) in v.test_inputs.enumerated() {
            let q = try runQuantized(executor, [x])[0]
            let ref = entry.onnxruntime_logits[i]
            if argmax(q) == v.test_labels[i] { correct += 1 }
            if argmax(ref) == v.test_labels[i] { refCorrect += 1 }
            if argmax(q) == argmax(ref) { agree += 1 }
            var e = 0.0
            for j in q.indices { e = max(e, abs(q[j] - ref[j])); maxLogit = max(maxLogit, abs(ref[j])) }
            maxErr = max(maxErr, e)
            sampleErrors.append(e)
        }
        let n = Double(v.test_inputs.count)
        let outScale = result.model.tensors[result.model.outputs[0]].scale
        let stats = Stats(accuracy: Double(correct) / n, referenceAccuracy: Double(refCorrect) / n, top1Agreement: Double(agree) / n,
                          maxAbsError: maxErr, maxLogit: maxLogit, maxErrorInSteps: maxErr / outScale,
                          meanMaxError: sampleErrors.reduce(0, +) / n, outliers: sampleErrors.filter { $0 > 0.05 * maxLogit }.count)
        print("\(name): accuracy \(stats.accuracy) (onnxruntime \(stats.referenceAccuracy)), agreement \(stats.top1Agreement), max |Δlogit| \(maxErr) of \(maxLogit) (\(stats.maxErrorInSteps) output steps), mean per-sample max \(stats.meanMaxError), \(stats.outliers) sample(s) above 5 %")
        print(result.report)
        return (result, stats)
    }

    /// Tolerance for float models vs onnxruntime on the test split (calibration: 100 training
    /// samples): accuracy within 0.5 points, top-1 agreement ≥ 99 %, mean of the per-sample max
    /// |Δlogit| ≤ 2 % of the largest logit and ≥ 98 % of samples within 5 %. The few samples
    /// further off have activations outside the calibrated range, which saturate (see the next test).
    func checkFloatModelTolerance(_ s: Stats) {
        XCTAssertGreaterThanOrEqual(s.accuracy, s.referenceAccuracy - 0.005)
        XCTAssertGreaterThanOrEqual(s.top1Agreement, 0.99)
        XCTAssertLessThanOrEqual(s.meanMaxError, 0.02 * s.maxLogit)
        XCTAssertLessThanOrEqual(s.outliers, 9)
    }

    /// Inputs inside the calibrated range: calibrated on the test split itself, every logit is
    /// within 3 % of the largest one.
    func testInRangeInputsStayClose() throws {
        let v = try DigitsVectors.load()
        for name in ["digits_mlp", "digits_cnn"] {
            let cal = InputData(inputs: [v.test_inputs.flatMap { $0 }])
            let r = try ONNXImporter.quantize(contentsOf: repoFile(v.models[name]!.file), calibration: cal)
            let ex = try ModelExecutor(r.model)
            var worst = 0.0, maxLogit = 0.0
            for (i, x) in v.test_inputs.enumerated() {
                let q = try runQuantized(ex, [x])[0], ref = v.models[name]!.onnxruntime_logits[i]
                for j in q.indices { worst = max(worst, abs(q[j] - ref[j])); maxLogit = max(maxLogit, abs(ref[j])) }
            }
            print("\(name) calibrated on the test split: max |Δlogit| \(worst) of \(maxLogit)")
            XCTAssertLessThanOrEqual(worst, 0.03 * maxLogit, name)
        }
    }

    func testDigitsMLPFloatModelQuantizes() throws {
        let (result, s) = try digits("digits_mlp", calibration: "circuits/digits_mlp/calibration.json")
        checkFloatModelTolerance(s)
        XCTAssertTrue(result.report.targetMet)
        XCTAssertEqual(result.report.samples, 100)
        XCTAssertEqual(result.model.ops.map(\.kind), ["Gemm", "Requantize", "Gemm", "Requantize", "Gemm", "Requantize"])
        let out = result.model.tensors[result.model.outputs[0]]
        XCTAssertEqual(out.name, "logits")
        XCTAssertEqual([out.lower, out.upper], [-32767, 32767], "a final Gemm is requantized to 16 bits")
        // ReLU fused into the hidden requantizations.
        for op in result.model.ops.dropLast() {
            if case .requantize(let r) = op { XCTAssertEqual(r.lower, 0) }
        }
    }

    func testDigitsCNNFloatModelQuantizes() throws {
        let (result, s) = try digits("digits_cnn", calibration: "circuits/digits_cnn/calibration.json")
        checkFloatModelTolerance(s)
        XCTAssertTrue(result.report.targetMet)
        XCTAssertEqual(result.model.ops.map(\.kind),
                       ["Conv", "Requantize", "MaxPool", "Conv", "Requantize", "AveragePool", "Reshape", "Gemm", "Requantize"],
                       "BatchNormalization folded into conv1, ReLUs fused")
    }

    /// QDQ: the model's scales, zero points and integers are kept; onnxruntime runs it as
    /// DequantizeLinear → float Gemm → QuantizeLinear, so the logits agree up to a few output steps.
    func testDigitsMLPQDQ() throws {
        let (result, s) = try digits("digits_mlp_qdq", calibration: nil)
        XCTAssertLessThanOrEqual(s.maxErrorInSteps, 2.01)
        XCTAssertGreaterThanOrEqual(s.top1Agreement, 0.99)
        XCTAssertGreaterThanOrEqual(s.accuracy, s.referenceAccuracy - 0.005)
        let input = result.model.tensors[result.model.inputs[0]]
        XCTAssertEqual([input.lower, input.upper], [0, 255], "int8 with zero point -128 becomes q + 128")
        XCTAssertEqual(input.scale, Double(Float(1.0 / 255.0)), accuracy: 1e-12)
        XCTAssertEqual(result.report.modelQuantizedTensors, 4)
    }

    func testDigitsCNNQOperator() throws {
        let (result, s) = try digits("digits_cnn_qoperator", calibration: nil)
        XCTAssertLessThanOrEqual(s.maxErrorInSteps, 2.01)
        XCTAssertGreaterThanOrEqual(s.top1Agreement, 0.99)
        XCTAssertGreaterThanOrEqual(s.accuracy, s.referenceAccuracy - 0.005)
        XCTAssertEqual(result.model.ops.map(\.kind),
                       ["Conv", "Requantize", "MaxPool", "Conv", "Requantize", "AveragePool", "Requantize", "Reshape", "Gemm", "Requantize"])
    }

    /// Escalation: 2-bit activations miss the target, so the importer tries wider ones.
    func testBitsGoUpUntilTheTargetIsMet() throws {
        let v = try DigitsVectors.load()
        let cal = try InputData(contentsOf: repoFile("circuits/digits_mlp/calibration.json"))
        let r = try ONNXImporter.quantize(contentsOf: repoFile(v.models["digits_mlp"]!.file), calibration: cal,
                                          options: ImportOptions(bits: 2))
        XCTAssertGreaterThan(r.report.attempts.count, 1)
        XCTAssertEqual(r.report.attempts.first?.bits, 2)
        XCTAssertGreaterThanOrEqual(r.report.bits, 8)
        XCTAssertTrue(r.report.targetMet)
        XCTAssertEqual(r.report.attempts.last?.bits, r.report.bits)
        let hidden = r.model.tensors.first { $0.name == "relu1" }!
        XCTAssertEqual(hidden.upper, Int64(1) << (r.report.bits - 1) - 1)
    }

    func testZooFloatModel() throws {
        let fx = try ONNXFixtures.load()
        let cal = InputData(inputs: fx.zoo_calibration.input_data, source: "fixtures.json")
        let r = try ONNXImporter.quantize(contentsOf: fixture("zoo.onnx"), calibration: cal)
        print(r.report)
        let executor = try ModelExecutor(r.model)
        let float = try FloatModel(try ONNXGraph(contentsOf: fixture("zoo.onnx")))
        for (i, x) in fx.zoo_test_inputs.enumerated() {
            let ref = fx.onnxruntime_outputs["zoo"]![i][0]
            let f = try float.run([x])[0]
            for j in ref.indices { XCTAssertEqual(f[j], ref[j], accuracy: 1e-4 * max(1, abs(ref[j]))) }
            let q = try runQuantized(executor, [x])[0]
            let m = ref.map(abs).max()!
            for j in ref.indices { XCTAssertEqual(q[j], ref[j], accuracy: 0.1 * m, "sample \(i) output \(j)") }
        }
    }

    func testZooQuantizedModels() throws {
        let fx = try ONNXFixtures.load()
        let cal = InputData(inputs: fx.zoo_calibration.input_data, source: "fixtures.json")
        for name in ["zoo_qdq", "zoo_qoperator"] {
            let r = try ONNXImporter.quantize(contentsOf: fixture("\(name).onnx"), calibration: cal)
            print(r.report)
            let executor = try ModelExecutor(r.model)
            let float = try FloatModel(try ONNXGraph(contentsOf: fixture("\(name).onnx")))
            let step = r.model.tensors[r.model.outputs[0]].scale
            var worst = 0.0
            for (i, x) in fx.zoo_test_inputs.enumerated() {
                let ref = fx.onnxruntime_outputs[name]![i][0]
                let f = try float.run([x])[0]
                let q = try runQuantized(executor, [x])[0]
                for j in ref.indices {
                    XCTAssertEqual(f[j], ref[j], accuracy: step * 1.01, "\(name): float reference, sample \(i) output \(j)")
                    worst = max(worst, abs(q[j] - ref[j]) / step)
                }
            }
            // Measured: 2 steps (QDQ), 1 step (QOperator); one step of a requantized tensor
            // inside the graph can move the output by a few steps.
            print("\(name): max error \(worst) output steps")
            XCTAssertLessThanOrEqual(worst, 4.01, name)
        }
    }

    func testIntegerOps() throws {
        let fx = try ONNXFixtures.load()
        let url = fixture("matmul_integer.onnx")
        let cal = InputData(inputs: [fx.matmul_integer_test_inputs.flatMap { $0 }])
        let r = try ONNXImporter.quantize(contentsOf: url, calibration: cal)
        print(r.report)
        let executor = try ModelExecutor(r.model)
        let float = try FloatModel(try ONNXGraph(contentsOf: url))
        for (i, x) in fx.matmul_integer_test_inputs.enumerated() {
            let refs = fx.onnxruntime_outputs["matmul_integer"]![i]
            let fs = try float.run([x])
            let qs = try runQuantized(executor, [x])
            for (o, ref) in refs.enumerated() {
                let m = ref.map(abs).max()!
                for j in ref.indices {
                    XCTAssertEqual(fs[o][j], ref[j], accuracy: 1e-5 * max(1, abs(ref[j])), "float: sample \(i) output \(o)")
                    XCTAssertEqual(qs[o][j], ref[j], accuracy: 1e-3 * m + 2 * r.model.tensors[r.model.outputs[o]].scale,
                                   "quantized: sample \(i) output \(o)")
                }
            }
        }
    }

    /// The accumulator (and every other) bound is sound: the executor checks each op's results
    /// against its tensor's bounds, here on random inputs anywhere in the input bounds, including
    /// the extremes, which no calibration sample reaches.
    func testBoundsAreSoundOnRandomInputs() throws {
        var rng = SeededRNG(seed: 0xb0_0d5)
        let fx = try ONNXFixtures.load()
        let zooCal = InputData(inputs: fx.zoo_calibration.input_data)
        let cases: [(URL, InputData?)] = [
            (repoFile("circuits/digits_mlp/model.onnx"), try InputData(contentsOf: repoFile("circuits/digits_mlp/calibration.json"))),
            (repoFile("circuits/digits_cnn/model.onnx"), try InputData(contentsOf: repoFile("circuits/digits_cnn/calibration.json"))),
            (repoFile("vectors/models/digits_mlp_qdq.onnx"), nil),
            (repoFile("vectors/models/digits_cnn_qoperator.onnx"), nil),
            (fixture("zoo.onnx"), zooCal), (fixture("zoo_qdq.onnx"), zooCal), (fixture("zoo_qoperator.onnx"), zooCal),
        ]
        for (url, cal) in cases {
            let model = try ONNXImporter.quantize(contentsOf: url, calibration: cal, options: ImportOptions(targetAccuracy: nil)).model
            let executor = try ModelExecutor(model)
            for trial in 0..<60 {
                let inputs = model.inputs.map { id -> [Int64] in
                    let t = model.tensors[id]
                    return (0..<t.count).map { _ in
                        switch trial % 3 {
                        case 0: return Int64.random(in: t.lower...t.upper, using: &rng)
                        case 1: return Bool.random(using: &rng) ? t.lower : t.upper
                        default: return trial % 2 == 0 ? t.upper : t.lower
                        }
                    }
                }
                XCTAssertNoThrow(try executor.run(inputs: inputs, threads: 1, trace: false), url.lastPathComponent)
            }
            // Gemm/Conv accumulator bounds are the exact interval bounds per channel (no slack), so
            // they can only be looser by the max over channels.
            for op in model.ops {
                guard case .gemm(let g) = op else { continue }
                let x = model.tensors[g.input], acc = model.tensors[g.output]
                var hi = Int64.min
                for n in 0..<g.n {
                    var h = g.bias[n]
                    for k in 0..<g.k { let w = Int64(g.weights[n * g.k + k]); h += w > 0 ? w * x.upper : w * x.lower }
                    hi = max(hi, h)
                }
                XCTAssertEqual(acc.upper, hi)
            }
        }
    }
}

final class ImportFixtureTests: XCTestCase {
    /// Exporter-style shape subgraphs fold to constants; the float model matches onnxruntime and
    /// the quantized one stays within 5 % of the largest output.
    func testShapeOps() throws {
        let fx = try ONNXFixtures.load()
        let url = fixture("shape_ops.onnx")
        let float = try FloatModel(try ONNXGraph(contentsOf: url))
        XCTAssertEqual(float.opKinds, ["Conv", "Relu", "MaxPool", "MaxPool", "Reshape", "Reshape", "Reshape", "Gemm"])
        let cal = InputData(inputs: fx.shape_ops_calibration.input_data)
        let r = try ONNXImporter.quantize(contentsOf: url, calibration: cal)
        print(r.report)
        let executor = try ModelExecutor(r.model)
        for (i, x) in fx.shape_ops_test_inputs.enumerated() {
            let ref = fx.onnxruntime_outputs["shape_ops"]![i][0]
            let f = try float.run([x])[0], q = try runQuantized(executor, [x])[0]
            let m = ref.map(abs).max()!
            for j in ref.indices {
                XCTAssertEqual(f[j], ref[j], accuracy: 1e-5 * max(1, abs(ref[j])), "float, sample \(i)")
                XCTAssertEqual(q[j], ref[j], accuracy: 0.05 * m, "quantized, sample \(i)")
            }
        }
    }

    /// Random byte flips in model files give an error or a model, never a crash or a hang, all the
    /// way through import, quantization and the accuracy check.
    func testCorruptModelsNeverCrashTheImporter() throws {
        let fx = try ONNXFixtures.load()
        let zooCal = InputData(inputs: fx.zoo_calibration.input_data)
        var rng = SeededRNG(seed: 0xf1_1e)
        var outcomes = [0, 0]
        for (name, cal) in [("zoo.onnx", zooCal), ("zoo_qoperator.onnx", zooCal), ("zoo_qdq.onnx", zooCal),
                            ("matmul_integer.onnx", InputData(inputs: [fx.matmul_integer_test_inputs[0]]))] {
            let original = [UInt8](try Data(contentsOf: fixture(name)))
            for _ in 0..<60 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                do {
                    let g = try ONNXGraph(bytes: bytes, source: name)
                    _ = try ONNXImporter.quantize(g, calibration: cal, options: ImportOptions(targetAccuracy: nil))
                    outcomes[0] += 1
                } catch is ONNXError {
                    outcomes[1] += 1
                } catch is InputDataError {
                    outcomes[1] += 1
                }
            }
        }
        print("corrupt models: \(outcomes[0]) imported, \(outcomes[1]) rejected")
        XCTAssertGreaterThan(outcomes[1], 0)
    }
}
