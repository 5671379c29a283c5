import Algebra
import Foundation
import Groth16
import Verifier
import XCTest

/// Runs the built `zkshard` executable against files in a temporary directory and checks exit
/// codes (0 ok/valid, 1 invalid proof or unsatisfied witness, 2 bad input or usage), stdout and stderr.
final class CLITests: XCTestCase {
    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    /// The products directory holds both the test bundle and the executable (as in
    /// swift-argument-parser's own tests). ZKSHARD_BIN overrides.
    static let binary: URL? = {
        if let p = ProcessInfo.processInfo.environment["ZKSHARD_BIN"] { return URL(fileURLWithPath: p) }
        var dirs = [Bundle.main.bundleURL]
        #if os(macOS)
        dirs = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() } + dirs
        #endif
        for d in dirs {
            let u = d.appendingPathComponent("zkshard")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return nil
    }()

    var dir: URL!

    override func setUpWithError() throws {
        guard Self.binary != nil else {
            XCTFail("zkshard executable not found next to the test bundle (\(Bundle.main.bundleURL.path)); set ZKSHARD_BIN")
            throw XCTSkip("no binary")
        }
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("zkshard-cli-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let d = dir { try? FileManager.default.removeItem(at: d) }
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @discardableResult
    func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let p = Process()
        p.executableURL = Self.binary!
        p.arguments = args
        p.currentDirectoryURL = dir
        let outURL = dir.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        XCTAssertEqual(p.terminationReason, .exit, "zkshard \(args) was killed by a signal", file: file, line: line)
        return Result(code: p.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    func expect(_ r: Result, _ code: Int32, mentions: String? = nil, _ what: String = "",
                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.code, code, "\(what)\nstdout: \(r.stdout)\nstderr: \(r.stderr)", file: file, line: line)
        if let m = mentions { XCTAssertTrue(r.stderr.contains(m), "\(what): stderr should mention \(m): \(r.stderr)", file: file, line: line) }
    }

    // MARK: Fixture: x³ + x + 5 = out, x public. Wires: 0 one, 1 out, 2 x, 3 x², 4 x³.

    typealias LC = R1CS.LinearCombination
    static let r1cs = R1CS(
        numWires: 5, numPublicOutputs: 1, numPublicInputs: 1, numPrivateInputs: 0,
        constraints: [
            .init(a: LC([(2, .one)]), b: LC([(2, .one)]), c: LC([(3, .one)])),
            .init(a: LC([(3, .one)]), b: LC([(2, .one)]), c: LC([(4, .one)])),
            .init(a: LC([(4, .one), (2, .one), (0, Fr(5))]), b: LC([(0, .one)]), c: LC([(1, .one)])),
        ])
    static let witness = [Fr(1), Fr(35), Fr(3), Fr(9), Fr(27)]

    /// Writes circuit.r1cs and witness.wtns, then runs setup and prove; returns nothing, the files are in `dir`.
    func writeCircuit(witness: [Fr] = CLITests.witness) throws {
        try Self.r1cs.writeCircom(to: path("circuit.r1cs"))
        try Witness(values: witness).write(to: path("witness.wtns"))
    }

    func setupAndProve() throws {
        try writeCircuit()
        expect(try run(["groth16", "setup", "circuit.r1cs", "--pk", "circuit.pk", "--vk", "vk.json", "--threads", "2", "--quiet"]), 0, "setup")
        expect(try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "witness.wtns", "--proof", "proof.json",
                        "--public", "public.json", "--threads", "2", "--quiet"]), 0, "prove")
    }

    func verify(json: Bool = false, proof: String = "proof.json", publicPath: String = "public.json", vk: String = "vk.json") throws -> Result {
        try run(["verify", "--vk", vk, "--proof", proof, "--public", publicPath] + (json ? ["--json"] : []))
    }

    // MARK: Tests

