import ArgumentParser
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Model
import Support

/// Loads a model for `run`: a `.zkq` file as is, an ONNX file quantized on the fly (calibrated on
/// `--calibration`, else on the input itself).
func loadQuantizedModel(_ path: String, calibration: String?, fallbackCalibration: InputData?, bits: Int,
                        threads: Int) throws -> (model: QuantizedModel, report: QuantizationReport?) {
    guard FileManager.default.fileExists(atPath: path) else { throw Failure.badInput("\(path): no such file") }
    if path.hasSuffix(".zkq") { return (try ModelFile.read(path).model, nil) }
    let cal = try calibration.map { try InputData(contentsOf: URL(fileURLWithPath: $0)) } ?? fallbackCalibration
    let result = try ONNXImporter.quantize(contentsOf: URL(fileURLWithPath: path), calibration: cal,
                                           options: ImportOptions(bits: bits, threads: threads))
    return (result.model, result.report)
}

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize an ONNX model into zkshard's integer IR (.zkq), calibrated on sample inputs.",
        discussion: "Prints the bits and scale chosen per layer and the error against the float model on the calibration data.")

    @Argument(help: "The ONNX model (float, or int8 QDQ/QOperator).") var model: String
    @Option(help: "Calibration inputs, EZKL-style input.json ({\"input_data\": [[...]]}; a list k times the input size is k samples).")
    var calibration: String
    @Option(name: .shortAndLong, help: "Where to write the quantized model (.zkq).") var output: String
    @Option(help: "Activation bits to start from (raised until the accuracy target is met).") var bits: Int = 8
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        progress.phase("quantize", model)
        let (m, report) = try loadQuantizedModel(model, calibration: calibration, fallbackCalibration: nil, bits: bits, threads: common.threads)
        let digest = try ModelFile.write(m, to: output)
        progress.phase("done", output)
        if common.json {
            let data = try JSONEncoder().encode(report)
            printJSON(["output": output, "model_digest": hex(digest),
                       "report": try JSONValue(parsing: data)])
        } else {
            if let report { print(report.description) }
            print("wrote \(output) (sha256 \(hex(digest)))")
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on the integer CPU kernels and print its outputs as JSON.",
        discussion: "Prints {\"outputs\": [[floats per model output]], \"outputs_int\": [[integers]]}. An ONNX model is quantized first, calibrated on --calibration or else on the input itself.")

    @Argument(help: "model.zkq, or an ONNX model.") var model: String
    @Option(help: "Input, EZKL-style input.json.") var input: String
    @Option(help: "Also write the result here.") var output: String?
    @Option(help: "Calibration inputs when MODEL is an ONNX file.") var calibration: String?
    @Option(help: "Activation bits when MODEL is an ONNX file.") var bits: Int = 8
    @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let data = try InputData(contentsOf: URL(fileURLWithPath: input))
        let (m, _) = try loadQuantizedModel(model, calibration: calibration, fallbackCalibration: data, bits: bits, threads: threads)
        let sizes = m.inputs.map { m.tensors[$0].count }
        let samples = try data.samples(inputSizes: sizes)
        guard samples.count == 1 else {
            throw Failure.badInput("\(input): input_data holds \(samples.count) samples; run takes one")
        }
        let q = try m.quantizeInputs(samples[0])
        let trace = try ModelExecutor.run(m, inputs: q, threads: threads, trace: false)
        let ints = m.outputs.map { trace.values[$0] }
        let json = try InferenceOutput(outputs: m.dequantizeOutputs(ints), outputsInt: ints).jsonData()
        if let output { try writeFile(json, output) }
        writeStdout(json)
        writeStdout("\n")
    }
}
