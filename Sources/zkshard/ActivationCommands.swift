import ArgumentParser
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Model

struct Activations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Blockwise int8 quantization of float activations for transfer between unproven stages (.zkact).",
        discussion: "Proven shard boundaries pass the model's exact integers; this is for float tensors moved between stages that are not proven. Format and measurements: docs/FORMATS.md, docs/ACTIVATION_TRANSFER.md.",
        subcommands: [ActivationsEncode.self, ActivationsDecode.self])
}

struct ActivationsEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Quantize the lists of an input.json into a .zkact file; print its size and error.",
        discussion: "Each list of input_data becomes one tensor (values rounded to float32, then blocks of --block-size values with one absmax scale each and int8 codes). Prints the compression ratio against float32 and against the JSON file, and the max and RMS error against the JSON values.")

    @Argument(help: "EZKL-style input.json ({\"input_data\": [[floats], ...]}).") var input: String
    @Option(name: .shortAndLong, help: "The .zkact file to write.") var output: String
    @Option(help: "Values per block (each block has one scale), 1 to \(BlockwiseTensor.maxBlockSize).") var blockSize: Int = 64
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard blockSize >= 1, blockSize <= BlockwiseTensor.maxBlockSize else {
            throw ValidationError("--block-size must be between 1 and \(BlockwiseTensor.maxBlockSize)")
        }
    }

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        let json = try readFile(input)
        let data = try InputData(json: json, source: input)
        progress.phase("encode", "\(data.inputs.count) tensor(s), \(data.inputs.reduce(0) { $0 + $1.count }) values, blocks of \(blockSize)")
        let tensors = try data.inputs.enumerated().map { i, values in
            try BlockwiseTensor.encode(values, blockSize: blockSize, name: "input_data[\(i)]", threads: common.threads)
        }
        let bytes = try ActivationFile.encode(tensors)
        try writeFile(Data(bytes), output)
        progress.phase("done", output)

        var perTensor: [[String: Any]] = []
        var maxError = 0.0, squares = 0.0, worstRelative = 0.0
        for (t, values) in zip(tensors, data.inputs) {
            let decoded = t.decode(threads: common.threads)
            var tMax = 0.0, tSquares = 0.0
            for (x, y) in zip(values, decoded) {
                let e = abs(x - Double(y))
                tMax = max(tMax, e); tSquares += e * e
            }
            let absmax = Double(t.absmax.max() ?? 0)
            let relative = absmax > 0 ? tMax / absmax : 0
            maxError = max(maxError, tMax); squares += tSquares; worstRelative = max(worstRelative, relative)
            perTensor.append(["name": t.name, "shape": t.shape, "values": t.count, "blocks": t.blockCount, "absmax": absmax,
                              "max_abs_error": tMax, "rms_error": (tSquares / Double(max(t.count, 1))).squareRoot(),
                              "max_abs_error_over_absmax": relative])
        }
        let n = tensors.reduce(0) { $0 + $1.count }
        let blocks = tensors.reduce(0) { $0 + $1.blockCount }
        let rms = (squares / Double(max(n, 1))).squareRoot()
        let float32Bytes = 4 * n
        let ratioFloat = Double(float32Bytes) / Double(bytes.count), ratioJSON = Double(json.count) / Double(bytes.count)
        let digest = hex(Array(bytes.suffix(32)))
        if common.json {
            printJSON(["output": output, "sha256": digest, "block_size": blockSize, "tensors": perTensor, "values": n, "blocks": blocks,
                       "zkact_bytes": bytes.count, "float32_bytes": float32Bytes, "json_bytes": json.count,
                       "bits_per_value": 8 * Double(bytes.count) / Double(max(n, 1)),
                       "ratio_vs_float32": ratioFloat, "ratio_vs_json": ratioJSON,
                       "max_abs_error": maxError, "rms_error": rms, "max_abs_error_over_absmax": worstRelative])
        } else {
            print("wrote \(output): \(tensors.count) tensor(s), \(n) values in \(blocks) block(s) of \(blockSize) (sha256 \(digest))")
            print(format("size: %ld bytes, %.2f bits/value; %.2fx smaller than float32 (%ld bytes), %.2fx smaller than the JSON (%ld bytes)",
                         bytes.count, 8 * Double(bytes.count) / Double(max(n, 1)), ratioFloat, float32Bytes, ratioJSON, json.count))
            print(format("error against the JSON values: max abs %.4g (%.3f %% of the tensor's absmax), RMS %.4g",
                         maxError, 100 * worstRelative, rms))
        }
    }
}

struct ActivationsDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a .zkact file into an input.json ({\"input_data\": [[...], ...]}, one list per tensor).",
        discussion: "The output feeds `zkshard run --input` and `zkshard prove --input`. Values are written in the shortest form that reads back as the same float32.")

    @Argument(help: "The .zkact file.") var input: String
    @Option(name: .shortAndLong, help: "The input.json to write.") var output: String
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        let tensors = try ActivationFile.decode([UInt8](try readFile(input)), file: input)
        progress.phase("decode", "\(tensors.count) tensor(s)")
        var text = Array("{\"input_data\": [".utf8)
        for (i, t) in tensors.enumerated() {
            text += Array((i == 0 ? "[" : ",\n[").utf8)
            for (j, v) in t.decode(threads: common.threads).enumerated() {
                if j > 0 { text += [UInt8(ascii: ","), UInt8(ascii: " ")] }
                text += Array(v.description.utf8)
            }
            text.append(UInt8(ascii: "]"))
        }
        text += Array("]}\n".utf8)
        try writeFile(Data(text), output)
        progress.phase("done", output)
        let n = tensors.reduce(0) { $0 + $1.count }
        if common.json {
            printJSON(["output": output, "block_size": tensors[0].blockSize, "values": n, "json_bytes": text.count,
                       "tensors": tensors.map { ["name": $0.name, "shape": $0.shape, "values": $0.count] as [String: Any] }])
        } else {
            print("wrote \(output): \(tensors.count) tensor(s), \(n) values (block size \(tensors[0].blockSize))")
        }
    }
}
