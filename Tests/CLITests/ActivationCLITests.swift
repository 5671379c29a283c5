import Foundation
import XCTest

/// `zkshard activations encode|decode`: the decoded file feeds `zkshard run`, and bad input is exit 2.
extension CLITests {
    func readInputData(_ file: String) throws -> [[Double]] {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        return try XCTUnwrap(o?["input_data"] as? [[Double]], "\(file) has no input_data lists")
    }

    func testActivationsEncodeDecodeFeedsRun() throws {
        let input = circuit("digits_mlp", "input.json"), calibration = circuit("digits_mlp", "calibration.json")
        let e = try run(["activations", "encode", input, "-o", "acts.zkact", "--block-size", "16", "--json", "--quiet"])
        expect(e, 0, "encode")
        XCTAssertEqual(e.stderr, "", "--quiet leaves stderr empty")
        let j = try XCTUnwrap(e.json, e.stdout)
        let size = try FileManager.default.attributesOfItem(atPath: path("acts.zkact"))[.size] as? Int
        // 16 header + (4 + 13 name + 4 + 8 + 8 + 4 blocks × 4 + 64 codes) + 32 digest.
        XCTAssertEqual(size, 16 + 4 + 13 + 4 + 8 + 8 + 16 + 64 + 32)
        XCTAssertEqual(j["zkact_bytes"] as? Int, size)
        XCTAssertEqual(j["values"] as? Int, 64)
        XCTAssertEqual(j["blocks"] as? Int, 4)
        XCTAssertEqual(j["block_size"] as? Int, 16)
        XCTAssertEqual(j["float32_bytes"] as? Int, 256)
        XCTAssertEqual(j["json_bytes"] as? Int, try Data(contentsOf: URL(fileURLWithPath: input)).count)
        XCTAssertEqual(try XCTUnwrap(j["ratio_vs_float32"] as? Double), 256 / Double(size!), accuracy: 1e-9)
        // Pixels are in [0, 1]: every error is at most 1/254 (+ float32 rounding).
        let maxError = try XCTUnwrap(j["max_abs_error"] as? Double), rms = try XCTUnwrap(j["rms_error"] as? Double)
        XCTAssertLessThanOrEqual(maxError, 1.0 / 254 + 1e-7)
        XCTAssertLessThanOrEqual(rms, maxError)
        XCTAssertEqual((j["tensors"] as? [[String: Any]])?.first?["name"] as? String, "input_data[0]")

        let text = try run(["activations", "encode", input, "-o", "acts2.zkact", "--quiet"])
        expect(text, 0, "encode, text output")
        XCTAssertTrue(text.stdout.contains("smaller than float32") && text.stdout.contains("RMS"), text.stdout)

        let d = try run(["activations", "decode", "acts.zkact", "-o", "decoded.json", "--json"])
        expect(d, 0, "decode")
        XCTAssertEqual(d.json?["values"] as? Int, 64)
        let original = try readInputData(input)[0], decoded = try readInputData(path("decoded.json"))
        XCTAssertEqual(decoded.count, 1)
        XCTAssertEqual(decoded[0].count, 64)
        for (x, y) in zip(original, decoded[0]) { XCTAssertLessThanOrEqual(abs(x - y), maxError + 1e-12) }

        // The decoded file is a model input: same prediction as the original.
        let ranOriginal = try run(["run", circuit("digits_mlp", "model.onnx"), "--input", input, "--calibration", calibration, "--threads", "2"])
        let ranDecoded = try run(["run", circuit("digits_mlp", "model.onnx"), "--input", "decoded.json", "--calibration", calibration, "--threads", "2"])
        expect(ranOriginal, 0, "run on the original input")
        expect(ranDecoded, 0, "run on the decoded input")
        func top1(_ r: Result) throws -> Int {
            let logits = try XCTUnwrap((r.json?["outputs"] as? [[Double]])?.first, r.stdout)
            return logits.indices.max { logits[$0] < logits[$1] }!
        }
        XCTAssertEqual(try top1(ranDecoded), try top1(ranOriginal))
        XCTAssertEqual(try top1(ranOriginal), 2, "the bundled input is a 2")
    }

