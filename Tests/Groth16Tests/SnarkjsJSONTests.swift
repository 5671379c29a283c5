import Algebra
import Foundation
import Groth16
import Verifier
import XCTest

final class SnarkjsJSONTests: XCTestCase {
    static let circuit = G16Fixtures.random(seed: 0x15_0A, constraints: 9, outputs: 1, inputs: 2)
    static let key = try! G16Fixtures.setup(circuit.r1cs, salt: 4)
    static let vk = key.verifyingKey
    static let proof = try! G16Fixtures.prove(key, circuit.witness)

    static let p = Fq.modulus
    static let r = Fr.modulus

    // MARK: Helpers

    func json(_ data: Data) -> [String: Any] { try! JSONSerialization.jsonObject(with: data) as! [String: Any] }
    func data(_ obj: Any) -> Data { try! JSONSerialization.data(withJSONObject: obj) }
    var vkObject: [String: Any] { json(SnarkjsJSON.data(for: Self.vk)) }
    var proofObject: [String: Any] { json(SnarkjsJSON.data(for: Self.proof)) }

    func assertFormatError<T>(_ expr: @autoclosure () throws -> T, file name: String, field: String, message: String? = nil,
                              _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expr(), what, file: file, line: line) { e in
            guard let fe = e as? FormatError else { return XCTFail("\(what): not a FormatError: \(e)", file: file, line: line) }
            XCTAssertEqual(fe.file, name, what, file: file, line: line)
            XCTAssertEqual(fe.field, field, "\(what): \(fe)", file: file, line: line)
            if let m = message { XCTAssertTrue(fe.description.contains(m), "\(what): \(fe)", file: file, line: line) }
        }
    }

    func vk(_ mutate: (inout [String: Any]) -> Void) throws -> VerifyingKey {
        var o = vkObject
        mutate(&o)
        return try SnarkjsJSON.verifyingKey(from: data(o), file: "vk.json")
    }

    func proof(_ mutate: (inout [String: Any]) -> Void) throws -> Proof {
        var o = proofObject
        mutate(&o)
        return try SnarkjsJSON.proof(from: data(o), file: "proof.json")
    }

    func publicValues(_ raw: String) throws -> [Fr] {
        try SnarkjsJSON.publicInputs(from: Data(raw.utf8), file: "public.json")
    }

    // MARK: Round trips

    func testVerifyingKeyRoundTrip() throws {
        let d = SnarkjsJSON.data(for: Self.vk)
        XCTAssertEqual(try SnarkjsJSON.verifyingKey(from: d), Self.vk)
        let o = json(d)
        XCTAssertEqual(o["protocol"] as? String, "groth16")
        XCTAssertEqual(o["curve"] as? String, "bn128")
        XCTAssertEqual(o["nPublic"] as? Int, 3)
        XCTAssertEqual((o["IC"] as? [Any])?.count, 4)
        XCTAssertEqual((o["vk_alpha_1"] as? [String])?.last, "1")
        XCTAssertEqual((o["vk_beta_2"] as? [[String]])?.last, ["1", "0"])
        // vk_alphabeta_12 is e(α, β), as [[[c0, c1] × 3] × 2].
        let ab = Pairing.pairing(Self.vk.alpha, Self.vk.beta)
        let abJSON = o["vk_alphabeta_12"] as! [[[String]]]
        XCTAssertEqual(abJSON.count, 2)
        XCTAssertEqual(abJSON[0][0], [ab.c0.b0.c0.description, ab.c0.b0.c1.description])
        XCTAssertEqual(abJSON[1][2], [ab.c1.b2.c0.description, ab.c1.b2.c1.description])
        // A key with no public values, and one with points at infinity.
        var v = Self.vk
        v.ic = [v.ic[0]]
        XCTAssertEqual(try SnarkjsJSON.verifyingKey(from: SnarkjsJSON.data(for: v)), v)
        v.ic = [.infinity, v.ic[0]]
        XCTAssertEqual(try SnarkjsJSON.verifyingKey(from: SnarkjsJSON.data(for: v)), v)
    }

    func testProofAndPublicRoundTrip() throws {
        let d = SnarkjsJSON.data(for: Self.proof)
        XCTAssertEqual(try SnarkjsJSON.proof(from: d), Self.proof)
        XCTAssertEqual(json(d)["protocol"] as? String, "groth16")
        let pub = Self.circuit.publicValues
        XCTAssertEqual(try SnarkjsJSON.publicInputs(from: SnarkjsJSON.data(forPublic: pub)), pub)
        let edge = [Fr.zero, .one, Fr.zero - .one, Fr(UInt64.max)]
        XCTAssertEqual(try SnarkjsJSON.publicInputs(from: SnarkjsJSON.data(forPublic: edge)), edge)
        XCTAssertEqual(try SnarkjsJSON.publicInputs(from: SnarkjsJSON.data(forPublic: [])), [])
        XCTAssertEqual(try publicValues("[\"\(Self.r - BigUInt(1))\"]"), [Fr.zero - .one])
        // Everything read back still verifies.
        let vk = try SnarkjsJSON.verifyingKey(from: SnarkjsJSON.data(for: Self.vk))
        let pr = try SnarkjsJSON.proof(from: d)
        XCTAssertTrue(try Groth16Verifier.verify(vk, proof: pr, publicInputs: try SnarkjsJSON.publicInputs(from: SnarkjsJSON.data(forPublic: pub))))
        // Infinity round trips in both groups.
        let inf = Proof(a: .infinity, b: .infinity, c: .infinity)
        XCTAssertEqual(try SnarkjsJSON.proof(from: SnarkjsJSON.data(for: inf)), inf)
    }

    func testAcceptsOtherProjectiveForms() throws {
        let a = Self.proof.a
        // [x, y] without z, and Jacobian (x·z², y·z³, z) with z = 2.
        XCTAssertEqual(try proof { $0["pi_a"] = [a.x.description, a.y.description] }, Self.proof)
        let z = Fq(2)
        XCTAssertEqual(try proof { $0["pi_a"] = [(a.x * z * z).description, (a.y * z * z * z).description, "2"] }, Self.proof)
        // No "protocol"/"curve" keys at all.
        XCTAssertEqual(try proof { $0["protocol"] = nil; $0["curve"] = nil }, Self.proof)
    }

    func testAcceptsGroth16pyStyleKey() throws {
        // groth16py writes no vk_alphabeta_12, nPublic as a JSON int, and its own key order.
        let v = Self.vk
        let raw = """
        {"vk_alpha_1": \(strings(v.alpha.snarkjsStrings)),
         "IC": [\(v.ic.map { strings($0.snarkjsStrings) }.joined(separator: ", "))],
         "vk_delta_2": \(strings2(v.delta.snarkjsStrings)),
         "vk_gamma_2": \(strings2(v.gamma.snarkjsStrings)),
         "nPublic": \(v.numPublic),
         "vk_beta_2": \(strings2(v.beta.snarkjsStrings)),
         "protocol": "groth16", "curve": "bn128"}
        """
        XCTAssertEqual(try SnarkjsJSON.verifyingKey(from: Data(raw.utf8), file: "vk.json"), v)
        XCTAssertEqual(try vk { $0["vk_alphabeta_12"] = nil }, v)
        XCTAssertEqual(try vk { $0["vk_alphabeta_12"] = nil; $0["nPublic"] = nil }, v)
        XCTAssertEqual(try vk { $0["curve"] = "BN254" }, v)
        XCTAssertEqual(try vk { $0["curve"] = "alt_bn128" }, v)
    }

    private func strings(_ s: [String]) -> String { "[" + s.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
    private func strings2(_ s: [[String]]) -> String { "[" + s.map(strings).joined(separator: ", ") + "]" }

    // MARK: Rejections

    func testRejectsInvalidJSON() {
        for raw in ["", "{", "{\"pi_a\": [}", "not json", "[1, 2", "\u{FEFF}{]"] {
            assertFormatError(try SnarkjsJSON.proof(from: Data(raw.utf8), file: "proof.json"), file: "proof.json", field: "",
                              message: "JSON", "proof \(raw)")
            assertFormatError(try SnarkjsJSON.verifyingKey(from: Data(raw.utf8), file: "vk.json"), file: "vk.json", field: "",
                              message: "JSON", "vk \(raw)")
            assertFormatError(try publicValues(raw), file: "public.json", field: "", message: "JSON", "public \(raw)")
        }
        // Valid JSON of the wrong shape.
        assertFormatError(try SnarkjsJSON.proof(from: Data("[1]".utf8), file: "proof.json"), file: "proof.json", field: "")
        assertFormatError(try SnarkjsJSON.verifyingKey(from: Data("\"x\"".utf8), file: "vk.json"), file: "vk.json", field: "")
        assertFormatError(try publicValues("{\"a\": \"1\"}"), file: "public.json", field: "")
    }

    func testRejectsMissingOrMistypedProofFields() {
        assertFormatError(try proof { $0["pi_a"] = nil }, file: "proof.json", field: "pi_a")
        assertFormatError(try proof { $0["pi_b"] = nil }, file: "proof.json", field: "pi_b")
        assertFormatError(try proof { $0["pi_c"] = nil }, file: "proof.json", field: "pi_c")
        assertFormatError(try proof { $0["pi_a"] = "1" }, file: "proof.json", field: "pi_a")
        assertFormatError(try proof { $0["pi_a"] = ["1"] }, file: "proof.json", field: "pi_a")
        assertFormatError(try proof { $0["pi_a"] = ["1", "2", "1", "1"] }, file: "proof.json", field: "pi_a")
        assertFormatError(try proof { $0["protocol"] = "plonk" }, file: "proof.json", field: "protocol")
        assertFormatError(try proof { $0["pi_b"] = [["1", "2"], ["3"]] }, file: "proof.json", field: "pi_b[1]")
        // Numbers instead of decimal strings.
        let a = Self.proof.a
        assertFormatError(try proof { $0["pi_a"] = [1, 2, 1] }, file: "proof.json", field: "pi_a[0]")
        assertFormatError(try proof { $0["pi_a"] = [a.x.description, 2, "1"] as [Any] }, file: "proof.json", field: "pi_a[1]")
        assertFormatError(try proof { $0["pi_b"] = [[1, 0], [2, 0], [1, 0]] }, file: "proof.json", field: "pi_b[0][0]")
        assertFormatError(try proof { $0["pi_a"] = [" \(a.x)", a.y.description, "1"] }, file: "proof.json", field: "pi_a[0]",
                          message: "decimal")
        assertFormatError(try proof { $0["pi_a"] = ["0x1", "2", "1"] }, file: "proof.json", field: "pi_a[0]")
    }

    func testRejectsCoordinatesAboveTheModulus() {
        let a = Self.proof.a, b = Self.proof.b
        let p = Self.p
        // x ≥ p, including p + x (the same residue).
        for bad in [p, p + BigUInt(1), p + a.x.bigUInt, (BigUInt(1) << 256) - BigUInt(1), BigUInt(1) << 300] {
            assertFormatError(try proof { $0["pi_a"] = [bad.description, a.y.description, "1"] }, file: "proof.json",
                              field: "pi_a[0]", message: "modulus", "x = \(bad)")
            assertFormatError(try proof { $0["pi_c"] = [Self.proof.c.x.description, bad.description, "1"] }, file: "proof.json",
                              field: "pi_c[1]", message: "modulus")
            assertFormatError(try proof {
                $0["pi_b"] = [[b.x.c0.description, bad.description], [b.y.c0.description, b.y.c1.description], ["1", "0"]]
            }, file: "proof.json", field: "pi_b[0][1]", message: "modulus")
            assertFormatError(try vk { $0["vk_alpha_1"] = [bad.description, "2", "1"] }, file: "vk.json", field: "vk_alpha_1[0]")
            assertFormatError(try vk {
                var ic = $0["IC"] as! [Any]
                ic[2] = ["1", bad.description, "1"]
                $0["IC"] = ic
            }, file: "vk.json", field: "IC[2][1]")
        }
    }

    func testRejectsPointsOffTheCurve() {
        let a = Self.proof.a
        assertFormatError(try proof { $0["pi_a"] = [a.x.description, (a.y + .one).description, "1"] }, file: "proof.json",
                          field: "pi_a", message: "curve")
        assertFormatError(try proof { $0["pi_c"] = ["0", "1", "1"] }, file: "proof.json", field: "pi_c", message: "curve")
        assertFormatError(try vk { $0["vk_alpha_1"] = ["1", "3", "1"] }, file: "vk.json", field: "vk_alpha_1", message: "curve")
        assertFormatError(try vk {
            var ic = $0["IC"] as! [Any]
            ic[1] = ["1", "3", "1"]
            $0["IC"] = ic
        }, file: "vk.json", field: "IC[1]", message: "curve")
    }

    func testRejectsG2WithSwappedComponents() {
        // c1/c0 swapped (EIP-197 order written into a snarkjs file): off the twist.
        func swapped(_ q: G2Affine) -> [[String]] {
            [[q.x.c1.description, q.x.c0.description], [q.y.c1.description, q.y.c0.description], ["1", "0"]]
        }
        var samples = [Self.proof.b, Self.vk.beta, Self.vk.gamma, Self.vk.delta, BN254G2.generator]
        var q = G2(BN254G2.generator)
        for _ in 0..<6 { q = q.doubled() + G2(BN254G2.generator); samples.append(q.affine) }
        for (i, s) in samples.enumerated() {
            XCTAssertFalse(G2Affine(x: Fq2(s.x.c1, s.x.c0), y: Fq2(s.y.c1, s.y.c0)).isOnCurve, "sample \(i)")
            assertFormatError(try proof { $0["pi_b"] = swapped(s) }, file: "proof.json", field: "pi_b", message: "curve", "sample \(i)")
        }
        assertFormatError(try vk { $0["vk_beta_2"] = swapped(Self.vk.beta) }, file: "vk.json", field: "vk_beta_2")
        assertFormatError(try vk { $0["vk_gamma_2"] = swapped(Self.vk.gamma) }, file: "vk.json", field: "vk_gamma_2")
        assertFormatError(try vk { $0["vk_delta_2"] = swapped(Self.vk.delta) }, file: "vk.json", field: "vk_delta_2")
    }

    func testRejectsG2OutsideTheSubgroup() {
        let rogue = g2PointOutsideSubgroup()
        XCTAssertTrue(rogue.isOnCurve)
        XCTAssertFalse(rogue.isInSubgroup)
        // Still outside after a multiple that is not a multiple of the cofactor.
        let rogue3 = (G2(rogue) * Fr(3)).affine
        XCTAssertTrue(rogue3.isOnCurve)
        XCTAssertFalse(rogue3.isInSubgroup)
        for (i, q) in [rogue, rogue3, -rogue].enumerated() {
            assertFormatError(try proof { $0["pi_b"] = q.snarkjsStrings }, file: "proof.json", field: "pi_b", message: "subgroup", "rogue \(i)")
            assertFormatError(try vk { $0["vk_beta_2"] = q.snarkjsStrings }, file: "vk.json", field: "vk_beta_2", message: "subgroup")
            assertFormatError(try vk { $0["vk_gamma_2"] = q.snarkjsStrings }, file: "vk.json", field: "vk_gamma_2", message: "subgroup")
            assertFormatError(try vk { $0["vk_delta_2"] = q.snarkjsStrings }, file: "vk.json", field: "vk_delta_2", message: "subgroup")
        }
    }

    func testRejectsBadPublicValues() {
        let r = Self.r
        assertFormatError(try publicValues("[\"1\", \"\(r)\"]"), file: "public.json", field: "[1]", message: "modulus")
        assertFormatError(try publicValues("[\"\(r + BigUInt(5))\"]"), file: "public.json", field: "[0]", message: "modulus")
        assertFormatError(try publicValues("[\"\(Self.p)\"]"), file: "public.json", field: "[0]", message: "modulus")
        for bad in ["-1", "", "1.5", "1e3", "0x10", " 7", "7 ", "+7", "١٢"] {
            assertFormatError(try publicValues("[\"2\", \"\(bad)\"]"), file: "public.json", field: "[1]", message: "decimal", "\"\(bad)\"")
        }
        // Numbers, booleans, nulls, nested arrays instead of strings.
        for bad in ["1", "-1", "true", "null", "[\"1\"]", "{}"] {
            assertFormatError(try publicValues("[\"2\", \"3\", \(bad)]"), file: "public.json", field: "[2]", message: "string", bad)
        }
        assertFormatError(try publicValues("\"1\""), file: "public.json", field: "")
    }

    func testRejectsNPublicDisagreeingWithIC() {
        assertFormatError(try vk { $0["nPublic"] = 2 }, file: "vk.json", field: "nPublic", message: "IC")
        assertFormatError(try vk { $0["nPublic"] = 4 }, file: "vk.json", field: "nPublic")
        assertFormatError(try vk { $0["nPublic"] = 0 }, file: "vk.json", field: "nPublic")
        assertFormatError(try vk { $0["nPublic"] = "3" }, file: "vk.json", field: "nPublic")
        assertFormatError(try vk { $0["nPublic"] = -1 }, file: "vk.json", field: "nPublic")
        assertFormatError(try vk { $0["IC"] = [] as [Any] }, file: "vk.json", field: "IC")
        assertFormatError(try vk { $0["IC"] = nil }, file: "vk.json", field: "IC")
        assertFormatError(try vk { $0["IC"] = Array(($0["IC"] as! [Any]).dropLast()) }, file: "vk.json",
                          field: "nPublic")
        assertFormatError(try vk { $0["vk_alpha_1"] = nil }, file: "vk.json", field: "vk_alpha_1")
        assertFormatError(try vk { $0["vk_delta_2"] = nil }, file: "vk.json", field: "vk_delta_2")
        assertFormatError(try vk { $0["protocol"] = "plonk" }, file: "vk.json", field: "protocol")
        assertFormatError(try vk { $0["curve"] = "bls12381" }, file: "vk.json", field: "curve")
    }
}
