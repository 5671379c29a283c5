#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// Bad input data: names the file (when there is one), the field and what is wrong.
public struct InputDataError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String?
    /// The JSON path or tensor the problem is in, e.g. "input_data[0][12]".
    public var field: String
    public var message: String

    public init(file: String?, field: String, _ message: String) {
        self.file = file; self.field = field; self.message = message
    }

    public var description: String { (file.map { "\($0): " } ?? "") + "\(field): \(message)" }
}

/// EZKL-style input data: `{"input_data": [[...floats...], ...]}`, one list per model input.
///
/// A list whose length is k times the input's element count holds k samples (calibration sets are
/// written that way); nested lists are flattened row-major. Other top-level keys are ignored.
public struct InputData: Equatable, Sendable {
    /// One flat list of values per model input.
    public var inputs: [[Double]]
    public var source: String?

    public init(inputs: [[Double]], source: String? = nil) {
        self.inputs = inputs; self.source = source
    }

    /// Reads a JSON file; messages name it by its last path component.
    public init(contentsOf url: URL) throws {
        let file = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputDataError(file: file, field: "file", "cannot read the input file (\(errorText(error)))")
        }
        try self.init(json: data, source: file)
    }

    public init(json: Data, source: String? = nil) throws {
        self.source = source
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw InputDataError(file: source, field: "file", "not valid JSON")
        }
        guard case .object(let fields) = root else {
            throw InputDataError(file: source, field: "file", "the top level must be an object with an \"input_data\" field")
        }
        guard let data = fields["input_data"] else {
            throw InputDataError(file: source, field: "input_data", "missing (expected {\"input_data\": [[...numbers...]]})")
        }
        guard case .array(let lists) = data, !lists.isEmpty else {
            throw InputDataError(file: source, field: "input_data", "must be a non-empty list with one list of numbers per model input")
        }
        var inputs: [[Double]] = []
        for (i, list) in lists.enumerated() {
            guard case .array = list else {
                throw InputDataError(file: source, field: "input_data[\(i)]", "must be a list of numbers, is \(list.kind)")
            }
            var flat: [Double] = []
            try Self.flatten(list, path: "input_data[\(i)]", into: &flat, file: source)
            guard !flat.isEmpty else { throw InputDataError(file: source, field: "input_data[\(i)]", "is empty") }
            inputs.append(flat)
        }
        self.inputs = inputs
    }

    private static func flatten(_ v: JSONValue, path: String, into out: inout [Double], file: String?) throws {
        switch v {
        case .number(let d):
            guard d.isFinite else { throw InputDataError(file: file, field: path, "is not a finite number") }
            out.append(d)
        case .array(let items):
            for (i, item) in items.enumerated() { try flatten(item, path: "\(path)[\(i)]", into: &out, file: file) }
        default:
            throw InputDataError(file: file, field: path, "is \(v.kind), expected a number")
        }
    }

    /// Splits the lists into samples for inputs of the given element counts: `[sample][input][value]`.
    public func samples(inputSizes: [Int]) throws -> [[[Double]]] {
        guard inputs.count == inputSizes.count else {
            throw InputDataError(file: source, field: "input_data",
                                 "has \(inputs.count) list(s) but the model has \(inputSizes.count) input(s)")
        }
        var k: Int? = nil
        for (i, (list, size)) in zip(inputs, inputSizes).enumerated() {
            guard size > 0, list.count % size == 0 else {
                throw InputDataError(file: source, field: "input_data[\(i)]",
                                     "has \(list.count) values, which is not a multiple of the input's \(size) elements")
            }
            let n = list.count / size
            if let k, k != n {
                throw InputDataError(file: source, field: "input_data[\(i)]",
                                     "holds \(n) samples but input_data[0] holds \(k); every input needs the same number")
            }
            k = n
        }
        return (0..<(k ?? 0)).map { s in
            zip(inputs, inputSizes).map { list, size in Array(list[(s * size)..<((s + 1) * size)]) }
        }
    }
}

/// Just enough JSON to tell numbers, lists and the rest apart with their positions.
private enum JSONValue: Decodable {
    case number(Double)
    case array([JSONValue])
    case object([String: JSONValue])
    case other(String)

    var kind: String {
        switch self {
        case .number: return "a number"
        case .array: return "a list"
        case .object: return "an object"
        case .other(let k): return k
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .other("null"); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let b = try? c.decode(Bool.self) { self = .other(b ? "true" : "false"); return }
        if let s = try? c.decode(String.self) { self = .other("the string \"\(s.prefix(20))\""); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "unsupported JSON value")
    }
}

extension TensorInfo {
    /// Float values → this tensor's integers: q = clamp(⌊x / scale + 1/2⌋, lower, upper).
    /// NaN, ±∞ and a wrong number of values are errors.
    public func quantize(_ values: [Double]) throws -> [Int64] {
        guard values.count == count else {
            throw InputDataError(file: nil, field: name, "has \(values.count) values, the tensor \(shape) needs \(count)")
        }
        var out = [Int64](repeating: 0, count: values.count)
        for (i, x) in values.enumerated() {
            guard x.isFinite else { throw InputDataError(file: nil, field: "\(name)[\(i)]", "is \(x), not a finite number") }
            let q = (x / scale + 0.5).rounded(.down)
            out[i] = q <= Double(lower) ? lower : q >= Double(upper) ? upper : Int64(q)
        }
        return out
    }

    /// This tensor's integers → real values q · scale.
    public func dequantize(_ values: [Int64]) -> [Double] { values.map { Double($0) * scale } }
}

extension QuantizedModel {
    /// Quantizes one float list per model input (see `TensorInfo.quantize`).
    public func quantizeInputs(_ values: [[Double]]) throws -> [[Int64]] {
        guard values.count == inputs.count else {
            throw InputDataError(file: nil, field: "inputs", "\(values.count) input(s) given, the model has \(inputs.count)")
        }
        return try zip(inputs, values).map { try tensors[$0].quantize($1) }
    }

    /// Dequantizes the model outputs (one integer list per output).
    public func dequantizeOutputs(_ values: [[Int64]]) -> [[Double]] {
        zip(outputs, values).map { tensors[$0].dequantize($1) }
    }
}
