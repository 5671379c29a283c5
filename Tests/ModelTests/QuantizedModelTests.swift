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

    static let smallModel = QuantizedModel(
        tensors: [TensorInfo(name: "x", shape: [1, 4], scale: 0.5, lower: -127, upper: 127),
                  TensorInfo(name: "acc", shape: [1, 2], scale: 0.01, lower: -1000, upper: 1000),
                  TensorInfo(name: "y", shape: [1, 2], scale: 0.1, lower: 0, upper: 127)],
        ops: [.gemm(Gemm(input: 0, output: 1, n: 2, k: 4, weights: [1, -2, 3, -4, 5, 6, 7, 8], bias: [1, -1])),
              .requantize(Requantize(input: 1, output: 2, multipliers: [3], shift: 4, channelAxis: 1, lower: 0, upper: 127))],
        inputs: [0], outputs: [2], source: "test.onnx")

    func testModelRoundTripsThroughJSON() throws {
        let model = Self.smallModel
        let data = try JSONEncoder().encode(model)
        XCTAssertEqual(try JSONDecoder().decode(QuantizedModel.self, from: data), model)
        XCTAssertEqual(model.ops.map(\.kind), ["Gemm", "Requantize"])
        XCTAssertEqual(model.ops[1].inputs, [1])
    }

    func testModelRoundTripsThroughTheZkqFile() throws {
        let bytes = try ModelFile.encode(Self.smallModel)
        let (back, digest) = try ModelFile.decode(bytes, file: "m.zkq")
        XCTAssertEqual(back, Self.smallModel)
        XCTAssertEqual(digest, sha256(Array(bytes.dropLast(32))))
        // "ZKQ1", u32 version 1, u64 JSON length, JSON, u64 weight bytes (8 i32 weights + 2 i64 biases), digest.
        XCTAssertEqual(Array(bytes[0..<8]), Array("ZKQ1".utf8) + [1, 0, 0, 0])
        let n = Int(bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(bytes.count, 16 + n + 8 + 48 + 32)
        XCTAssertEqual(Array(bytes[(16 + n)..<(16 + n + 12)]), [48, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        var flipped = bytes
        flipped[bytes.count / 2] ^= 4
        for (what, bad) in [("cut", Array(bytes.dropLast())), ("extended", bytes + [0]), ("flipped", flipped), ("short", Array(bytes.prefix(50)))] {
            XCTAssertThrowsError(try ModelFile.decode(bad, file: "m.zkq"), what) { e in
                XCTAssertTrue(e is ModelFileError && "\(e)".hasPrefix("m.zkq: "), "\(what): \(e)")
            }
        }
    }
}
