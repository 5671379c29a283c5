import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors reading a `.zkq` file: the file and what is wrong with it.
public struct ModelFileError: Error, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}

/// SHA-256 of bytes (OpenSSL libcrypto).
public func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    bytes.withUnsafeBufferPointer { _ = SHA256($0.baseAddress, $0.count, &out) }
    return out
}

/// The `.zkq` quantized-model file (docs/FORMATS.md):
///
///     "ZKQ1" | u32 version = 1 | u64 n | n bytes JSON of the model with weight and bias arrays emptied
///     | u64 m | m weights (i32 LE) and biases (i64 LE) of the Gemm/Conv ops in op order | 32-byte SHA-256 of all before
///
/// The structure is small JSON (readable, versionable); the weights are raw little-endian so a
/// large model loads at memory speed. The trailing digest identifies the model: the circuit
/// compiler binds it into the circuit as a public input.
public enum ModelFile {
    static let magic: [UInt8] = Array("ZKQ1".utf8)
    static let version: UInt32 = 1

    public static func encode(_ model: QuantizedModel) throws -> [UInt8] {
        var skeleton = model
        var blob = ByteWriter()
        for (i, op) in skeleton.ops.enumerated() {
            switch op {
            case .gemm(var g):
                blob.append(contentsOf: g.weights); blob.append(contentsOf: g.bias); g.weights = []; g.bias = []
                skeleton.ops[i] = .gemm(g)
            case .conv(var c):
                blob.append(contentsOf: c.weights); blob.append(contentsOf: c.bias); c.weights = []; c.bias = []
                skeleton.ops[i] = .conv(c)
            default: break
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = [UInt8](try encoder.encode(skeleton))
        var out = ByteWriter()
        out.append(raw: magic)
        out.append(version)
        out.append(UInt64(json.count))
        out.append(raw: json)
        out.append(UInt64(blob.bytes.count))
        out.append(raw: blob.bytes)
        out.append(raw: sha256(out.bytes))
        return out.bytes
    }

    /// Decodes and checks a `.zkq` file: magic, version, lengths, digest, then the model's
    /// structure (`QuantizedModel.validate`). Returns the model and its SHA-256 digest.
    public static func decode(_ bytes: [UInt8], file: String) throws -> (model: QuantizedModel, digest: [UInt8]) {
        func fail(_ m: String) -> ModelFileError { ModelFileError(file: file, m) }
        guard bytes.count >= 4 + 4 + 8 + 8 + 32 else { throw fail("truncated: \(bytes.count) bytes is shorter than any .zkq file") }
        guard Array(bytes[0..<4]) == magic else { throw fail("not a .zkq file (magic is not \"ZKQ1\")") }
        let body = bytes.count - 32
        var r = ByteReader(bytes, position: 4, end: body)
        let v = r.read(UInt32.self) ?? 0
        guard v == version else { throw fail("unsupported version \(v) (this build reads version \(version))") }
        let n = r.read(UInt64.self) ?? 0
        guard n <= UInt64(r.remaining - 8), let json = r.readRaw(Int(n)) else { throw fail("truncated: the model section claims \(n) bytes") }
        let m = r.read(UInt64.self) ?? 0
        guard m == UInt64(r.remaining) else { throw fail("the weight section claims \(m) bytes but \(r.remaining) remain before the digest") }
        let digest = Array(bytes[body...])
        guard sha256(Array(bytes[..<body])) == digest else { throw fail("SHA-256 digest mismatch: the file is corrupt or was modified") }
        var model: QuantizedModel
        do { model = try JSONDecoder().decode(QuantizedModel.self, from: Data(json)) } catch {
            throw fail("model section is not a valid model description: \(error)")
        }
        func take<T: FixedWidthInteger>(_ k: Int, _: T.Type, _ what: String) throws -> [T] {
            guard let values = r.read(k, of: T.self) else { throw fail("weight section too short for \(what)") }
            return values
        }
        for (i, op) in model.ops.enumerated() {
            switch op {
            case .gemm(var g):
                g.weights = try take(g.n * g.k, Int32.self, "op \(i) Gemm weights")
                g.bias = try take(g.n, Int64.self, "op \(i) Gemm bias")
                model.ops[i] = .gemm(g)
            case .conv(var c):
                guard c.weightShape.count == 4, c.weightShape.allSatisfy({ $0 > 0 && $0 < 1 << 20 }) else {
                    throw fail("op \(i) Conv: bad weight shape \(c.weightShape)")
                }
                c.weights = try take(c.weightShape.reduce(1, *), Int32.self, "op \(i) Conv weights")
                c.bias = try take(c.weightShape[0], Int64.self, "op \(i) Conv bias")
                model.ops[i] = .conv(c)
            default: break
            }
        }
        guard r.remaining == 0 else { throw fail("\(r.remaining) bytes of weights are left over") }
        do { try model.validate() } catch let e as ModelValidationError { throw fail(e.description) }
        return (model, digest)
    }

    public static func write(_ model: QuantizedModel, to path: String) throws -> [UInt8] {
        let bytes = try encode(model)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ModelFileError(file: path, "cannot write the file")
        }
        return Array(bytes.suffix(32))
    }

    public static func read(_ path: String) throws -> (model: QuantizedModel, digest: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFileError(file: path, "cannot read the file") }
        return try decode([UInt8](data), file: path)
    }
}
