import Foundation
import XCTest

/// Sharded inference from the README: compile --shards, setup, keygen, prove --shard --sign,
/// validate — on the bundled models, and every way validation must refuse.
extension CLITests {
    func json(_ file: String) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(file)))) as? NSDictionary, file)
    }
    func writeJSON(_ object: Any, _ file: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path(file)))
    }
    func copyDir(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: path(to))
        try FileManager.default.copyItem(atPath: path(from), toPath: path(to))
    }

    /// compile --shards N (or --capacity), setup, and one key per node name.
    func shardedBuild(_ model: String, _ build: String, _ shardArgs: [String], nodes: [String]) throws {
        expect(try run(["compile", circuit(model, "model.onnx"), "-o", build, "--quiet"] + shardArgs), 0, "compile \(model) \(shardArgs)")
        expect(try run(["setup", build, "--quiet"]), 0, "setup \(build)")
        for n in nodes { expect(try run(["keygen", "-o", "\(n).key"]), 0, "keygen \(n)") }
    }

    func proveShard(_ build: String, _ k: Int, input: String, out: String, key: String, extra: [String] = []) throws {
        expect(try run(["prove", build, "--shard", String(k), "--input", input, "-o", out, "--sign", "\(key).key", "--quiet", "--threads", "2"] + extra),
               0, "prove \(build) shard \(k) → \(out)")
    }

    func validate(_ build: String, _ receipts: [String], _ extra: [String] = []) throws -> Result {
        try run(["validate", build] + receipts + extra)
    }

    /// The unsharded `run` output of a sharded build's whole model on the bundled input.json.
    func runOutputs(_ model: String, build: String) throws -> [[Double]] {
        let r = try run(["run", "\(build)/model.zkq", "--input", circuit(model, "input.json")])
        expect(r, 0, "run \(model)")
        return try XCTUnwrap((JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? NSDictionary)?["outputs"] as? [[Double]])
    }

    func testThreeShardCNNChainValidatesAndEqualsTheUnshardedRun() throws {
        try shardedBuild("digits_cnn", "cnn", ["--capacity", "2,1,1"], nodes: ["a", "b", "c"])
        let inspect = try run(["inspect", "cnn"])
        expect(inspect, 0, "inspect")
        XCTAssertTrue(inspect.stdout.contains("shard-2"), inspect.stdout)
        try proveShard("cnn", 0, input: circuit("digits_cnn", "input.json"), out: "r0", key: "a")
        try proveShard("cnn", 1, input: "r0/output.json", out: "r1", key: "b", extra: ["--hide-activations"])
        try proveShard("cnn", 2, input: "r1/output.json", out: "r2", key: "c")
        // Hidden activations: r1's output commitment is salted, and the salt travels to node c only.
        XCTAssertNotNil(try json("r1/output.json")["commitment_salt"])
        XCTAssertNil(try json("r1/receipt.json")["commitment_salt"])
        let ok = try validate("cnn", ["r2", "r0", "r1"], ["--request", circuit("digits_cnn", "input.json"), "--result", "r2/output.json", "--json"])
        expect(ok, 0, "validate 3 shards")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? NSDictionary)
        XCTAssertEqual(report["valid"] as? Bool, true)
        XCTAssertEqual((report["shards"] as? [Any])?.count, 3)
        let chained = try XCTUnwrap(try json("r2/output.json")["outputs"] as? [[Double]])
        XCTAssertEqual(chained, try runOutputs("digits_cnn", build: "cnn"), "the chained shards' output differs from zkshard run")
    }

    func testTwoShardMLPChainAndEveryRejection() throws {
        try shardedBuild("digits_mlp", "mlp", ["--shards", "2"], nodes: ["a", "b", "c", "d"])
        let input = circuit("digits_mlp", "input.json")
        try proveShard("mlp", 0, input: input, out: "r0", key: "a")
        try proveShard("mlp", 1, input: "r0/output.json", out: "r1", key: "b")
        expect(try validate("mlp", ["r0", "r1"]), 0, "validate")
        let chained = try XCTUnwrap(try json("r1/output.json")["outputs"] as? [[Double]])
        XCTAssertEqual(chained, try runOutputs("digits_mlp", build: "mlp"))
        try Data((try String(contentsOfFile: path("a.key.pub"), encoding: .utf8) + (try String(contentsOfFile: path("b.key.pub"), encoding: .utf8))).utf8)
            .write(to: URL(fileURLWithPath: path("keys.txt")))
        expect(try validate("mlp", ["r0", "r1"], ["--keys", "keys.txt", "--request", input, "--result", "r1/output.json"]), 0, "with keys, request, result")

        func invalid(_ receipts: [String], _ extra: [String] = [], says: String, _ what: String) throws {
            let r = try validate("mlp", receipts, extra)
            expect(r, 1, what)
            XCTAssertTrue(r.stdout.contains(says), "\(what): the report should say \(says):\n\(r.stdout)")
        }
        // Altered output values (output.json no longer hashes to the signed commitment).
        try copyDir("r0", "altered")
        var out = try json("altered/output.json") as! [String: Any]
        var ints = out["input_data_int"] as! [[Int]]
        ints[0][0] = ints[0][0] == 0 ? 1 : 0
        out["input_data_int"] = ints
        try writeJSON(out, "altered/output.json")
        try invalid(["altered", "r1"], says: "output_file", "altered output")
        // An altered commitment in the receipt breaks the signature (and the proof).
        try copyDir("r0", "recommitted")
        var receipt = try json("recommitted/receipt.json") as! [String: Any]
        receipt["output_commitment"] = "12345"
        try writeJSON(receipt, "recommitted/receipt.json")
        try invalid(["recommitted", "r1"], says: "signature", "altered receipt")
        // Two shards swapped: each receipt claims the other's place.
        try copyDir("r0", "s0"); try copyDir("r1", "s1")
        var s0 = try json("s0/receipt.json") as! [String: Any], s1 = try json("s1/receipt.json") as! [String: Any]
        s0["shard"] = 1; s1["shard"] = 0
        try writeJSON(s0, "s0/receipt.json"); try writeJSON(s1, "s1/receipt.json")
        try invalid(["s0", "s1"], says: "does not verify under shard-0's key", "swapped shards")
        // A broken link: shard 1 proven on activations shard 0 never produced.
        var other = try json("r0/output.json") as! [String: Any]
        var otherInts = other["input_data_int"] as! [[Int]]
        otherInts[0][3] = otherInts[0][3] == 0 ? 1 : 0
        other["input_data_int"] = otherInts
        other["input_data"] = [otherInts[0].map { Double($0) }]
        try writeJSON(other, "other.json")
        try proveShard("mlp", 1, input: "other.json", out: "unlinked", key: "b")
        try invalid(["r0", "unlinked"], says: "input_commitment differs from shard 0's", "broken link")
        // A bad signature.
        try copyDir("r1", "badsig")
        var bad = try json("badsig/receipt.json") as! [String: Any]
        var sig = Array(bad["signature"] as! String)
        sig[5] = sig[5] == "0" ? "1" : "0"
        bad["signature"] = String(sig)
        try writeJSON(bad, "badsig/receipt.json")
        try invalid(["r0", "badsig"], says: "signature", "bad signature")
        // A key not on the list.
        try Data(try String(contentsOfFile: path("a.key.pub"), encoding: .utf8).utf8).write(to: URL(fileURLWithPath: path("only-a.txt")))
        try invalid(["r0", "r1"], ["--keys", "only-a.txt"], says: "not in the key list", "unknown key")
        // A result that is not what the shards proved.
        var wrong = try json("r1/output.json") as! [String: Any]
        var wrongInts = wrong["input_data_int"] as! [[Int]]
        wrongInts[0][2] += wrongInts[0][2] < 0 ? 1 : -1
        wrong["input_data_int"] = wrongInts
        try writeJSON(wrong, "wrong-result.json")
        try invalid(["r0", "r1"], ["--result", "wrong-result.json"], says: "not the output the shards proved", "wrong result")

        // Three nodes on shard 1: c agrees with b, d ran on other activations: d is flagged, quorum 2 passes.
        try proveShard("mlp", 1, input: "r0/output.json", out: "r1c", key: "c")
        try proveShard("mlp", 1, input: "other.json", out: "r1d", key: "d")
        let q = try validate("mlp", ["r0", "r1", "r1c", "r1d"], ["--quorum", "2", "--json"])
        expect(q, 0, "quorum 2 of 3")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? NSDictionary)
        let flagged = try XCTUnwrap(report["flagged"] as? [String])
        XCTAssertEqual(flagged.count, 1, "\(flagged)")
        XCTAssertTrue(flagged.first?.contains("r1d") == true, "\(flagged)")
        try invalid(["r0", "r1", "r1c", "r1d"], ["--quorum", "3"], says: "quorum is 3", "quorum 3 of 3 fails")
        try invalid(["r0", "r1", "r1c", "r1d"], ["--strict"], says: "--strict", "strict mode")
        // Same input, a hidden (salted) output: the commitment differs, so the node is outvoted.
        try proveShard("mlp", 1, input: "r0/output.json", out: "r1e", key: "d", extra: ["--hide-activations"])
        let e = try validate("mlp", ["r0", "r1", "r1c", "r1e"], ["--quorum", "2"])
        expect(e, 0, "quorum with a differing node")
        XCTAssertTrue(e.stdout.contains("agreement"), e.stdout)

        // Bad input: exit 2.
        expect(try validate("mlp", ["r0"]), 2, mentions: "no receipt for shard 1", "missing receipt")
        expect(try validate("mlp", ["r0", "r1", "r1"]), 2, mentions: "twice", "the same receipt twice")
        expect(try validate("mlp", ["r0", "r1", "unlinked"]), 2, mentions: "second receipt", "a node's second receipt for a shard")
        try copyDir("r0", "wrongshard")
        var ws = try json("wrongshard/receipt.json") as! [String: Any]
        ws["shard"] = 5
        try writeJSON(ws, "wrongshard/receipt.json")
        expect(try validate("mlp", ["wrongshard", "r1"]), 2, mentions: "out of range", "shard index out of range")
        try copyDir("r0", "garbled")
        try Data("{\"format\": \"zkshard-receipt\"".utf8).write(to: URL(fileURLWithPath: path("garbled/receipt.json")))
        expect(try validate("mlp", ["garbled", "r1"]), 2, mentions: "garbled/receipt.json", "malformed receipt")
        try copyDir("r0", "noproof")
        try FileManager.default.removeItem(atPath: path("noproof/proof.json"))
        expect(try validate("mlp", ["noproof", "r1"]), 2, mentions: "proof.json", "missing proof")
        try shardedBuild("digits_mlp", "mlp10", ["--shards", "2", "--bits", "10"], nodes: [])
        expect(try validate("mlp10", ["r0", "r1"]), 2, mentions: "another model", "receipts of another model")
        expect(try run(["prove", "mlp", "--shard", "7", "--input", input, "-o", "x"]), 2, mentions: "shard 7", "no such shard")
        expect(try run(["prove", "mlp", "--input", input, "-o", "x"]), 2, mentions: "--shard", "sharded build without --shard")
        expect(try run(["prove", "mlp", "--shard", "1", "--input", input, "-o", "x"]), 2, mentions: "input", "shard 1 given the model input")
        expect(try run(["compile", circuit("digits_mlp", "model.onnx"), "-o", "z", "--shards", "40"]), 2, mentions: "shards", "more shards than ops")
        expect(try run(["compile", circuit("digits_mlp", "model.onnx"), "-o", "z", "--capacity", "1,x"]), 2, mentions: "--capacity", "bad capacity")
        expect(try run(["keygen", "-o", "a.key"]), 2, mentions: "exists", "keygen does not overwrite")
    }
}
