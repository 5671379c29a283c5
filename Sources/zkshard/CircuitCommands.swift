import Algebra
import ArgumentParser
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Groth16
import Model
import Receipts

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile an ONNX model into a circuit: build/model.zkq, build/circuit.r1cs, build/manifest.json.")

    @Argument(help: "The ONNX model (or an already quantized model.zkq).") var model: String
    @Option(name: .shortAndLong, help: "The build directory to write.") var output: String
    @Option(help: "Calibration inputs (EZKL-style input.json); default: calibration.json beside the model.") var calibration: String?
    @Option(help: "Whether the model input is a private witness or a public input.") var inputVisibility: InputVisibility = .private
    @Option(help: "Activation bits to start from.") var bits: Int = 8
    @Option(help: "Cut the model into N sequential shard circuits (build/shard-K/), balanced by constraint count.") var shards: Int?
    @Option(help: "Relative node capacities, one per shard (e.g. 3,1,1); implies --shards.") var capacity: String?
    @OptionGroup var common: CommonOptions

    /// The capacities to balance for, or nil for an unsharded build.
    func capacities() throws -> [Double]? {
        guard let capacity else {
            guard let shards else { return nil }
            guard shards >= 1 && shards <= 1024 else { throw Failure.badInput("--shards must be between 1 and 1024") }
            return [Double](repeating: 1, count: shards)
        }
        let parts = capacity.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmed()) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! > 0 }) else {
            throw Failure.badInput("--capacity \(capacity): expected positive numbers separated by commas, e.g. 3,1,1")
        }
        if let shards, shards != parts.count {
            throw Failure.badInput("--capacity lists \(parts.count) capacities but --shards is \(shards)")
        }
        return parts.map { $0! }
    }

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        var cal = calibration
        if cal == nil, !model.hasSuffix(".zkq") {
            let beside = PathString.join(PathString.deletingLastComponent(model), "calibration.json")
            guard FileManager.default.fileExists(atPath: beside) else {
                throw Failure.badInput("\(model): no --calibration given and no calibration.json beside the model")
            }
            cal = beside
        }
        progress.phase("quantize", model)
        let (m, report) = try loadQuantizedModel(model, calibration: cal, fallbackCalibration: nil, bits: bits, threads: common.threads)
        if let report, !common.quiet { writeStderr(report.description + "\n") }
        if let capacities = try capacities() {
            guard inputVisibility == .private else { throw Failure.badInput("--input-visibility public does not apply to shards (their activations are committed)") }
            progress.phase("compile", "\(m.ops.count) ops into \(capacities.count) shards")
            let plan = try ShardedBuild.compile(m, into: output, capacities: capacities, progress: progress.handler)
            progress.phase("done", plan.shards.map { "shard \($0.index): ops \($0.firstOp)..<\($0.endOp), \($0.constraints) constraints" }.joined(separator: "; "))
            if common.json {
                printJSON(["build": output, "model_digest": plan.modelDigest, "compile_s": progress.elapsed,
                           "shards": plan.shards.map { ["index": $0.index, "directory": $0.directory, "first_op": $0.firstOp, "end_op": $0.endOp,
                                                         "constraints": $0.constraints, "capacity": $0.capacity, "inputs": $0.inputs, "outputs": $0.outputs] as [String: Any] }])
            } else {
                print("compiled \(model) → \(output): \(plan.shards.count) shards")
                for sh in plan.shards {
                    print("  \(sh.directory): ops \(sh.firstOp)..<\(sh.endOp), \(sh.constraints) constraints, capacity \(sh.capacity), \(sh.inputs.joined(separator: ",")) → \(sh.outputs.joined(separator: ","))")
                }
            }
            return
        }
        progress.phase("compile", "\(m.ops.count) ops")
        let manifest = try BuildDirectory.compile(m, into: output, inputVisibility: inputVisibility)
        progress.phase("done", "\(manifest.constraints) constraints, \(manifest.wires) wires, \(manifest.publicLayout.numPublic) public values")
        if common.json {
            printJSON(["build": output, "constraints": manifest.constraints, "wires": manifest.wires,
                       "public": manifest.publicLayout.numPublic, "model_digest": manifest.modelDigest,
                       "compile_s": progress.elapsed])
        } else {
            print("compiled \(model) → \(output): \(manifest.constraints) constraints, \(manifest.wires) wires")
        }
    }
}

extension InputVisibility: ExpressibleByArgument {}

struct SetupModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "Groth16 setup of a compiled model: build/circuit.pk and build/verification_key.json.")

    @Argument(help: "The build directory from `compile`.") var build: String
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        if ShardedBuild.isSharded(build) {
            let sharded = ShardedBuild(build)
            try sharded.setup(threads: common.threads, progress: progress.handler)
            let plan = try sharded.plan()
            progress.phase("done", "\(plan.shards.count) shards")
            if common.json {
                printJSON(["build": build, "shards": plan.shards.count, "setup_s": progress.elapsed, "peak_memory_mib": peakMemoryMiB()])
            }
            return
        }
        let dir = BuildDirectory(build)
        let key = try dir.setup(threads: common.threads, progress: progress.handler)
        progress.phase("done", "\(dir.provingKeyPath), \(dir.verificationKeyPath)")
        if common.json {
            printJSON(["pk": dir.provingKeyPath, "vk": dir.verificationKeyPath, "constraints": key.r1cs.constraints.count,
                       "setup_s": progress.elapsed, "peak_memory_mib": peakMemoryMiB()])
        }
    }
}

