#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// An ONNX model lowered to the importer's float graph, with a Double-precision reference interpreter.
///
/// Shapes are fixed (a symbolic leading batch dimension becomes 1; other symbolic dimensions need
/// `inputShapes`). With `fold`, BatchNormalization and Mul/Add/Sub/Div by constants right after a
/// Gemm/Conv/MatMul are folded into its weights and bias. Quantized ONNX models evaluate with
/// onnxruntime's semantics for QuantizeLinear (round half to even, saturate), so their outputs
/// follow the model's own quantization.
public struct FloatModel: Sendable {
    let graph: FGraph
    /// Notes from lowering (e.g. a dynamic batch dimension fixed to 1).
    public let notes: [String]
    public var source: String { graph.source }
    public var inputNames: [String] { graph.inputs }
    public var inputShapes: [[Int]] { graph.inputs.map { graph.shape($0) } }
    /// The ONNX graph output names.
    public let outputNames: [String]
    public var outputShapes: [[Int]] { graph.outputs.map { graph.shape($0) } }
    /// The op of each float node after lowering and folding ("Gemm", "Conv", "Relu", "Affine", …).
    public var opKinds: [String] { graph.nodes.map(\.op.kind) }

    public init(_ onnx: ONNXGraph, inputShapes: [String: [Int]] = [:], fold: Bool = true) throws {
        var lowering = ONNXLowering(graph: onnx, inputShapes: inputShapes)
        var (g, notes) = try lowering.lower()
        if fold { g = GraphRewrites.fold(g) }
        graph = g
        self.notes = notes
        outputNames = onnx.outputs.map(\.name)
    }

    init(graph: FGraph, notes: [String], outputNames: [String]) {
        self.graph = graph; self.notes = notes; self.outputNames = outputNames
    }

    /// Runs one sample (one flat list per input); returns one flat list per output.
    public func run(_ inputs: [[Double]]) throws -> [[Double]] {
        try checkInputs(inputs)
        return FloatInterpreter(graph: graph).outputs(inputs)
    }

    func checkInputs(_ inputs: [[Double]]) throws {
        guard inputs.count == graph.inputs.count else {
            throw InputDataError(file: nil, field: "inputs", "\(inputs.count) input(s) given, the model has \(graph.inputs.count)")
        }
        for (name, v) in zip(graph.inputs, inputs) {
            let n = ImportMath.count(graph.shape(name))
            guard v.count == n else { throw InputDataError(file: nil, field: name, "has \(v.count) values, the input needs \(n)") }
            if let i = v.firstIndex(where: { !$0.isFinite }) {
                throw InputDataError(file: nil, field: "\(name)[\(i)]", "is \(v[i]), not a finite number")
            }
        }
    }
}

/// Options of `ONNXImporter.quantize`.
public struct ImportOptions: Sendable {
    /// Bits of the activations the importer scales itself (inputs, requantized layers); 2…16.
    public var bits: Int
    /// Minimum top-1 agreement with the float model on the calibration samples (classification
    /// outputs); nil turns the accuracy check off. Below it (or above `maxRelativeError`) the
    /// activation bits go up: 8 → 10 → 12 → 16.
    public var targetAccuracy: Double?
    /// Maximum |quantized − float| over the calibration samples, relative to the float output's
    /// absolute maximum; nil: not checked.
    public var maxRelativeError: Double?
    /// Bits of a graph output that is requantized from an accumulator (a final Gemm/Conv).
    public var outputBits: Int
    /// Fixed shapes for graph inputs with dynamic dimensions, by input name.
    public var inputShapes: [String: [Int]]
    /// Threads of the integer executor during the accuracy check.
    public var threads: Int

    /// The activation bit widths the accuracy check tries, in order.
    public static let bitLadder = [8, 10, 12, 16]

