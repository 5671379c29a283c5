import Foundation
import Model
import XCTest

final class ImportFloatTests: XCTestCase {
    /// The float interpreter reproduces onnxruntime on the digits test split.
    func testFloatModelsMatchOnnxruntime() throws {
        let v = try DigitsVectors.load()
        for name in ["digits_mlp", "digits_cnn"] {
            let entry = v.models[name]!
            let model = try FloatModel(try ONNXGraph(contentsOf: repoFile(entry.file)))
            XCTAssertEqual(model.inputShapes, [entry.input_shape])
            XCTAssertEqual(model.outputNames, ["logits"])
            var correct = 0
            for (i, x) in v.test_inputs.enumerated() {
                let y = try model.run([x])[0]
                for j in y.indices { XCTAssertEqual(y[j], entry.onnxruntime_logits[i][j], accuracy: 1e-4, "\(name) sample \(i)") }
                if argmax(y) == v.test_labels[i] { correct += 1 }
            }
            XCTAssertEqual(Double(correct) / Double(v.test_inputs.count), entry.float_accuracy, accuracy: 1e-9)
        }
    }

    /// Folding BatchNormalization (and constant Mul/Add after MatMul) into the layer before gives
    /// the same outputs as evaluating the unfolded graph.
    func testFoldingEqualsUnfoldedEvaluation() throws {
        let v = try DigitsVectors.load()
        let cnn = try ONNXGraph(contentsOf: repoFile("circuits/digits_cnn/model.onnx"))
        let folded = try FloatModel(cnn), unfolded = try FloatModel(cnn, fold: false)
        XCTAssertEqual(unfolded.opKinds, ["Conv", "Affine", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Reshape", "Gemm"])
        XCTAssertEqual(folded.opKinds, ["Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Reshape", "Gemm"])
        for x in v.test_inputs.prefix(100) {
            let a = try folded.run([x])[0], b = try unfolded.run([x])[0]
            for j in a.indices { XCTAssertEqual(a[j], b[j], accuracy: 1e-9 * max(1, abs(b[j]))) }
        }
        let fx = try ONNXFixtures.load()
        let zoo = try ONNXGraph(contentsOf: fixture("zoo.onnx"))
        let zf = try FloatModel(zoo), zu = try FloatModel(zoo, fold: false)
        XCTAssertEqual(zu.opKinds.filter { $0 == "Affine" }.count, 4, "BN, Mul, Sub and the MatMul bias Add")
        XCTAssertEqual(zf.opKinds.filter { $0 == "Affine" }.count, 1, "Mul and Sub merged; BN and the bias folded")
        for x in fx.zoo_test_inputs {
            let a = try zf.run([x])[0], b = try zu.run([x])[0]
            for j in a.indices { XCTAssertEqual(a[j], b[j], accuracy: 1e-9 * max(1, abs(b[j]))) }
        }
    }

    func testSymbolicBatchIsFixedToOne() throws {
        let m = try FloatModel(try ONNXGraph(contentsOf: fixture("symbolic_batch.onnx")))
        XCTAssertEqual(m.inputShapes, [[1, 4]])
        XCTAssertTrue(m.notes.contains { $0.contains("batch") })
        let y = try m.run([[1, 2, 3, 4]])[0]
        // relu(W x + b) with W, b from vectors/gen_onnx_fixtures.py.
        let expected = [max(0, 0.5 - 2 + 0.75 + 8 + 0.1), max(0, 1.5 - 2.25 + 0.5 - 0.2), max(0, -0.5 + 2 + 3 - 4 + 0.3)]
        for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testDynamicShapesNeedAFixedShape() throws {
        let g = try ONNXGraph(contentsOf: fixture("symbolic_features.onnx"))
        assertONNXError(.dynamicShape, contains: ["symbolic_features.onnx", "'x'", "[1, F]"]) { _ = try FloatModel(g) }
        let m = try FloatModel(g, inputShapes: ["x": [1, 4]])
        XCTAssertEqual(m.inputShapes, [[1, 4]])
        assertONNXError(.dynamicShape, contains: ["[2, 4]"]) { _ = try FloatModel(g, inputShapes: ["x": [2, 4]]) }
    }

    func testFloatModelRejectsBadInputs() throws {
        let m = try FloatModel(try ONNXGraph(contentsOf: fixture("tiny_gemm.onnx")))
        XCTAssertThrowsError(try m.run([[1, 2, 3]]))
        XCTAssertThrowsError(try m.run([[1, 2, .nan, 4]]))
        XCTAssertThrowsError(try m.run([]))
    }
}
