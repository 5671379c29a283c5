import Algebra
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Model
import Verifier

/// What a node signs after proving a shard: `receipt-K/receipt.json`.
///
///     {"format": "zkshard-receipt", "version": 1, "model_digest": hex, "shard": K, "shard_count": N,
///      "input_commitment": "decimal", "output_commitment": "decimal", "proof_sha256": hex,
///      "node_public_key": hex, "signature": hex}
///
/// `proof_sha256` is the SHA-256 of the proof's 256-byte Ethereum calldata encoding (so JSON
/// formatting does not matter). The Ed25519 signature covers `signedMessage`: the ASCII tag
/// "zkshard-receipt-v1", the model digest (32 bytes), shard and shard count (u32 big-endian),
/// both commitments (32 bytes big-endian each), the proof digest and the node's public key.
public struct Receipt: Codable, Equatable, Sendable {
    public var format = "zkshard-receipt"
    public var version = 1
    public var modelDigest: String
    public var shard: Int
    public var shardCount: Int
    public var inputCommitment: String
    public var outputCommitment: String
    public var proofSHA256: String
    public var nodePublicKey: String
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case format, version, shard, signature
        case modelDigest = "model_digest", shardCount = "shard_count", inputCommitment = "input_commitment"
        case outputCommitment = "output_commitment", proofSHA256 = "proof_sha256", nodePublicKey = "node_public_key"
    }

    public static let fileName = "receipt.json"

    public init(modelDigest: String, shard: Int, shardCount: Int, inputCommitment: String, outputCommitment: String,
                proofSHA256: String, nodePublicKey: String, signature: String) {
        self.modelDigest = modelDigest; self.shard = shard; self.shardCount = shardCount
        self.inputCommitment = inputCommitment; self.outputCommitment = outputCommitment
        self.proofSHA256 = proofSHA256; self.nodePublicKey = nodePublicKey; self.signature = signature
    }

    /// A signed receipt for a shard proof.
    public init(for proof: ShardProof, key: NodeKey) {
        modelDigest = proof.modelDigest
        shard = proof.shard
        shardCount = proof.shardCount
        inputCommitment = proof.inputCommitment.description
        outputCommitment = proof.outputCommitment.description
        proofSHA256 = hex(sha256(proof.inference.proof.ethereumCalldata))
        nodePublicKey = hex(key.publicKey)
        signature = ""
        signature = hex(key.sign(try! signedMessage()))
    }

    /// The bytes the signature covers; throws when a field is malformed.
    public func signedMessage() throws -> [UInt8] {
        var m = Array("zkshard-receipt-v1".utf8)
        guard let d = bytes(hex: modelDigest), d.count == 32 else { throw ReceiptError("model_digest must be 32 bytes of hex") }
        guard shard >= 0, shard < shardCount, shardCount <= Int(UInt32.max) else {
            throw ReceiptError("shard \(shard) of shard_count \(shardCount) is out of range")
        }
        m += d
        for v in [UInt32(shard), UInt32(shardCount)] { m += withUnsafeBytes(of: v.bigEndian, Array.init) }
        for (name, s) in [("input_commitment", inputCommitment), ("output_commitment", outputCommitment)] {
            guard let f = Fr(decimal: s) else { throw ReceiptError("\(name) is not a canonical decimal field element") }
            m += f.bigEndianBytes
        }
        guard let p = bytes(hex: proofSHA256), p.count == 32 else { throw ReceiptError("proof_sha256 must be 32 bytes of hex") }
        guard let k = bytes(hex: nodePublicKey), k.count == 32 else { throw ReceiptError("node_public_key must be 32 bytes of hex") }
        return m + p + k
    }

    /// Whether the signature is the node key's over `signedMessage`.
    public func signatureIsValid() -> Bool {
        guard let message = try? signedMessage(), let sig = bytes(hex: signature), let key = bytes(hex: nodePublicKey) else { return false }
        return NodeKey.verify(signature: sig, message: message, publicKey: key)
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    /// Reads and checks the structure (not the signature) of a receipt file.
    public static func read(_ path: String) throws -> Receipt {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReceiptError("\(path): cannot read the receipt") }
        let r: Receipt
        do { r = try JSONDecoder().decode(Receipt.self, from: data) } catch {
            throw ReceiptError("\(path): not a zkshard receipt (\(error))")
        }
        guard r.format == "zkshard-receipt", r.version == 1 else {
            throw ReceiptError("\(path): format \(r.format) version \(r.version), expected zkshard-receipt version 1")
        }
        do { _ = try r.signedMessage() } catch let e as ReceiptError { throw ReceiptError("\(path): \(e.description)") }
        guard let s = bytes(hex: r.signature), s.count == 64 else { throw ReceiptError("\(path): signature must be 64 bytes of hex") }
        return r
    }
}
