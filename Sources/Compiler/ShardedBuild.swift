import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Groth16
import Verifier
import Model

/// A model compiled into sequential shard circuits: `build/model.zkq` (the whole model),
/// `build/shards.json` (the plan) and `build/shard-K/` (a `BuildDirectory` per shard whose
/// circuit has the public inputs [model digest, shard index, input commitment, output commitment]).
public struct ShardedBuild {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var planPath: String { PathString.join(path, ShardPlan.fileName) }
    public var modelPath: String { PathString.join(path, "model.zkq") }

    /// Whether `path` holds a sharded build (a shards.json).
    public static func isSharded(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: PathString.join(path, ShardPlan.fileName))
    }

    public func plan() throws -> ShardPlan { try ShardPlan.read(planPath) }

    /// Shard K's build directory, checked to belong to this plan.
    public func shard(_ k: Int) throws -> (dir: BuildDirectory, manifest: Manifest, plan: ShardPlan) {
        let plan = try plan()
        guard k >= 0 && k < plan.shards.count else {
            throw CompileError("\(planPath): shard \(k) does not exist (the model has \(plan.shards.count) shards, 0…\(plan.shards.count - 1))")
        }
        let dir = BuildDirectory(PathString.join(path, plan.shards[k].directory))
        let manifest = try Manifest.read(dir.manifestPath)
        guard let entry = manifest.shard, entry.index == k, entry.count == plan.shards.count, entry.modelDigest == plan.modelDigest,
              manifest.modelDigestField == plan.modelDigestField else {
            throw CompileError("\(dir.manifestPath): is not shard \(k) of \(planPath)'s model; recompile")
        }
        return (dir, manifest, plan)
    }

    /// Cuts `model` into `capacities.count` shards balanced by constraint count over the given
    /// relative capacities, and compiles each. Returns the plan.
    @discardableResult
    public static func compile(_ model: QuantizedModel, into path: String, capacities: [Double],
                               progress: ProgressHandler = { _, _ in }) throws -> ShardPlan {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let build = ShardedBuild(path)
        let digest = try ModelFile.write(model, to: build.modelPath)
        // Op costs from the whole-model circuit (its layer table: inputs, one row per op, outputs).
        progress("measure ops", model.ops.count)
        let whole = try ModelCircuit.synthesize(model, digest: modelDigestField(digest), inputVisibility: .private, values: nil)
        let opRows = whole.layers.dropFirst(model.inputs.count).prefix(model.ops.count)
        let cuts = try ShardPartitioner.partition(model, opCosts: opRows.map(\.constraints), capacities: capacities)
        var shards: [ShardPlan.Shard] = []
        for k in 0..<capacities.count {
            progress("compile shard \(k)", k)
            let piece = try model.slice(cuts[k]..<cuts[k + 1])
            let dirName = "shard-\(k)"
            let manifest = try BuildDirectory.compile(
                piece, into: PathString.join(path, dirName), interface: .shard(index: k),
                shard: Manifest.ShardEntry(index: k, count: capacities.count, modelDigest: hex(digest)))
            shards.append(ShardPlan.Shard(index: k, directory: dirName, firstOp: cuts[k], endOp: cuts[k + 1],
                                          inputs: piece.inputs.map { piece.tensors[$0].name },
                                          outputs: piece.outputs.map { piece.tensors[$0].name },
                                          capacity: capacities[k], constraints: manifest.constraints))
        }
        let plan = ShardPlan(source: model.source, modelDigest: hex(digest), modelDigestField: modelDigestField(digest).description,
                             shards: shards)
        try BuildDirectory.write(try plan.jsonData(), to: build.planPath)
        return plan
    }

    /// Groth16 setup of every shard.
    public func setup(threads: Int, progress: @escaping ProgressHandler = { _, _ in }) throws {
        let plan = try plan()
        for k in plan.shards.indices {
            progress("setup shard \(k)", k)
            try shard(k).dir.setup(threads: threads, progress: progress)
        }
    }

    /// Runs shard K on `activations` and proves it. The output commitment is salted with a fresh
    /// random salt when `hideOutput` is set or the input was salted, else with 0.
    public func prove(shard k: Int, activations: ShardActivations, file: String, hideOutput: Bool, threads: Int,
                      progress: @escaping ProgressHandler = { _, _ in }) throws -> ShardProof {
        let (dir, _, plan) = try shard(k)
        let (_, piece, _) = try dir.load()
        let q = try activations.integers(for: piece, file: file)
        let inSalt = try activations.salt(file: file)
        let outSalt: Fr = hideOutput || !inSalt.isZero ? Fr.random() : .zero
        let result = try dir.prove(quantizedInputs: q, salts: CommitmentSalts(input: inSalt, output: outSalt),
                                   threads: threads, progress: progress)
        guard result.publicValues.count == 4 else { throw CompileError("\(dir.path): not a shard circuit") }
        let last = k == plan.shards.count - 1
        let out = ShardActivations(
            inputData: result.outputs, inputDataInt: result.outputsInt, tensors: piece.outputs.map { piece.tensors[$0].name },
            commitment: result.publicValues[3].description, commitmentSalt: outSalt.isZero ? nil : outSalt.description,
            outputs: last ? result.outputs : nil, outputsInt: last ? result.outputsInt : nil)
        return ShardProof(shard: k, shardCount: plan.shards.count, modelDigest: plan.modelDigest, inference: result, activations: out)
    }

    /// The commitment shard K's circuit computes for `activations` as its input (`asOutput`
    /// false) or as its output: what a validator recomputes from a request or a result.
    public func commitment(shard k: Int, activations: ShardActivations, file: String, asOutput: Bool) throws -> Fr {
        let (dir, _, _) = try shard(k)
        let (_, piece, _) = try dir.load()
        let ids = asOutput ? piece.outputs : piece.inputs
        let view = QuantizedModel(tensors: piece.tensors, ops: [], inputs: ids, outputs: [], source: piece.source)
        let values = try activations.integers(for: view, file: file)
        return try TensorCommitment.commit(values, layouts: ids.map { .init(piece.tensors[$0]) }, salt: try activations.salt(file: file))
    }
}

/// One shard's proof and what goes with it.
public struct ShardProof {
    public var shard: Int
    public var shardCount: Int
    public var modelDigest: String
    public var inference: InferenceProof
    /// The output activations (output.json).
    public var activations: ShardActivations

    /// [model digest, shard index, input commitment, output commitment].
    public var publicValues: [Fr] { inference.publicValues }
    public var inputCommitment: Fr { publicValues[2] }
    public var outputCommitment: Fr { publicValues[3] }

    /// Writes proof.json, public.json and output.json into `dir`.
    public func write(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let d = BuildDirectory(dir)
        try BuildDirectory.write(SnarkjsJSON.data(for: inference.proof), to: d.file("proof.json"))
        try BuildDirectory.write(SnarkjsJSON.data(forPublic: publicValues), to: d.file("public.json"))
        try BuildDirectory.write(try activations.jsonData(), to: d.file("output.json"))
    }
}
