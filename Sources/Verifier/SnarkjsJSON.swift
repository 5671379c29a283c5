import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// Reading and writing the snarkjs JSON files: verification_key.json, proof.json, public.json.
///
/// Field elements are decimal strings; points are projective with a trailing "1"
/// (G1 [x, y, "1"], G2 [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]). Every decoder checks
/// canonical values, the curve equation and the G2 subgroup, and names the offending field.
public enum SnarkjsJSON {
    // MARK: Parsing helpers

    static func parse(_ data: Data, file: String) throws -> JSONValue {
        do { return try JSONValue(parsing: data) } catch {
            throw FormatError(file: file, field: "", "not valid JSON")
        }
    }

    static func object(_ data: Data, file: String) throws -> [String: JSONValue] {
        guard let obj = try parse(data, file: file).objectValue else { throw FormatError(file: file, field: "", "expected a JSON object") }
        return obj
    }

    static func strings(_ v: JSONValue?, file: String, field: String) throws -> [String] {
        guard let arr = v?.arrayValue else { throw FormatError(file: file, field: field, "expected an array of decimal strings") }
        return try arr.enumerated().map { i, e in
            // snarkjs always writes strings; numbers would lose precision, so they are refused.
            if let s = e.stringValue { return s }
            throw FormatError(file: file, field: "\(field)[\(i)]", "expected a decimal string")
        }
    }

    static func g1(_ v: JSONValue?, file: String, field: String) throws -> G1Affine {
        let s = try strings(v, file: file, field: field)
        do { return try G1Affine(snarkjsStrings: s, context: field) } catch let e as EncodingError {
            throw FormatError(file: file, e)
        }
    }

    static func g2(_ v: JSONValue?, file: String, field: String) throws -> G2Affine {
        guard let arr = v?.arrayValue else { throw FormatError(file: file, field: field, "expected [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]") }
        let parts = try arr.enumerated().map { i, e in try strings(e, file: file, field: "\(field)[\(i)]") }
        do { return try G2Affine(snarkjsStrings: parts, context: field) } catch let e as EncodingError {
            throw FormatError(file: file, e)
        }
    }

    static func write(_ obj: Any) -> Data {
        var d = JSONValue(obj).prettyPrinted()
        d.append(0x0A)
        return d
    }

    // MARK: Verification key

    public static func verifyingKey(from data: Data, file: String = "verification_key.json") throws -> VerifyingKey {
        let o = try object(data, file: file)
        if let p = o["protocol"]?.stringValue, p != "groth16" {
            throw FormatError(file: file, field: "protocol", "expected \"groth16\", found \"\(p)\"")
        }
        if let c = o["curve"]?.stringValue, !["bn128", "bn254", "alt_bn128"].contains(c.lowercased()) {
            throw FormatError(file: file, field: "curve", "expected \"bn128\", found \"\(c)\"")
        }
        guard let icArr = o["IC"]?.arrayValue, !icArr.isEmpty else { throw FormatError(file: file, field: "IC", "missing or empty") }
        let ic = try icArr.enumerated().map { i, e in try g1(e, file: file, field: "IC[\(i)]") }
        if let n = o["nPublic"] {
            guard let k = n.intValue, k == ic.count - 1 else {
                throw FormatError(file: file, field: "nPublic", "is \(n) but IC has \(ic.count) points (expected nPublic + 1)")
            }
        }
        return VerifyingKey(alpha: try g1(o["vk_alpha_1"], file: file, field: "vk_alpha_1"),
                            beta: try g2(o["vk_beta_2"], file: file, field: "vk_beta_2"),
                            gamma: try g2(o["vk_gamma_2"], file: file, field: "vk_gamma_2"),
                            delta: try g2(o["vk_delta_2"], file: file, field: "vk_delta_2"),
                            ic: ic)
    }

    /// snarkjs's layout, including vk_alphabeta_12 = e(α, β) as [[[c0,c1]×3]×2].
    public static func data(for vk: VerifyingKey) -> Data {
        let ab = Pairing.pairing(vk.alpha, vk.beta)
        let fq6 = { (x: Fq6) in [x.b0, x.b1, x.b2].map { [$0.c0.description, $0.c1.description] } }
        let obj: [String: Any] = [
            "protocol": "groth16",
            "curve": "bn128",
            "nPublic": vk.numPublic,
            "vk_alpha_1": vk.alpha.snarkjsStrings,
            "vk_beta_2": vk.beta.snarkjsStrings,
            "vk_gamma_2": vk.gamma.snarkjsStrings,
            "vk_delta_2": vk.delta.snarkjsStrings,
            "vk_alphabeta_12": [fq6(ab.c0), fq6(ab.c1)],
            "IC": vk.ic.map { $0.snarkjsStrings },
        ]
        return write(obj)
    }

    // MARK: Proof

    public static func proof(from data: Data, file: String = "proof.json") throws -> Proof {
        let o = try object(data, file: file)
        if let p = o["protocol"]?.stringValue, p != "groth16" {
            throw FormatError(file: file, field: "protocol", "expected \"groth16\", found \"\(p)\"")
        }
        return Proof(a: try g1(o["pi_a"], file: file, field: "pi_a"),
                     b: try g2(o["pi_b"], file: file, field: "pi_b"),
                     c: try g1(o["pi_c"], file: file, field: "pi_c"))
    }

    public static func data(for proof: Proof) -> Data {
        write([
            "pi_a": proof.a.snarkjsStrings,
            "pi_b": proof.b.snarkjsStrings,
            "pi_c": proof.c.snarkjsStrings,
            "protocol": "groth16",
            "curve": "bn128",
        ] as [String: Any])
    }

    // MARK: Public values

    public static func publicInputs(from data: Data, file: String = "public.json") throws -> [Fr] {
        let s = try strings(try parse(data, file: file), file: file, field: "")
        return try s.enumerated().map { i, v in
            do { return try Fr(decimalString: v, context: "[\(i)]") } catch let e as EncodingError {
                throw FormatError(file: file, field: "[\(i)]", e.kind == .nonCanonical ? "value is not below the scalar field modulus r" : "not a decimal number")
            }
        }
    }

    public static func data(forPublic values: [Fr]) -> Data {
        write(values.map { $0.description })
    }
}
