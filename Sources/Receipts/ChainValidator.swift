import Algebra
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Model
import Verifier

/// Checks a sharded inference from its receipts: every proof, every signature, the links
/// between consecutive shards, the request and result where given, and agreement between
/// redundant nodes.
///
/// Decision rule: for each shard in order, the receipts that pass all their own checks and
/// whose input commitment is the previous shard's agreed output (or the request's commitment,
/// for shard 0, when a request is given) vote with their output commitment. The agreed output
/// is the commitment with the most votes; where several receipts vote it needs at least
/// `quorum` votes and a strict plurality (a lone receipt stands on its own). The inference is valid when every shard has an agreed output (and the last one
/// matches the result, when given). A receipt that fails a check or is outvoted is *flagged* with
/// the reason; with `strict`, any flagged receipt makes the inference invalid.
public struct ChainValidator {
    public struct Options {
        public var quorum = 1
        /// Public keys allowed to sign; nil accepts any key.
        public var trustedKeys: [[UInt8]]?
        /// The first shard's input and the last shard's output, when the caller knows them.
        public var request: (activations: ShardActivations, file: String)?
        public var result: (activations: ShardActivations, file: String)?
        public var strict = false
        public init() {}
    }

    /// One check and its outcome, as the JSON report lists it.
    public struct Check: Codable, Equatable {
        public var check: String
        public var ok: Bool
        public var shard: Int?
        public var receipt: String?
        public var node: String?
        public var detail: String
    }

    public struct ShardSummary: Codable, Equatable {
        public var shard: Int
        public var receipts: Int
        public var agreedOutputCommitment: String?
        public var votes: Int
        enum CodingKeys: String, CodingKey { case shard, receipts, votes, agreedOutputCommitment = "agreed_output_commitment" }
    }

    public struct Report: Codable, Equatable {
        public var valid: Bool
        /// Why the inference is invalid (empty when valid).
        public var reasons: [String]
        public var checks: [Check]
        public var shards: [ShardSummary]
        /// Receipts flagged (failed a check or disagreed with the quorum): "node-key-prefix (dir): reason".
        public var flagged: [String]
        public var quorum: Int
    }

    let build: ShardedBuild
    let options: Options

    public init(build: ShardedBuild, options: Options) {
        self.build = build; self.options = options
    }

    struct Loaded {
        var dir: String
        var receipt: Receipt
        var proof: Proof
        var publicValues: [Fr]?
        var output: ShardActivations?
    }

