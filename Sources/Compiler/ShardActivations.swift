import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Model

/// The activations passed from shard K to shard K + 1: `receipt-K/output.json`, which is also a
/// valid EZKL-style `input.json` (so it feeds `zkshard prove --shard K+1 --input` and
/// `zkshard run` unchanged):
///
///     {"input_data": [[floats]], "input_data_int": [[integers]], "tensors": [names],
///      "commitment": "decimal", "commitment_salt": "decimal",
///      "outputs": [[floats]], "outputs_int": [[integers]]}        // the last shard only
///
/// `input_data` holds the dequantized values; `input_data_int` the exact integers, which the
/// next shard uses when present (dequantizing and quantizing again would be exact too, but the
/// integers leave no room for doubt). `commitment_salt` is present when the commitment is
/// salted; the salt must travel with the values to the next node, and nowhere else.
public struct ShardActivations: Codable, Equatable, Sendable {
    public var inputData: [[Double]]
    public var inputDataInt: [[Int64]]?
    public var tensors: [String]?
    public var commitment: String?
    public var commitmentSalt: String?
    public var outputs: [[Double]]?
    public var outputsInt: [[Int64]]?

    enum CodingKeys: String, CodingKey {
        case inputData = "input_data", inputDataInt = "input_data_int", tensors, commitment
        case commitmentSalt = "commitment_salt", outputs, outputsInt = "outputs_int"
    }

    public init(inputData: [[Double]], inputDataInt: [[Int64]]? = nil, tensors: [String]? = nil, commitment: String? = nil,
                commitmentSalt: String? = nil, outputs: [[Double]]? = nil, outputsInt: [[Int64]]? = nil) {
        self.inputData = inputData; self.inputDataInt = inputDataInt; self.tensors = tensors; self.commitment = commitment
        self.commitmentSalt = commitmentSalt; self.outputs = outputs; self.outputsInt = outputsInt
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }

    /// Reads an activations file or a plain EZKL `input.json` (only `input_data`).
    public static func read(_ path: String) throws -> ShardActivations {
        let name = PathString.lastComponent(path)
        guard let data = FileManager.default.contents(atPath: path) else { throw CompileError("\(path): cannot read the file") }
        // `InputData` validates input_data (numbers, finite, non-empty) with precise messages.
        let floats = try InputData(json: data, source: name)
        var a: ShardActivations
        do { a = try JSONDecoder().decode(ShardActivations.self, from: data) } catch {
            throw CompileError("\(name): malformed activations: \(Self.describe(error))")
        }
        a.inputData = floats.inputs
        if let ints = a.inputDataInt, ints.count != a.inputData.count {
            throw CompileError("\(name): input_data_int has \(ints.count) lists, input_data \(a.inputData.count)")
        }
        return a
    }

    /// The salt, 0 when absent.
    public func salt(file: String) throws -> Fr {
        guard let s = commitmentSalt else { return .zero }
        guard let f = Fr(decimal: s) else { throw CompileError("\(file): commitment_salt is not a canonical decimal field element") }
        return f
    }

    /// The integer values for `model`'s inputs: `input_data_int` if present (checked against
    /// the bounds), else `input_data` quantized.
    public func integers(for model: QuantizedModel, file: String) throws -> [[Int64]] {
        let infos = model.inputs.map { model.tensors[$0] }
        guard let ints = inputDataInt else {
            guard inputData.count == infos.count else {
                throw CompileError("\(file): input_data has \(inputData.count) lists, the shard reads \(infos.count) tensors")
            }
            for (i, (v, t)) in zip(inputData, infos).enumerated() where v.count != t.count {
                throw CompileError("\(file): input_data[\(i)] has \(v.count) values, tensor \(t.name) has \(t.count)")
            }
            return try model.quantizeInputs(inputData)
        }
        guard ints.count == infos.count else {
            throw CompileError("\(file): input_data_int has \(ints.count) lists, the shard reads \(infos.count) tensors")
        }
        for (i, (v, t)) in zip(ints, infos).enumerated() {
            guard v.count == t.count else { throw CompileError("\(file): input_data_int[\(i)] has \(v.count) values, tensor \(t.name) has \(t.count)") }
            if let j = v.firstIndex(where: { $0 < t.lower || $0 > t.upper }) {
                throw CompileError("\(file): input_data_int[\(i)][\(j)] = \(v[j]) is outside tensor \(t.name)'s bounds [\(t.lower), \(t.upper)]")
            }
        }
        return ints
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case DecodingError.keyNotFound(let k, _):
            return "missing field \(k.stringValue)"
        default:
            return "\(error)"
        }
    }
}