    func testActivationsKeepSeveralTensorsApart() throws {
        try Data("{\"input_data\": [[1.5, -2, 0.25], [[1e-3, 2e-3], [0, -4e-3]], [0, 0]]}".utf8).write(to: URL(fileURLWithPath: path("three.json")))
        expect(try run(["activations", "encode", "three.json", "-o", "three.zkact", "--block-size", "2", "--quiet"]), 0, "encode")
        expect(try run(["activations", "decode", "three.zkact", "-o", "three-out.json", "--quiet"]), 0, "decode")
        let back = try readInputData(path("three-out.json"))
        XCTAssertEqual(back.count, 3)
        XCTAssertEqual(back.map(\.count), [3, 4, 2])
        // Each block's absmax decodes exactly; zeros stay zeros.
        XCTAssertEqual(back[0][1], -2)
        XCTAssertEqual(back[0][2], 0.25)
        XCTAssertEqual(Float(back[1][3]), Float(-4e-3))
        XCTAssertEqual(back[2], [0, 0])
    }

    func testActivationsRejectBadInputWithExitCode2() throws {
        let input = circuit("digits_mlp", "input.json")
        expect(try run(["activations", "encode", input, "-o", "acts.zkact", "--quiet"]), 0, "encode")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path("acts.zkact")))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: path("corrupt.zkact")))
        expect(try run(["activations", "decode", "corrupt.zkact", "-o", "x.json"]), 2, mentions: "corrupt.zkact", "corrupt file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")), "nothing is written from a corrupt file")
        bytes[bytes.count / 2] ^= 0x10
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: path("short.zkact")))
        expect(try run(["activations", "decode", "short.zkact", "-o", "x.json"]), 2, mentions: "truncated", "truncated file")
        try (bytes + [0]).write(to: URL(fileURLWithPath: path("long.zkact")))
        expect(try run(["activations", "decode", "long.zkact", "-o", "x.json"]), 2, mentions: "long.zkact", "extended file")
        try Data("{\"input_data\": [[1, 2]]}".utf8).write(to: URL(fileURLWithPath: path("not-zkact.zkact")))
        expect(try run(["activations", "decode", "not-zkact.zkact", "-o", "x.json"]), 2, mentions: "magic", "not a .zkact file")
        expect(try run(["activations", "decode", "missing.zkact", "-o", "x.json"]), 2, mentions: "missing.zkact", "missing file")

        expect(try run(["activations", "encode", input, "-o", "a.zkact", "--block-size", "0"]), 2, mentions: "--block-size", "block size 0")
        expect(try run(["activations", "encode", input, "-o", "a.zkact", "--block-size", "2000000"]), 2, mentions: "--block-size", "huge block")
        try Data("{\"input_data\": [[1, 2, 1e39]]}".utf8).write(to: URL(fileURLWithPath: path("big.json")))
        expect(try run(["activations", "encode", "big.json", "-o", "a.zkact"]), 2, mentions: "input_data[0][2]", "beyond float32")
        try Data("{\"input_data\": [[1, 2, NaN]]}".utf8).write(to: URL(fileURLWithPath: path("nan.json")))
        expect(try run(["activations", "encode", "nan.json", "-o", "a.zkact"]), 2, mentions: "nan.json", "NaN")
        try Data("{\"inputs\": [[1]]}".utf8).write(to: URL(fileURLWithPath: path("wrong.json")))
        expect(try run(["activations", "encode", "wrong.json", "-o", "a.zkact"]), 2, mentions: "input_data", "no input_data")
        expect(try run(["activations", "encode", "nothere.json", "-o", "a.zkact"]), 2, mentions: "nothere.json", "missing input")
    }
}