struct ProveModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Run the model on an input and prove it in the same pass: proof.json, public.json, output.json, witness.wtns.")

    @Argument(help: "The build directory (after `setup`).") var build: String
    @Option(help: "Input, EZKL-style input.json.") var input: String
    @Option(name: .shortAndLong, help: "Directory to write the proof into.") var output: String
    @Option(help: "Prove shard K of a sharded build; --input is then the incoming activations.") var shard: Int?
    @Option(help: "Sign a receipt (receipt.json) with this node key (from `zkshard keygen`); shards only.") var sign: String?
    @Flag(help: "Salt the output commitment with a fresh secret (written only into output.json for the next node); shards only.")
    var hideActivations = false
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        if ShardedBuild.isSharded(build) {
            guard let shard else { throw Failure.badInput("\(build) is a sharded build: pass --shard K") }
            try proveShard(shard, progress: progress)
            return
        }
        guard shard == nil, sign == nil, !hideActivations else {
            throw Failure.badInput("\(build) is not a sharded build; --shard, --sign and --hide-activations apply to `compile --shards` builds")
        }
        let dir = BuildDirectory(build)
        let (_, model, _) = try dir.load()
        let data = try InputData(contentsOf: URL(fileURLWithPath: input))
        let samples = try data.samples(inputSizes: model.inputs.map { model.tensors[$0].count })
        guard samples.count == 1 else { throw Failure.badInput("\(input): input_data holds \(samples.count) samples; prove takes one") }
        let result = try dir.prove(inputs: samples[0], threads: common.threads, progress: progress.handler)
        try result.write(to: output)
        progress.phase("done", format("proved in %.3f s", result.timings["total_s"] ?? 0))
        if common.json {
            var obj: [String: Any] = ["proof_dir": output, "threads": common.threads, "peak_memory_mib": peakMemoryMiB(),
                                      "outputs": result.outputs]
            for (k, v) in result.timings { obj[k] = v }
            printJSON(obj)
        }
    }
}

extension ProveModel {
    func proveShard(_ k: Int, progress: Progress) throws {
        let key = try sign.map { try NodeKey(contentsOf: $0) }
        let sharded = ShardedBuild(build)
        let activations = try ShardActivations.read(input)
        let result = try sharded.prove(shard: k, activations: activations, file: input, hideOutput: hideActivations,
                                       threads: common.threads, progress: progress.handler)
        try result.write(to: output)
        var receiptPath: String?
        if let key {
            let receipt = Receipt(for: result, key: key)
            receiptPath = PathString.join(output, Receipt.fileName)
            guard FileManager.default.createFile(atPath: receiptPath!, contents: try receipt.jsonData()) else {
                throw Failure.badInput("\(receiptPath!): cannot write the receipt")
            }
        }
        progress.phase("done", format("shard %ld proved in %.3f s", k, result.inference.timings["total_s"] ?? 0))
        if common.json {
            var obj: [String: Any] = ["proof_dir": output, "shard": k, "threads": common.threads, "peak_memory_mib": peakMemoryMiB(),
                                      "input_commitment": result.inputCommitment.description,
                                      "output_commitment": result.outputCommitment.description]
            if let receiptPath { obj["receipt"] = receiptPath }
            for (name, v) in result.inference.timings { obj[name] = v }
            printJSON(obj)
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a compiled model's layers: op, shape, constraints, variables, bits.")

    @Argument(help: "The build directory.") var build: String
    @Flag(help: "Print the manifest's layer table as JSON.") var json = false

    func run() throws {
        if ShardedBuild.isSharded(build) {
            let plan = try ShardedBuild(build).plan()
            if json {
                writeStdout(try plan.jsonData())
                print()
                return
            }
            print("model \(plan.source)  digest \(plan.modelDigest.prefix(16))…  \(plan.shards.count) shards")
            for sh in plan.shards {
                print("  \(sh.directory): ops \(sh.firstOp)..<\(sh.endOp)  \(sh.constraints) constraints  capacity \(sh.capacity)  \(sh.inputs.joined(separator: ",")) → \(sh.outputs.joined(separator: ","))")
            }
            print("public values per shard: model digest, shard index, input commitment, output commitment")
            return
        }
        let manifest = try Manifest.read(BuildDirectory(build).manifestPath)
        if json {
            writeStdout(try manifest.jsonData())
            print()
            return
        }
        print("model \(manifest.source)  digest \(manifest.modelDigest.prefix(16))…  input \(manifest.inputVisibility.rawValue)")
        var rows = [["#", "op", "output", "shape", "constraints", "variables", "bits"]]
        for (i, l) in manifest.layers.enumerated() {
            rows.append([String(i), l.op, l.output, l.shape.map(String.init).joined(separator: "×"),
                         String(l.constraints), String(l.variables), String(l.bits)])
        }
        rows.append(["", "total", "", "", String(manifest.constraints), String(manifest.wires), ""])
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        for r in rows {
            print(zip(r, widths).enumerated().map { i, p in
                i >= 4 ? String(repeating: " ", count: p.1 - p.0.count) + p.0 : p.0.padded(to: p.1)
            }.joined(separator: "  "))
        }
        print("public values: \(manifest.publicLayout.numPublic) (outputs \(manifest.publicLayout.outputCounts.reduce(0, +)), model digest 1"
              + (manifest.inputVisibility == .public ? ", inputs \(manifest.publicLayout.inputCounts.reduce(0, +)))" : ")"))
    }
}