    public init(bits: Int = 8, targetAccuracy: Double? = 0.99, maxRelativeError: Double? = 0.05, outputBits: Int = 16,
                inputShapes: [String: [Int]] = [:], threads: Int = 1) {
        self.bits = bits; self.targetAccuracy = targetAccuracy; self.maxRelativeError = maxRelativeError
        self.outputBits = outputBits; self.inputShapes = inputShapes; self.threads = threads
    }
}

/// What the quantizer chose and how close the quantized model is to the float one on the calibration samples.
public struct QuantizationReport: Codable, Sendable, CustomStringConvertible {
    /// One requantized (or pinned) activation tensor of the quantized model.
    public struct Layer: Codable, Sendable, Equatable {
        /// The IR tensor name (the ONNX tensor it approximates).
        public var tensor: String
        /// The IR op that writes it ("Input", "Requantize", "MaxPool", …).
        public var op: String
        /// The ONNX node it comes from ("Conv 'conv1'").
        public var node: String
        /// Bits of the integer range [lower, upper] (two's complement).
        public var bits: Int
        public var scale: Double
        public var lower: Int64
        public var upper: Int64
        /// max |q · scale − float value| over the calibration samples (nil without calibration data).
        public var maxError: Double?
        /// max |float value| over the calibration samples.
        public var floatAbsMax: Double?
    }

    /// One quantization tried by the accuracy check.
    public struct Attempt: Codable, Sendable, Equatable {
        public var bits: Int
        public var top1Agreement: Double?
        public var maxRelativeError: Double
    }

    public var source: String
    /// Activation bits of the chosen model (for the tensors the importer scaled itself).
    public var bits: Int
    /// Activation tensors whose scale and zero point came from the ONNX model (QDQ/QOperator).
    public var modelQuantizedTensors: Int
    /// Calibration samples the numbers below are measured on (0: none given).
    public var samples: Int
    /// Fraction of calibration samples whose quantized argmax equals the float argmax (first
    /// output with more than one value; nil if there is none or no calibration data).
    public var top1Agreement: Double?
    /// max |quantized − float| / max |float| over the outputs and samples (nil without calibration data).
    public var maxRelativeError: Double?
    /// Whether the accuracy target was met (true when none was set or no calibration data was given).
    public var targetMet: Bool
    public var attempts: [Attempt]
    public var layers: [Layer]
    public var notes: [String]

