import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Model

/// `build/manifest.json`: what a compiled model is, for people and for `prove`/`verify` scripts.
/// Written by `compile`, completed by `setup` (key digests). docs/FORMATS.md describes it.
public struct Manifest: Codable, Equatable, Sendable {
    public struct TensorEntry: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var scale: Double
        public var lower: Int64
        public var upper: Int64
        public var bits: Int
        public init(_ t: TensorInfo) {
            name = t.name; shape = t.shape; scale = t.scale; lower = t.lower; upper = t.upper; bits = t.bits
        }
    }

    /// Where a shard's circuit sits in its sharded model (nil for a whole-model circuit).
    public struct ShardEntry: Codable, Equatable, Sendable {
        public var index: Int
        public var count: Int
        /// SHA-256 (hex) of the whole model's `model.zkq`; its field element is `model_digest_field`.
        public var modelDigest: String
        enum CodingKeys: String, CodingKey { case index, count, modelDigest = "model_digest" }
        public init(index: Int, count: Int, modelDigest: String) { self.index = index; self.count = count; self.modelDigest = modelDigest }
    }

    public var format = "zkshard-manifest"
    public var version = 1
    /// The ONNX file the model was compiled from.
    public var source: String
    /// SHA-256 of this directory's `model.zkq` (hex) and the field element bound into the circuit
    /// as a public input: of this model, or for a shard of the whole model it is a piece of.
    public var modelDigest: String
    public var modelDigestField: String
    public var shard: ShardEntry?
    public var inputVisibility: InputVisibility
    public var inputs: [TensorEntry]
    public var outputs: [TensorEntry]
    /// Public values in order: every output element, the model digest, then the inputs if public.
    public var publicLayout: PublicLayout
    public var constraints: Int
    public var wires: Int
    public var layers: [LayerStats]
    /// SHA-256 (hex) of circuit.r1cs, and after setup of circuit.pk and verification_key.json.
    public var r1csSHA256: String
    public var pkSHA256: String?
    public var vkSHA256: String?

    enum CodingKeys: String, CodingKey {
        case format, version, source, inputs, outputs, constraints, wires, layers, shard
        case modelDigest = "model_digest", modelDigestField = "model_digest_field"
        case inputVisibility = "input_visibility", publicLayout = "public_layout"
        case r1csSHA256 = "r1cs_sha256", pkSHA256 = "pk_sha256", vkSHA256 = "vk_sha256"
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// The model digest bound into the circuit.
    public func boundDigest() throws -> Fr {
        guard let f = Fr(decimal: modelDigestField) else { throw CompileError("manifest.json: model_digest_field is not a field element") }
        return f
    }

    public static func read(_ path: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else { throw CompileError("\(path): cannot read the file") }
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw CompileError("\(path): not a zkshard manifest: \(error)")
        }
    }
}

public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(2 * bytes.count)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

/// The field element that stands for a model in its circuit: the first 31 bytes of its SHA-256
/// digest read big-endian (248 bits, below the scalar field's modulus, so no reduction).
public func modelDigestField(_ digest: [UInt8]) -> Fr {
    precondition(digest.count >= 31)
    var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var words = [UInt64](repeating: 0, count: 4)
    for (i, byte) in digest.prefix(31).reversed().enumerated() { words[i / 8] |= UInt64(byte) << UInt64(8 * (i % 8)) }
    limbs = (words[0], words[1], words[2], words[3])
    return Fr(canonicalLimbs: limbs)
}
