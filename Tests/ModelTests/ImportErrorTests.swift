import Foundation
import Model
import XCTest

final class ImportErrorTests: XCTestCase {
    func testUnsupportedOpNamesTheOpAndNode() throws {
        assertONNXError(.unsupportedOp, contains: ["unsupported_op.onnx", "Softmax", "'probabilities'", "Supported operators", "Conv"]) {
            _ = try ONNXImporter.quantize(contentsOf: fixture("unsupported_op.onnx"), calibration: InputData(inputs: [[1, 2, 3, 4]]))
        }
    }

    func testMalformedModelFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkshard-import-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try Data(contentsOf: fixture("zoo.onnx"))
        let cut = dir.appendingPathComponent("cut.onnx")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        assertONNXError(.malformed, contains: ["cut.onnx", "truncated"]) {
            _ = try ONNXImporter.quantize(contentsOf: cut, calibration: nil)
        }
        let text = dir.appendingPathComponent("text.onnx")
        try Data("{\"input_data\": [[1]]}".utf8).write(to: text)
        XCTAssertThrowsError(try ONNXImporter.quantize(contentsOf: text, calibration: nil)) { e in
            XCTAssertTrue("\(e)".hasPrefix("text.onnx: "), "\(e)")
        }
    }

    func testFloatModelsNeedCalibration() {
        assertONNXError(.quantization, contains: ["calibration"]) {
            _ = try ONNXImporter.quantize(contentsOf: fixture("tiny_gemm.onnx"), calibration: nil)
        }
    }

    func testCalibrationMustFitTheModel() {
        XCTAssertThrowsError(try ONNXImporter.quantize(contentsOf: fixture("tiny_gemm.onnx"), calibration: InputData(inputs: [[1, 2, 3]]))) { e in
            XCTAssertEqual((e as? InputDataError)?.field, "input_data[0]", "\(e)")
            XCTAssertTrue("\(e)".contains("multiple"), "\(e)")
        }
        XCTAssertThrowsError(try ONNXImporter.quantize(contentsOf: fixture("tiny_gemm.onnx"),
                                                       calibration: InputData(inputs: [[1, 2, 3, 4], [1]])))
    }

    // MARK: - input.json

    func parse(_ json: String) throws -> InputData { try InputData(json: Data(json.utf8), source: "input.json") }

    func assertInputError(_ json: String, field: String, contains: String, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json), line: line) { e in
            guard let e = e as? InputDataError else { return XCTFail("\(e)", line: line) }
            XCTAssertEqual(e.file, "input.json", line: line)
            XCTAssertEqual(e.field, field, "\(e)", line: line)
            XCTAssertTrue(e.description.contains(contains), "\(e)", line: line)
        }
    }

    func testInputDataParses() throws {
        let d = try parse(#"{"input_data": [[0.5, -1, 2e-3, 4]], "output_data": [[1]]}"#)
        XCTAssertEqual(d.inputs, [[0.5, -1, 0.002, 4]])
        XCTAssertEqual(try d.samples(inputSizes: [2]), [[[0.5, -1]], [[0.002, 4]]])
        XCTAssertEqual(try d.samples(inputSizes: [4]), [[[0.5, -1, 0.002, 4]]])
        let nested = try parse(#"{"input_data": [[[1, 2], [3, 4]], [5]]}"#)
        XCTAssertEqual(nested.inputs, [[1, 2, 3, 4], [5]])
        let file = try InputData(contentsOf: repoFile("circuits/digits_mlp/input.json"))
        XCTAssertEqual(file.source, "input.json")
        XCTAssertEqual(try file.samples(inputSizes: [64]).count, 1)
        XCTAssertEqual(try InputData(contentsOf: repoFile("circuits/digits_mlp/calibration.json")).samples(inputSizes: [64]).count, 100)
    }

    func testInputDataErrors() {
        assertInputError("not json", field: "file", contains: "not valid JSON")
        assertInputError("[1, 2]", field: "file", contains: "object")
        assertInputError(#"{"inputs": [[1]]}"#, field: "input_data", contains: "missing")
        assertInputError(#"{"input_data": []}"#, field: "input_data", contains: "non-empty")
        assertInputError(#"{"input_data": [1, 2]}"#, field: "input_data[0]", contains: "a number")
        assertInputError(#"{"input_data": [[1, "2"]]}"#, field: "input_data[0][1]", contains: "string")
        assertInputError(#"{"input_data": [[1, true]]}"#, field: "input_data[0][1]", contains: "true")
        assertInputError(#"{"input_data": [[1, null]]}"#, field: "input_data[0][1]", contains: "null")
        assertInputError(#"{"input_data": [[]]}"#, field: "input_data[0]", contains: "empty")
        let d = InputData(inputs: [[1, 2, 3], [1, 2]], source: "input.json")
        XCTAssertThrowsError(try d.samples(inputSizes: [3])) { XCTAssertTrue("\($0)".contains("1 input(s)"), "\($0)") }
        XCTAssertThrowsError(try d.samples(inputSizes: [3, 1])) { e in
            XCTAssertEqual((e as? InputDataError)?.field, "input_data[1]")
            XCTAssertTrue("\(e)".contains("same number"), "\(e)")
        }
        XCTAssertThrowsError(try d.samples(inputSizes: [2, 2])) { XCTAssertTrue("\($0)".contains("not a multiple"), "\($0)") }
    }

    // MARK: - Input quantization

    func testInputQuantizationRoundsHalfUpAndClamps() throws {
        let t = TensorInfo(name: "x", shape: [1, 8], scale: 0.5, lower: -4, upper: 3)
        XCTAssertEqual(try t.quantize([0.25, -0.25, 0.75, -0.75, 1.0, 100, -100, -0.2]), [1, 0, 2, -1, 2, 3, -4, 0])
        XCTAssertEqual(t.dequantize([1, -4]), [0.5, -2])
        XCTAssertThrowsError(try t.quantize([0, 0, 0])) { XCTAssertTrue("\($0)".contains("needs 8"), "\($0)") }
        XCTAssertThrowsError(try t.quantize([0, 0, 0, .nan, 0, 0, 0, 0])) { XCTAssertTrue("\($0)".contains("x[3]"), "\($0)") }
        XCTAssertThrowsError(try t.quantize([0, 0, 0, 0, 0, 0, 0, -.infinity]))
        let model = QuantizedModel(tensors: [t], ops: [], inputs: [0], outputs: [0], source: "m")
        XCTAssertThrowsError(try model.quantizeInputs([]))
        XCTAssertEqual(try model.quantizeInputs([[0, 0.5, 1, 1.5, -0.5, -1, -1.5, -2]]), [[0, 1, 2, 3, -1, -2, -3, -4]])
    }
}
