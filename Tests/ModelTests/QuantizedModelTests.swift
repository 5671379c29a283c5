import Foundation
import Model
import XCTest

final class QuantizedModelTests: XCTestCase {
    func testSignedBitsCoversTwosComplementRanges() {
        XCTAssertEqual(signedBits(lower: 0, upper: 0), 1)
        XCTAssertEqual(signedBits(lower: -1, upper: 0), 1)
        XCTAssertEqual(signedBits(lower: -128, upper: 127), 8)
        XCTAssertEqual(signedBits(lower: -129, upper: 127), 9)
        XCTAssertEqual(signedBits(lower: 0, upper: 128), 9)
        XCTAssertEqual(signedBits(lower: Int64.min, upper: Int64.max), 64)
    }

    func testModelRoundTripsThroughJSON() throws {
        let model = QuantizedModel(
            tensors: [TensorInfo(name: "x", shape: [1, 4], scale: 0.5, lower: -127, upper: 127),
                      TensorInfo(name: "acc", shape: [1, 2], scale: 0.01, lower: -1000, upper: 1000),
                      TensorInfo(name: "y", shape: [1, 2], scale: 0.1, lower: 0, upper: 127)],
            ops: [.gemm(Gemm(input: 0, output: 1, n: 2, k: 4, weights: [1, -2, 3, -4, 5, 6, 7, 8], bias: [1, -1])),
                  .requantize(Requantize(input: 1, output: 2, multipliers: [3], shift: 4, channelAxis: 1, lower: 0, upper: 127))],
            inputs: [0], outputs: [2], source: "test.onnx")
        let data = try JSONEncoder().encode(model)
        XCTAssertEqual(try JSONDecoder().decode(QuantizedModel.self, from: data), model)
        XCTAssertEqual(model.ops.map(\.kind), ["Gemm", "Requantize"])
        XCTAssertEqual(model.ops[1].inputs, [1])
    }
}
