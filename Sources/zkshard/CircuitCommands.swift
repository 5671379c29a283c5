import Algebra
import ArgumentParser
import Compiler
import Foundation
import Groth16
import Model

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile an ONNX model into a circuit: build/model.zkq, build/circuit.r1cs, build/manifest.json.")

    @Argument(help: "The ONNX model (or an already quantized model.zkq).") var model: String
    @Option(name: .shortAndLong, help: "The build directory to write.") var output: String
    @Option(help: "Calibration inputs (EZKL-style input.json); default: calibration.json beside the model.") var calibration: String?
    @Option(help: "Whether the model input is a private witness or a public input.") var inputVisibility: InputVisibility = .private
    @Option(help: "Activation bits to start from.") var bits: Int = 8
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        var cal = calibration
        if cal == nil, !model.hasSuffix(".zkq") {
            let beside = ((model as NSString).deletingLastPathComponent as NSString).appendingPathComponent("calibration.json")
            guard FileManager.default.fileExists(atPath: beside) else {
                throw Failure.badInput("\(model): no --calibration given and no calibration.json beside the model")
            }
            cal = beside
        }
        progress.phase("quantize", model)
        let (m, report) = try loadQuantizedModel(model, calibration: cal, fallbackCalibration: nil, bits: bits, threads: common.threads)
        if let report, !common.quiet { FileHandle.standardError.write(Data((report.description + "\n").utf8)) }
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
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        let dir = BuildDirectory(build)
        let (_, model, _) = try dir.load()
        let data = try InputData(contentsOf: URL(fileURLWithPath: input))
        let samples = try data.samples(inputSizes: model.inputs.map { model.tensors[$0].count })
        guard samples.count == 1 else { throw Failure.badInput("\(input): input_data holds \(samples.count) samples; prove takes one") }
        let result = try dir.prove(inputs: samples[0], threads: common.threads, progress: progress.handler)
        try result.write(to: output)
        progress.phase("done", String(format: "proved in %.3f s", result.timings["total_s"] ?? 0))
        if common.json {
            var obj: [String: Any] = ["proof_dir": output, "threads": common.threads, "peak_memory_mib": peakMemoryMiB(),
                                      "outputs": result.outputs]
            for (k, v) in result.timings { obj[k] = v }
            printJSON(obj)
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a compiled model's layers: op, shape, constraints, variables, bits.")

    @Argument(help: "The build directory.") var build: String
    @Flag(help: "Print the manifest's layer table as JSON.") var json = false

    func run() throws {
        let manifest = try Manifest.read(BuildDirectory(build).manifestPath)
        if json {
            FileHandle.standardOutput.write(try manifest.jsonData())
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
                i >= 4 ? String(repeating: " ", count: p.1 - p.0.count) + p.0 : p.0.padding(toLength: p.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
        }
        print("public values: \(manifest.publicLayout.numPublic) (outputs \(manifest.publicLayout.outputCounts.reduce(0, +)), model digest 1"
              + (manifest.inputVisibility == .public ? ", inputs \(manifest.publicLayout.inputCounts.reduce(0, +)))" : ")"))
    }
}