    func testSetupProveVerify() throws {
        try writeCircuit()
        let s = try run(["groth16", "setup", "circuit.r1cs", "--pk", "circuit.pk", "--vk", "vk.json", "--threads", "1", "--quiet"])
        expect(s, 0, "setup")
        XCTAssertEqual(s.stderr, "", "--quiet leaves stderr empty")
        XCTAssertEqual(s.stdout, "")
        let p = try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "witness.wtns", "--proof", "proof.json",
                         "--public", "public.json", "--calldata", "proof.bin", "--threads", "2", "--quiet"])
        expect(p, 0, "prove")
        XCTAssertEqual(p.stderr, "", "--quiet leaves stderr empty")
        // The artifacts read back with the library.
        let pk = try ProvingKey(contentsOfFile: path("circuit.pk"))
        XCTAssertEqual(pk.r1cs, Self.r1cs)
        let vk = try SnarkjsJSON.verifyingKey(from: try Data(contentsOf: dir.appendingPathComponent("vk.json")))
        XCTAssertEqual(vk, pk.verifyingKey)
        let pub = try SnarkjsJSON.publicInputs(from: try Data(contentsOf: dir.appendingPathComponent("public.json")))
        XCTAssertEqual(pub, [Fr(35), Fr(3)])
        let proof = try SnarkjsJSON.proof(from: try Data(contentsOf: dir.appendingPathComponent("proof.json")))
        let calldata = [UInt8](try Data(contentsOf: dir.appendingPathComponent("proof.bin")))
        XCTAssertEqual(calldata.count, 256)
        XCTAssertEqual(try Proof(ethereumCalldata: calldata), proof)
        XCTAssertTrue(try Groth16Verifier.verify(vk, proof: proof, publicInputs: pub))

        let v = try verify()
        expect(v, 0, "verify")
        XCTAssertTrue(v.stdout.contains("valid"))
        XCTAssertFalse(v.stdout.contains("INVALID"))
        // Without --quiet, progress goes to stderr, not stdout.
        let loud = try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "witness.wtns", "--proof", "proof2.json",
                            "--public", "public2.json", "--threads", "1"])
        expect(loud, 0)
        XCTAssertFalse(loud.stderr.isEmpty)
        XCTAssertEqual(loud.stdout, "")
        expect(try verify(proof: "proof2.json", publicPath: "public2.json"), 0)
    }

    func testVerifyJSONPrintsOneObject() throws {
        try setupAndProve()
        let v = try verify(json: true)
        expect(v, 0)
        let obj = try XCTUnwrap(v.json, "stdout must be exactly one JSON object: \(v.stdout)")
        XCTAssertEqual(obj["valid"] as? Bool, true)
        XCTAssertEqual(obj["exit_code"] as? Int, 0)
        XCTAssertNotNil(obj["verify_ms"] as? Double)
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines).first, "{")
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines).last, "}")
        // setup/prove --json print one object each too.
        let s = try run(["groth16", "setup", "circuit.r1cs", "--pk", "b.pk", "--vk", "b.json", "--quiet", "--json", "--threads", "1"])
        expect(s, 0)
        XCTAssertEqual(try XCTUnwrap(s.json, s.stdout)["constraints"] as? Int, 3)
        XCTAssertEqual(s.json?["domain_size"] as? Int, 6)
        let p = try run(["groth16", "prove", "--pk", "b.pk", "--witness", "witness.wtns", "--proof", "bp.json",
                         "--public", "bpub.json", "--quiet", "--json", "--threads", "1"])
        expect(p, 0)
        XCTAssertEqual(try XCTUnwrap(p.json, p.stdout)["constraints"] as? Int, 3)
        expect(try verify(json: true, proof: "bp.json", publicPath: "bpub.json", vk: "b.json"), 0)
        // A proof under the other key is invalid.
        expect(try verify(proof: "bp.json", publicPath: "bpub.json", vk: "vk.json"), 1)
    }

    func testTamperedPublicIsInvalid() throws {
        try setupAndProve()
        for (name, values) in [("p1.json", ["36", "3"]), ("p2.json", ["3", "35"]), ("p3.json", ["35", "4"])] {
            try JSONSerialization.data(withJSONObject: values).write(to: dir.appendingPathComponent(name))
            let v = try verify(publicPath: name)
            expect(v, 1, name)
            XCTAssertTrue(v.stdout.contains("INVALID"), v.stdout)
            let j = try verify(json: true, publicPath: name)
            expect(j, 1, name)
            let obj = try XCTUnwrap(j.json, "stdout: \(j.stdout)")
            XCTAssertEqual(obj["valid"] as? Bool, false)
            XCTAssertEqual(obj["exit_code"] as? Int, 1)
        }
        // The wrong number of public values is bad input, not an invalid proof.
        try JSONSerialization.data(withJSONObject: ["35"]).write(to: dir.appendingPathComponent("short.json"))
        expect(try verify(publicPath: "short.json"), 2, mentions: "short.json")
        let j = try verify(json: true, publicPath: "short.json")
        expect(j, 2)
        XCTAssertEqual(try XCTUnwrap(j.json, j.stdout)["valid"] as? Bool, false)
        XCTAssertEqual(j.json?["exit_code"] as? Int, 2)
        // A value ≥ r.
        try Data("[\"35\", \"\(Fr.modulus)\"]".utf8).write(to: dir.appendingPathComponent("big.json"))
        expect(try verify(publicPath: "big.json"), 2, mentions: "big.json")
    }

    func testBadFilesExitTwoNamingTheFile() throws {
        try setupAndProve()
        // Missing files, each position.
        expect(try verify(proof: "nope-proof.json"), 2, mentions: "nope-proof.json")
        expect(try verify(publicPath: "nope-public.json"), 2, mentions: "nope-public.json")
        expect(try verify(vk: "nope-vk.json"), 2, mentions: "nope-vk.json")
        let jm = try verify(json: true, proof: "nope-proof.json")
        expect(jm, 2, mentions: "nope-proof.json")
        XCTAssertEqual(jm.json?["exit_code"] as? Int, 2, jm.stdout)
        expect(try run(["groth16", "setup", "missing.r1cs", "--pk", "x.pk", "--vk", "x.json", "--quiet"]), 2, mentions: "missing.r1cs")
        expect(try run(["groth16", "prove", "--pk", "missing.pk", "--witness", "witness.wtns", "--proof", "x.json", "--public", "y.json",
                        "--quiet"]), 2, mentions: "missing.pk")
        expect(try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "missing.wtns", "--proof", "x.json", "--public", "y.json",
                        "--quiet"]), 2, mentions: "missing.wtns")
        expect(try run(["r1cs", "info", "missing.r1cs"]), 2, mentions: "missing.r1cs")
        // A truncated proof.json.
        let proof = try Data(contentsOf: dir.appendingPathComponent("proof.json"))
        for cut in [0, 1, proof.count / 3, proof.count / 2, proof.count - 3] {
            try proof.prefix(cut).write(to: dir.appendingPathComponent("trunc.json"))
            expect(try verify(proof: "trunc.json"), 2, mentions: "trunc.json", "cut \(cut)")
        }
        // Garbage .r1cs.
        try Data("this is not an r1cs file at all".utf8).write(to: dir.appendingPathComponent("garbage.r1cs"))
        expect(try run(["r1cs", "info", "garbage.r1cs"]), 2, mentions: "garbage.r1cs")
        expect(try run(["groth16", "setup", "garbage.r1cs", "--pk", "g.pk", "--vk", "g.json", "--quiet"]), 2, mentions: "garbage.r1cs")
        expect(try run(["r1cs", "check", "garbage.r1cs", "witness.wtns"]), 2, mentions: "garbage.r1cs")
        let r1cs = try Data(contentsOf: dir.appendingPathComponent("circuit.r1cs"))
        try r1cs.prefix(r1cs.count - 5).write(to: dir.appendingPathComponent("cut.r1cs"))
        expect(try run(["r1cs", "info", "cut.r1cs"]), 2, mentions: "cut.r1cs")
        // A corrupt proving key.
        var pk = try Data(contentsOf: dir.appendingPathComponent("circuit.pk"))
        pk[pk.count / 2] ^= 0x40
        try pk.write(to: dir.appendingPathComponent("bad.pk"))
        expect(try run(["groth16", "prove", "--pk", "bad.pk", "--witness", "witness.wtns", "--proof", "x.json", "--public", "y.json",
                        "--quiet"]), 2, mentions: "bad.pk")
        // The proving key given where a witness is expected.
        expect(try run(["r1cs", "check", "circuit.r1cs", "circuit.pk"]), 2, mentions: "circuit.pk")
    }

    func testWrongWitnessLengthExitsTwo() throws {
        try setupAndProve()
        for (name, w) in [("short.wtns", Array(Self.witness.dropLast())), ("long.wtns", Self.witness + [Fr(1)])] {
            try Witness(values: w).write(to: path(name))
            expect(try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", name, "--proof", "x.json", "--public", "y.json",
                            "--quiet"]), 2, mentions: name)
            expect(try run(["r1cs", "check", "circuit.r1cs", name]), 2, mentions: name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")), "no proof is written on failure")
    }

    func testR1CSCheck() throws {
        try writeCircuit()
        let ok = try run(["r1cs", "check", "circuit.r1cs", "witness.wtns"])
        expect(ok, 0)
        XCTAssertTrue(ok.stdout.contains("3"), ok.stdout)
        let okJ = try run(["r1cs", "check", "circuit.r1cs", "witness.wtns", "--json"])
        expect(okJ, 0)
        XCTAssertEqual(try XCTUnwrap(okJ.json, okJ.stdout)["satisfied"] as? Bool, true)
        // x² wrong: constraint 0 is the first broken; out wrong: only constraint 2.
        for (k, w) in [(0, [Fr(1), Fr(35), Fr(3), Fr(10), Fr(27)]), (2, [Fr(1), Fr(36), Fr(3), Fr(9), Fr(27)])] {
            try Witness(values: w).write(to: path("bad.wtns"))
            let r = try run(["r1cs", "check", "circuit.r1cs", "bad.wtns"])
            expect(r, 1, "constraint \(k)")
            XCTAssertTrue(r.stdout.contains("constraint \(k) "), r.stdout)
            let j = try run(["r1cs", "check", "circuit.r1cs", "bad.wtns", "--json"])
            expect(j, 1)
            let obj = try XCTUnwrap(j.json, j.stdout)
            XCTAssertEqual(obj["satisfied"] as? Bool, false)
            XCTAssertEqual(obj["first_unsatisfied"] as? Int, k)
            XCTAssertEqual(obj["constraints"] as? Int, 3)
        }
        // w[0] ≠ 1 is bad input.
        try Witness(values: [Fr(2), Fr(35), Fr(3), Fr(9), Fr(27)]).write(to: path("zero.wtns"))
        expect(try run(["r1cs", "check", "circuit.r1cs", "zero.wtns"]), 2, mentions: "zero.wtns")
    }

    func testProveRefusesUnsatisfiedWitness() throws {
        try setupAndProve()
        try Witness(values: [Fr(1), Fr(35), Fr(3), Fr(9), Fr(28)]).write(to: path("bad.wtns"))
        let r = try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "bad.wtns", "--proof", "x.json", "--public", "y.json",
                         "--quiet"])
        // Non-zero, naming the witness and the first broken constraint (1: x²·x ≠ x³).
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.stderr.contains("bad.wtns"), r.stderr)
        XCTAssertTrue(r.stderr.contains("constraint 1 "), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")))
    }

    func testR1CSInfoJSON() throws {
        try writeCircuit()
        let r = try run(["r1cs", "info", "circuit.r1cs", "--json"])
        expect(r, 0)
        let o = try XCTUnwrap(r.json, r.stdout)
        XCTAssertEqual(o["constraints"] as? Int, 3)
        XCTAssertEqual(o["wires"] as? Int, 5)
        XCTAssertEqual(o["public_outputs"] as? Int, 1)
        XCTAssertEqual(o["public_inputs"] as? Int, 1)
        XCTAssertEqual(o["private_inputs"] as? Int, 0)
        XCTAssertEqual(o["labels"] as? Int, 5)
        XCTAssertEqual(o["terms"] as? Int, 3 + 3 + 5)
        let text = try run(["r1cs", "info", "circuit.r1cs"])
        expect(text, 0)
        XCTAssertTrue(text.stdout.contains("constraints"), text.stdout)
    }

    func testUsageErrorsExitTwo() throws {
        try writeCircuit()
        for t in ["0", "-1", "100000", "two"] {
            expect(try run(["groth16", "setup", "circuit.r1cs", "--pk", "t.pk", "--vk", "t.json", "--threads", t]), 2, mentions: "threads",
                   "--threads \(t)")
        }
        expect(try run(["demo", dir.path, "-o", path("out"), "--threads", "0"]), 2, mentions: "threads")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("t.pk")))
        expect(try run(["no-such-command"]), 2)
        let missing = try run(["verify", "--vk", "vk.json"])  // missing options
        expect(missing, 2, mentions: "--proof")
        // One "error:" prefix, not the parser's "Error: " behind ours.
        XCTAssertTrue(missing.stderr.hasPrefix("error: Missing expected argument"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("Error: "), missing.stderr)
        expect(try run(["groth16", "setup", "circuit.r1cs", "--pk", "t.pk", "--vk", "t.json", "--no-such-flag"]), 2)
        let help = try run(["--help"])
        expect(help, 0)
        XCTAssertTrue(help.stdout.contains("groth16"), help.stdout)
    }

    func testCircuitWithoutPublicValues() throws {
        // x·y = z with nothing public: public.json is [] and the proof still verifies.
        let cs = R1CS(numWires: 4, numPublicOutputs: 0, numPublicInputs: 0, numPrivateInputs: 2,
                      constraints: [.init(a: LC([(1, .one)]), b: LC([(2, .one)]), c: LC([(3, .one)]))])
        try cs.writeCircom(to: path("circuit.r1cs"))
        try Witness(values: [Fr(1), Fr(6), Fr(7), Fr(42)]).write(to: path("witness.wtns"))
        expect(try run(["groth16", "setup", "circuit.r1cs", "--pk", "circuit.pk", "--vk", "vk.json", "--threads", "1", "--quiet"]), 0)
        expect(try run(["groth16", "prove", "--pk", "circuit.pk", "--witness", "witness.wtns", "--proof", "proof.json",
                        "--public", "public.json", "--threads", "1", "--quiet"]), 0, "prove with no public values")
        if FileManager.default.fileExists(atPath: path("public.json")) {
            XCTAssertEqual(try SnarkjsJSON.publicInputs(from: try Data(contentsOf: dir.appendingPathComponent("public.json"))), [])
            expect(try verify(), 0)
        }
        expect(try run(["demo", dir.path, "-o", path("demo-out"), "--threads", "1", "--quiet"]), 0, "demo with no public values")
    }

    func testDemoOnATempCircuit() throws {
        try writeCircuit()
        let out = path("demo-out")
        let r = try run(["demo", dir.path, "-o", out, "--threads", "2", "--quiet"])
        expect(r, 0, "demo")
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.contains("valid"), r.stdout)
        for f in ["circuit.pk", "verification_key.json", "proof.json", "public.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + f), f)
        }
        // Its artifacts verify with the standalone verifier.
        expect(try verify(proof: out + "/proof.json", publicPath: out + "/public.json", vk: out + "/verification_key.json"), 0)
        let j = try run(["demo", dir.path, "-o", out, "--threads", "1", "--quiet", "--json"])
        expect(j, 0)
        XCTAssertEqual(try XCTUnwrap(j.json, j.stdout)["valid"] as? Bool, true)
        // A directory without the circuit files.
        let empty = path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        expect(try run(["demo", empty, "-o", out, "--quiet"]), 2, mentions: "circuit.r1cs")
    }
}
