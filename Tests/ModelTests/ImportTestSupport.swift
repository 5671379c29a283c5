import Foundation
import Model
import XCTest

/// vectors/digits_vectors.json (vectors/gen_digits_models.py).
struct DigitsVectors: Decodable {
    struct Entry: Decodable {
        var file: String
        var input_shape: [Int]
        var float_accuracy: Double
        var onnxruntime_accuracy: Double?
        var onnxruntime_logits: [[Double]]
    }
    var test_inputs: [[Double]]
    var test_labels: [Int]
    var models: [String: Entry]

    nonisolated(unsafe) static var cached: DigitsVectors?
    static func load() throws -> DigitsVectors {
        if let cached { return cached }
        let v = try JSONDecoder().decode(DigitsVectors.self, from: Data(contentsOf: repoFile("vectors/digits_vectors.json")))
        cached = v
        return v
    }
}

/// vectors/models/fixtures/fixtures.json (vectors/gen_onnx_fixtures.py).
struct ONNXFixtures: Decodable {
    struct Calibration: Decodable { var input_data: [[Double]] }
    var zoo_calibration: Calibration
    var zoo_test_inputs: [[Double]]
    var matmul_integer_test_inputs: [[Double]]
    var shape_ops_calibration: Calibration
    var shape_ops_test_inputs: [[Double]]
    /// model → [sample][output][value]
    var onnxruntime_outputs: [String: [[[Double]]]]

    static func load() throws -> ONNXFixtures {
        try JSONDecoder().decode(ONNXFixtures.self, from: Data(contentsOf: fixture("fixtures.json")))
    }
}

func argmax(_ v: [Double]) -> Int {
    var best = 0
    for i in v.indices where v[i] > v[best] { best = i }
    return best
}

/// Runs a quantized model on float inputs (one list per input) and returns dequantized outputs.
func runQuantized(_ executor: ModelExecutor, _ inputs: [[Double]]) throws -> [[Double]] {
    let model = executor.model
    let trace = try executor.run(inputs: try model.quantizeInputs(inputs), threads: 1, trace: false)
    return model.dequantizeOutputs(model.outputs.map { trace.values[$0] })
}
