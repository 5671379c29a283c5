import Foundation
import XCTest

/// The model pipeline from the README on the bundled models: compile, setup, prove, verify,
/// inspect, run — and the ways it must refuse.
extension CLITests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    func circuit(_ name: String, _ file: String) -> String { Self.repoRoot.appendingPathComponent("circuits/\(name)/\(file)").path }

    /// compile + setup + prove of one bundled model into dir/build-NAME and dir/proof-NAME.
    func compileSetupProve(_ name: String, extra: [String] = []) throws {
        expect(try run(["compile", circuit(name, "model.onnx"), "-o", "build-\(name)", "--quiet"] + extra), 0, "compile \(name)")
        expect(try run(["setup", "build-\(name)", "--quiet"]), 0, "setup \(name)")
        expect(try run(["prove", "build-\(name)", "--input", circuit(name, "input.json"), "-o", "proof-\(name)", "--quiet", "--threads", "2"]),
               0, "prove \(name)")
    }

    func verifyModel(_ name: String, vkOf: String? = nil, publicPath: String? = nil) throws -> Result {
        try run(["verify", "--vk", "build-\(vkOf ?? name)/verification_key.json", "--proof", "proof-\(name)/proof.json",
                 "--public", publicPath ?? "proof-\(name)/public.json"])
    }

    func testModelPipelineProvesAndVerifiesBothBundledModels() throws {
        for name in ["digits_mlp", "digits_cnn"] {
            try compileSetupProve(name)
            expect(try verifyModel(name), 0, "verify \(name)")
            for f in ["proof.json", "public.json", "output.json", "witness.wtns"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: path("proof-\(name)/\(f)")), "\(name): \(f) missing")
            }
            // output.json equals what `run` prints for the same input.
            let r = try run(["run", "build-\(name)/model.zkq", "--input", circuit(name, "input.json")])
            expect(r, 0, "run \(name)")
            let proved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("proof-\(name)/output.json")))) as? NSDictionary
            let ran = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? NSDictionary
            XCTAssertNotNil(proved)
            XCTAssertEqual(proved, ran, "\(name): output.json differs from zkshard run")
            // The proven output is the public values' first entries.
            let pub = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("proof-\(name)/public.json")))) as! [String]
            let ints = (ran?["outputs_int"] as? [[Int]])?.first ?? []
            XCTAssertEqual(pub.count, ints.count + 1, "\(name): public = outputs + model digest")
            for (p, v) in zip(pub, ints) where v >= 0 { XCTAssertEqual(p, String(v)) }
            // inspect shows the layer table.
            let ins = try run(["inspect", "build-\(name)"])
            expect(ins, 0, "inspect")
            XCTAssertTrue(ins.stdout.contains("Requantize") && ins.stdout.contains("total"), ins.stdout)
        }
        // Any changed public value fails verification.
        let pubPath = path("proof-digits_mlp/public.json")
        let pub = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pubPath))) as! [String]
        for i in [0, 5, pub.count - 1] {
            var changed = pub
            changed[i] = changed[i] == "1" ? "2" : "1"
            try JSONSerialization.data(withJSONObject: changed).write(to: URL(fileURLWithPath: path("changed.json")))
            expect(try verifyModel("digits_mlp", publicPath: "changed.json"), 1, "public value \(i) changed")
        }
        // The other model's verification key rejects the proof.
        let wrongKey = try verifyModel("digits_mlp", vkOf: "digits_cnn")
        XCTAssertNotEqual(wrongKey.code, 0, "a proof verified under another model's key")
    }

    func testPublicInputVisibilityAddsTheInputToPublicJSON() throws {
        try compileSetupProve("digits_mlp", extra: ["--input-visibility", "public"])
        expect(try verifyModel("digits_mlp"), 0, "verify")
        let pub = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("proof-digits_mlp/public.json")))) as! [String]
        XCTAssertEqual(pub.count, 10 + 1 + 64)
    }

    func testModelCommandsRejectBadInputWithExitCode2() throws {
        expect(try run(["compile", circuit("digits_mlp", "model.onnx"), "-o", "build", "--quiet"]), 0, "compile")
        try Data("{\"input_data\": [[1, 2, 3]]}".utf8).write(to: URL(fileURLWithPath: path("short.json")))
        expect(try run(["run", "build/model.zkq", "--input", "short.json"]), 2, mentions: "64", "wrong input length")
        try Data("{\"input_data\": [[\(Array(repeating: "NaN", count: 64).joined(separator: ","))]]}".utf8).write(to: URL(fileURLWithPath: path("nan.json")))
        expect(try run(["run", "build/model.zkq", "--input", "nan.json"]), 2, "NaN input")
        try Data("not onnx at all".utf8).write(to: URL(fileURLWithPath: path("bad.onnx")))
        expect(try run(["compile", "bad.onnx", "-o", "b2", "--calibration", circuit("digits_mlp", "calibration.json"), "--quiet"]), 2,
               mentions: "bad.onnx", "malformed ONNX")
        var zkq = try Data(contentsOf: URL(fileURLWithPath: path("build/model.zkq")))
        zkq[zkq.count / 2] ^= 0x40
        try zkq.write(to: URL(fileURLWithPath: path("corrupt.zkq")))
        expect(try run(["run", "corrupt.zkq", "--input", circuit("digits_mlp", "input.json")]), 2, mentions: "corrupt.zkq", "corrupt .zkq")
        try zkq.prefix(100).write(to: URL(fileURLWithPath: path("short.zkq")))
        expect(try run(["run", "short.zkq", "--input", circuit("digits_mlp", "input.json")]), 2, mentions: "short.zkq", "truncated .zkq")
        expect(try run(["prove", "build", "--input", circuit("digits_mlp", "input.json"), "-o", "p", "--quiet"]), 2,
               mentions: "circuit.pk", "prove before setup")
    }
}