    /// Throws `ReceiptError` / `CompileError` / `FormatError` for bad input (missing, extra or
    /// malformed receipts, receipts of another model); returns the report otherwise.
    public func validate(receiptDirectories: [String]) throws -> Report {
        guard options.quorum >= 1 else { throw ReceiptError("--quorum must be at least 1") }
        let plan = try build.plan()
        let n = plan.shards.count
        var keys: [PreparedVerifyingKey] = []
        var manifests: [Manifest] = []
        for k in 0..<n {
            let (dir, manifest, _) = try build.shard(k)
            guard let data = FileManager.default.contents(atPath: dir.verificationKeyPath) else {
                throw ReceiptError("\(dir.verificationKeyPath): missing; run `zkshard setup \(build.path)`")
            }
            keys.append(PreparedVerifyingKey(try SnarkjsJSON.verifyingKey(from: data, file: dir.verificationKeyPath)))
            manifests.append(manifest)
        }
        guard let digestField = Fr(decimal: plan.modelDigestField) else { throw ReceiptError("\(build.planPath): bad model_digest_field") }

        // Load every receipt directory; structural problems are bad input.
        var loaded: [Loaded] = []
        var seenDirs = Set<String>()
        var seenNodeShard = Set<String>()
        for dir in receiptDirectories {
            let canonical = URL(fileURLWithPath: dir).standardizedFileURL.path
            guard seenDirs.insert(canonical).inserted else { throw ReceiptError("\(dir): the same receipt directory is given twice") }
            let receiptPath = PathString.join(dir, Receipt.fileName)
            guard FileManager.default.fileExists(atPath: receiptPath) else { throw ReceiptError("\(dir): no \(Receipt.fileName) in this directory") }
            let r = try Receipt.read(receiptPath)
            guard r.modelDigest == plan.modelDigest else {
                throw ReceiptError("\(receiptPath): receipt of another model (model_digest \(r.modelDigest.prefix(16))…, this build is \(plan.modelDigest.prefix(16))…)")
            }
            guard r.shardCount == n, r.shard < n else {
                throw ReceiptError("\(receiptPath): shard \(r.shard) of \(r.shardCount), but the build has \(n) shards")
            }
            guard seenNodeShard.insert("\(r.nodePublicKey)/\(r.shard)").inserted else {
                throw ReceiptError("\(receiptPath): node \(r.nodePublicKey.prefix(16))… sent a second receipt for shard \(r.shard)")
            }
            let proofPath = PathString.join(dir, "proof.json")
            guard let proofData = FileManager.default.contents(atPath: proofPath) else { throw ReceiptError("\(proofPath): missing") }
            let proof = try SnarkjsJSON.proof(from: proofData, file: proofPath)
            let publicPath = PathString.join(dir, "public.json")
            let pub = try FileManager.default.contents(atPath: publicPath).map { try SnarkjsJSON.publicInputs(from: $0, file: publicPath) }
            let outputPath = PathString.join(dir, "output.json")
            let out = FileManager.default.fileExists(atPath: outputPath) ? try ShardActivations.read(outputPath) : nil
            loaded.append(Loaded(dir: dir, receipt: r, proof: proof, publicValues: pub, output: out))
        }
        for k in 0..<n where !loaded.contains(where: { $0.receipt.shard == k }) {
            throw ReceiptError("no receipt for shard \(k) (\(plan.shards[k].directory)); every shard needs at least one")
        }

        var checks: [Check] = []
        var flagged: [String] = []
        var reasons: [String] = []
        func node(_ l: Loaded) -> String { String(l.receipt.nodePublicKey.prefix(16)) }

        // Each receipt's own checks.
        var passes = [Bool](repeating: true, count: loaded.count)
        for (i, l) in loaded.enumerated() {
            let r = l.receipt, k = r.shard
            func record(_ name: String, _ ok: Bool, _ detail: String) {
                checks.append(Check(check: name, ok: ok, shard: k, receipt: l.dir, node: node(l), detail: detail))
                if !ok, passes[i] {
                    passes[i] = false
                    flagged.append("\(node(l))… (\(l.dir)): \(name): \(detail)")
                }
            }
            record("signature", r.signatureIsValid(), r.signatureIsValid() ? "Ed25519 signature by the node key" : "the signature does not match the receipt")
            if let trusted = options.trustedKeys {
                let known = trusted.contains { hex($0) == r.nodePublicKey }
                record("known_node", known, known ? "signed by a listed key" : "signed by a key not in the key list")
            }
            let digestOK = hex(sha256(l.proof.ethereumCalldata)) == r.proofSHA256
            record("proof_digest", digestOK, digestOK ? "proof.json matches proof_sha256" : "proof.json is not the proof the receipt names")
            let inC = Fr(decimal: r.inputCommitment)!, outC = Fr(decimal: r.outputCommitment)!
            let publicValues = [digestField, Fr(UInt64(k)), inC, outC]
            if let pub = l.publicValues {
                record("public_values", pub == publicValues, pub == publicValues ? "public.json matches the receipt"
                       : "public.json differs from [model digest, shard, input commitment, output commitment] of the receipt")
            }
            let ok = (try? Groth16Verifier.verify(keys[k], proof: l.proof, publicInputs: publicValues)) ?? false
            record("proof", ok, ok ? "verifies under \(plan.shards[k].directory)'s key" : "does not verify under \(plan.shards[k].directory)'s key")
            if let out = l.output {
                let c = try? build.commitment(shard: k, activations: out, file: PathString.join(l.dir, "output.json"), asOutput: true)
                let match = c == outC
                record("output_file", match, match ? "output.json hashes to output_commitment"
                       : "output.json does not hash to the receipt's output_commitment (altered or not this shard's output)")
            }
        }

        // The chain, shard by shard.
        var expectedInput: Fr? = nil
        if let req = options.request {
            expectedInput = try build.commitment(shard: 0, activations: req.activations, file: req.file, asOutput: false)
        }
        var summaries: [ShardSummary] = []
        for k in 0..<n {
            let here = loaded.indices.filter { loaded[$0].receipt.shard == k }
            var votes: [String: [Int]] = [:]
            for i in here where passes[i] {
                let l = loaded[i]
                if let e = expectedInput, Fr(decimal: l.receipt.inputCommitment)! != e {
                    let what = k == 0 ? "the request's commitment" : "shard \(k - 1)'s agreed output commitment"
                    checks.append(Check(check: "link", ok: false, shard: k, receipt: l.dir, node: node(l),
                                        detail: "input_commitment differs from \(what)"))
                    flagged.append("\(node(l))… (\(l.dir)): link: input_commitment differs from \(what)")
                    passes[i] = false
                    continue
                }
                if k > 0 || expectedInput != nil {
                    checks.append(Check(check: "link", ok: true, shard: k, receipt: l.dir, node: node(l),
                                        detail: k == 0 ? "input is the request" : "input is shard \(k - 1)'s output"))
                }
                votes[l.receipt.outputCommitment, default: []].append(i)
            }
            let ranked = votes.sorted { $0.value.count > $1.value.count }
            let top = ranked.first
            let plurality = top.map { t in ranked.dropFirst().allSatisfy { $0.value.count < t.value.count } } ?? false
            // The quorum applies where several receipts voted; a lone receipt stands on its own.
            let needed = votes.values.reduce(0) { $0 + $1.count } > 1 ? options.quorum : 1
            let agreed = (top.map { $0.value.count >= needed } ?? false) && plurality ? top : nil
            for (commitment, voters) in ranked where agreed != nil && commitment != agreed?.key {
                for i in voters {
                    let l = loaded[i]
                    checks.append(Check(check: "agreement", ok: false, shard: k, receipt: l.dir, node: node(l),
                                        detail: "output commitment differs from the other nodes' on shard \(k)"))
                    flagged.append("\(node(l))… (\(l.dir)): agreement: its output differs from the other nodes' on shard \(k)")
                }
            }
            if let agreed {
                checks.append(Check(check: "quorum", ok: true, shard: k, receipt: nil, node: nil,
                                    detail: needed == 1 && here.count == 1 ? "a single receipt (the quorum applies to shards with several)"
                                        : "\(agreed.value.count) of \(here.count) receipt(s) agree (quorum \(needed))"))
                summaries.append(ShardSummary(shard: k, receipts: here.count, agreedOutputCommitment: agreed.key, votes: agreed.value.count))
                expectedInput = Fr(decimal: agreed.key)!
            } else {
                let why: String
                if votes.isEmpty {
                    let failing = flagged.filter { f in here.contains { f.contains("(\(loaded[$0].dir))") } }
                    why = "shard \(k): no valid receipt" + (failing.isEmpty ? "" : " — " + failing.joined(separator: "; "))
                } else if !plurality {
                    why = "shard \(k): the nodes disagree and no output commitment has a majority"
                } else {
                    why = "shard \(k): \(top!.value.count) agreeing receipt(s), quorum is \(needed)"
                }
                checks.append(Check(check: "quorum", ok: false, shard: k, receipt: nil, node: nil, detail: why))
                summaries.append(ShardSummary(shard: k, receipts: here.count, agreedOutputCommitment: nil, votes: top?.value.count ?? 0))
                reasons.append(why)
                break
            }
        }
        if reasons.isEmpty, let res = options.result, let last = summaries.last?.agreedOutputCommitment {
            let c = try build.commitment(shard: n - 1, activations: res.activations, file: res.file, asOutput: true)
            let ok = c.description == last
            checks.append(Check(check: "result", ok: ok, shard: n - 1, receipt: nil, node: nil,
                                detail: ok ? "the result is the last shard's agreed output" : "the result does not hash to the last shard's agreed output commitment"))
            if !ok { reasons.append("\(res.file): the claimed result is not the output the shards proved") }
        }
        if options.strict, reasons.isEmpty, !flagged.isEmpty {
            reasons.append("--strict: \(flagged.count) receipt(s) flagged")
        }
        return Report(valid: reasons.isEmpty, reasons: reasons, checks: checks, shards: summaries, flagged: flagged, quorum: options.quorum)
    }
}