    public var description: String {
        var lines: [String] = []
        lines.append("\(source): \(bits)-bit activations" + (modelQuantizedTensors > 0 ? ", \(modelQuantizedTensors) tensor(s) quantized by the model" : "")
                     + (samples > 0 ? ", \(samples) calibration sample(s)" : ", no calibration data"))
        if let a = top1Agreement { lines.append(format("top-1 agreement with float: %.2f %%", a * 100)) }
        if let e = maxRelativeError { lines.append(format("max relative output error: %.4f", e)) }
        if attempts.count > 1 {
            lines.append("tried: " + attempts.map { "\($0.bits) bits" + ($0.top1Agreement.map { format(" (%.2f %%)", $0 * 100) } ?? "") }
                .joined(separator: ", "))
        }
        if !targetMet { lines.append("warning: the accuracy target was not met even with 16-bit activations") }
        let header = ["tensor", "op", "bits", "scale", "range", "max error", "float max"]
        var rows = [header]
        for l in layers {
            rows.append([l.tensor, l.op, String(l.bits), format("%.6g", l.scale), "[\(l.lower), \(l.upper)]",
                         l.maxError.map { format("%.4g", $0) } ?? "-", l.floatAbsMax.map { format("%.4g", $0) } ?? "-"])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max()! }
        for r in rows {
            lines.append(zip(r, widths).map { $0.padded(to: $1) }.joined(separator: "  "))
        }
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// A quantized model and its report.
public struct ImportResult: Sendable {
    public var model: QuantizedModel
    public var report: QuantizationReport
}

/// ONNX → quantized IR.
///
/// Float models are calibrated: the float reference interpreter runs the calibration samples and
/// records each tensor's absolute maximum, which sets the symmetric activation scales (Quantizer
/// documents the scheme). QDQ and QOperator models keep their own scales, zero points and integer
/// weights: a tensor with zero point z becomes q − z with bounds [qmin − z, qmax − z]. Their
/// requantization becomes Requantize with an integer multiplier and shift and round half up,
/// where onnxruntime multiplies by a float and rounds half to even, so results can differ from
/// onnxruntime's by one step (1 LSB) of a requantized tensor, which later layers may carry on.
public enum ONNXImporter {
    public static func quantize(contentsOf url: URL, calibration: InputData?, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        try quantize(try ONNXGraph(contentsOf: url), calibration: calibration, options: options)
    }

    public static func quantize(_ onnx: ONNXGraph, calibration: InputData?, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        guard (2...16).contains(options.bits), (2...31).contains(options.outputBits) else {
            throw ONNXError(.quantization, file: onnx.source, "bits must be in 2...16 and output bits in 2...31")
        }
        let float = try FloatModel(onnx, inputShapes: options.inputShapes)
        let graph = try GraphRewrites.lowerChannelAffines(float.graph)
        let model = FloatModel(graph: graph, notes: float.notes, outputNames: float.outputNames)
        let interpreter = FloatInterpreter(graph: graph)

        // Calibration: per-tensor absolute maxima and the float outputs.
        var samples: [[[Double]]] = []
        var absmax: [String: Double] = [:]
        if let calibration {
            samples = try calibration.samples(inputSizes: model.inputShapes.map { ImportMath.count($0) })
            guard !samples.isEmpty else {
                throw InputDataError(file: calibration.source, field: "input_data", "holds no samples")
            }
            for s in samples {
                try model.checkInputs(s)
                _ = interpreter.run(s) { name, v in
                    var m = absmax[name] ?? 0
                    for x in v { m = max(m, abs(x)) }
                    absmax[name] = m
                }
            }
        }

        let pinnedCount = graph.nodes.filter { if case .fakeQuant = $0.op { return true }; return false }.count
        let ladder = [options.bits] + ImportOptions.bitLadder.filter { $0 > options.bits }
        var attempts: [QuantizationReport.Attempt] = []
        var best: (QuantizedModel, [TensorID: Quantizer.Provenance], Evaluation?)? = nil
        var met = true
        for bits in ladder {
            var q = Quantizer(graph: graph, absmax: absmax, bits: bits, outputBits: options.outputBits)
            let qm = try q.run(outputNames: model.outputNames)
            do {
                try qm.validate()
            } catch {
                throw ONNXError(.quantization, file: onnx.source, "internal: the quantized model is invalid: \(error)")
            }
            guard !samples.isEmpty else { best = (qm, q.provenance, nil); break }
            let ev = try evaluate(qm, provenance: q.provenance, graph: graph, interpreter: interpreter, samples: samples,
                                  threads: options.threads)
            attempts.append(.init(bits: bits, top1Agreement: ev.top1, maxRelativeError: ev.relativeError))
            best = (qm, q.provenance, ev)
            let ok = (options.targetAccuracy.map { t in ev.top1.map { $0 >= t } ?? true } ?? true)
                && (options.maxRelativeError.map { ev.relativeError <= $0 } ?? true)
            met = ok
            // Bits matter only for tensors the importer scales itself.
            if ok || q.calibratedTensors == 0 { break }
        }
        let (qm, provenance, ev) = best!
        var notes = model.notes
        if pinnedCount > 0 {
            notes.append("quantized ONNX model: its scales and zero points are kept; integer requantization (round half up) may differ from onnxruntime by 1 LSB")
        }
        let layers: [QuantizationReport.Layer] = qm.tensors.enumerated().compactMap { id, t in
            guard let p = provenance[id], !accumulatorOps.contains(p.op) else { return nil }
            return QuantizationReport.Layer(tensor: t.name, op: p.op, node: p.label, bits: t.bits, scale: t.scale, lower: t.lower,
                                            upper: t.upper, maxError: ev?.maxError[id], floatAbsMax: ev?.floatAbsMax[id])
        }
        let report = QuantizationReport(source: onnx.source, bits: attempts.last?.bits ?? options.bits, modelQuantizedTensors: pinnedCount,
                                        samples: samples.count, top1Agreement: ev?.top1, maxRelativeError: ev?.relativeError,
                                        targetMet: met, attempts: attempts, layers: layers, notes: notes)
        return ImportResult(model: qm, report: report)
    }

    struct Evaluation {
        var top1: Double?
        var relativeError: Double
        var maxError: [TensorID: Double]
        var floatAbsMax: [TensorID: Double]
    }

    /// Runs the quantized model (ModelExecutor) and the float graph on every sample and compares them.
    static func evaluate(_ qm: QuantizedModel, provenance: [TensorID: Quantizer.Provenance], graph: FGraph,
                         interpreter: FloatInterpreter, samples: [[[Double]]], threads: Int) throws -> Evaluation {
        let executor: ModelExecutor
        do {
            executor = try ModelExecutor(qm)
        } catch {
            throw ONNXError(.quantization, file: graph.source, "internal: the executor rejects the quantized model: \(error)")
        }
        var watched: [String: [TensorID]] = [:]
        for (id, p) in provenance where !accumulatorOps.contains(p.op) {
            watched[p.floatName, default: []].append(id)
        }
        var maxError: [TensorID: Double] = [:], floatMax: [TensorID: Double] = [:]
        var agree = 0, classified = 0
        var outErr = [Double](repeating: 0, count: qm.outputs.count), outMax = outErr
        for s in samples {
            let trace: Trace
            do {
                trace = try executor.run(inputs: try qm.quantizeInputs(s), threads: threads, trace: true)
            } catch {
                throw ONNXError(.quantization, file: graph.source, "internal: running the quantized model failed: \(error)")
            }
            var floats: [String: [Double]] = [:]
            _ = interpreter.run(s) { name, v in if watched[name] != nil || graph.outputs.contains(name) { floats[name] = v } }
            for (name, ids) in watched {
                guard let f = floats[name] else { continue }
                for id in ids {
                    let t = qm.tensors[id], q = trace.values[id]
                    guard q.count == f.count else { continue }
                    var e = maxError[id] ?? 0, m = floatMax[id] ?? 0
                    for i in 0..<f.count {
                        e = max(e, abs(Double(q[i]) * t.scale - f[i])); m = max(m, abs(f[i]))
                    }
                    maxError[id] = e; floatMax[id] = m
                }
            }
            var firstClassifier = true
            for (j, (id, name)) in zip(qm.outputs, graph.outputs).enumerated() {
                let f = floats[name]!, d = qm.tensors[id].dequantize(trace.values[id])
                for i in 0..<f.count { outErr[j] = max(outErr[j], abs(d[i] - f[i])); outMax[j] = max(outMax[j], abs(f[i])) }
                if f.count > 1 && firstClassifier {
                    firstClassifier = false
                    classified += 1
                    if argmax(f) == argmax(d) { agree += 1 }
                }
            }
        }
        let rel = zip(outErr, outMax).map { $1 > 0 ? $0 / $1 : $0 }.max() ?? 0
        return Evaluation(top1: classified > 0 ? Double(agree) / Double(classified) : nil, relativeError: rel,
                          maxError: maxError, floatAbsMax: floatMax)
    }

    /// IR ops whose outputs are accumulators (per-channel scales; not reported as layers).
    static let accumulatorOps: Set<String> = ["Gemm", "Conv", "Elementwise"]

    static func argmax(_ v: [Double]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
