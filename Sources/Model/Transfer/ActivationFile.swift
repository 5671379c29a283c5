#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `.zkact` file: blockwise-quantized float tensors (`BlockwiseTensor`) sharing one block size,
/// for moving activations between stages that are not proven (docs/FORMATS.md):
///
///     "ZKA1" | u32 version = 1 | u32 block size | u32 tensor count
///     | per tensor: u32 name length, UTF-8 name | u32 rank, u64 dims | u64 value count n
///                   | ⌈n / block size⌉ absmax (f32 LE) | n codes (i8)
///     | 32-byte SHA-256 of all before
///
/// The reader checks every length against the bytes left before it allocates, then the digest,
/// then each tensor's values (`BlockwiseTensor.init(name:shape:blockSize:absmax:codes:)`): a
/// corrupt or hostile file is a `BlockwiseQuantizationError` naming the file and the field.
public enum ActivationFile {
    static let magic: [UInt8] = Array("ZKA1".utf8)
    static let version: UInt32 = 1
    /// Header (16 bytes) and digest (32 bytes): no file is shorter.
    static let minimumSize = 16 + 32
    public static let maxTensors = 1 << 16
    public static let maxNameBytes = 1024

    public static func encode(_ tensors: [BlockwiseTensor]) throws -> [UInt8] {
        func fail(_ field: String, _ m: String) -> BlockwiseQuantizationError { BlockwiseQuantizationError(field: field, m) }
        guard let blockSize = tensors.first?.blockSize else { throw fail("tensors", "a .zkact file holds at least one tensor") }
        guard tensors.count <= maxTensors else { throw fail("tensors", "\(tensors.count) tensors, at most \(maxTensors) fit in a file") }
        var w = ByteWriter()
        w.append(raw: magic)
        w.append(version)
        w.append(UInt32(blockSize))
        w.append(UInt32(tensors.count))
        for (i, t) in tensors.enumerated() {
            guard t.blockSize == blockSize else {
                throw fail("tensor \(i).block_size", "is \(t.blockSize), but tensor 0's is \(blockSize); a file has one block size")
            }
            let name = Array(t.name.utf8)
            guard name.count <= maxNameBytes else { throw fail("tensor \(i).name", "is \(name.count) bytes, at most \(maxNameBytes) fit") }
            w.append(UInt32(name.count))
            w.append(raw: name)
            w.append(UInt32(t.shape.count))
            w.append(contentsOf: t.shape.map { UInt64($0) })
            w.append(UInt64(t.count))
            w.append(contentsOf: t.absmax.map(\.bitPattern))
            w.append(contentsOf: t.codes)
        }
        w.append(raw: sha256(w.bytes))
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> [BlockwiseTensor] {
        func fail(_ field: String, _ m: String) -> BlockwiseQuantizationError { BlockwiseQuantizationError(file: file, field: field, m) }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw fail("magic", bytes.count < 4 ? "truncated: the file has \(bytes.count) bytes" : "not a .zkact file (it does not start with \"ZKA1\")")
        }
        guard bytes.count >= minimumSize else { throw fail("file", "truncated: \(bytes.count) bytes is shorter than any .zkact file (\(minimumSize))") }
        let body = bytes.count - 32
        var r = ByteReader(bytes, position: 4, end: body)
        // The header fits: body ≥ 16.
        let v = r.read(UInt32.self) ?? 0
        guard v == version else { throw fail("version", "is \(v), this build reads version \(version)") }
        let blockSize = Int(r.read(UInt32.self) ?? 0)
        try BlockwiseTensor.checkBlockSize(blockSize, file: file)
        let count = Int(r.read(UInt32.self) ?? 0)
        guard count >= 1, count <= maxTensors else { throw fail("tensor_count", "is \(count), must be between 1 and \(maxTensors)") }

        typealias Parts = (name: String, shape: [Int], absmax: [Float], codes: [Int8])
        var parts: [Parts] = []
        for t in 0..<count {
            var at = "tensor \(t)"
            func truncated(_ field: String, _ needs: String) -> BlockwiseQuantizationError {
                fail("\(at).\(field)", "truncated: needs \(needs), \(r.remaining) bytes are left before the digest")
            }
            guard let nameLength = r.read(UInt32.self) else { throw truncated("name_length", "4 bytes") }
            guard nameLength <= maxNameBytes else { throw fail("\(at).name_length", "is \(nameLength), at most \(maxNameBytes)") }
            guard let rawName = r.readRaw(Int(nameLength)) else { throw truncated("name", "\(nameLength) bytes") }
            guard let name = String(validating: rawName, as: UTF8.self) else { throw fail("\(at).name", "is not valid UTF-8") }
            at = "tensor \(t) (\"\(name)\")"
            guard let rank = r.read(UInt32.self) else { throw truncated("rank", "4 bytes") }
            guard rank <= BlockwiseTensor.maxRank else { throw fail("\(at).rank", "is \(rank), at most \(BlockwiseTensor.maxRank)") }
            guard let dims = r.read(Int(rank), of: UInt64.self) else { throw truncated("shape", "\(8 * rank) bytes") }
            guard let n64 = r.read(UInt64.self) else { throw truncated("count", "8 bytes") }
            // Every value has a one-byte code, so a count beyond the bytes left is a lie (checked before allocating).
            guard n64 <= UInt64(r.remaining) else {
                throw fail("\(at).count", "is \(n64) values, but only \(r.remaining) bytes are left before the digest (truncated, or a wrong count)")
            }
            let n = Int(n64)
            try BlockwiseTensor.checkShape(dims, count: n, file: file, field: "\(at).shape")
            let blocks = BlockwiseTensor.blockCount(count: n, blockSize: blockSize)
            guard let bits = r.read(blocks, of: UInt32.self) else { throw truncated("absmax", "\(blocks) × 4 bytes") }
            guard let codes = r.read(n, of: Int8.self) else { throw truncated("codes", "\(n) bytes") }
            parts.append((name, dims.map { Int($0) }, bits.map(Float.init(bitPattern:)), codes))
        }
        guard r.remaining == 0 else {
            throw fail("file", "\(r.remaining) bytes follow the last tensor before the digest: the file was extended or cut, or a count is wrong")
        }
        guard sha256(Array(bytes[..<body])) == Array(bytes[body...]) else {
            throw fail("sha256", "digest mismatch: the file is corrupt or was modified")
        }
        return try parts.enumerated().map { t, p in
            do {
                return try BlockwiseTensor(name: p.name, shape: p.shape, blockSize: blockSize, absmax: p.absmax, codes: p.codes)
            } catch var e as BlockwiseQuantizationError {
                e.file = file
                e.field = "tensor \(t) (\"\(p.name)\").\(e.field)"
                throw e
            }
        }
    }

    /// Writes the file; returns its SHA-256 digest.
    @discardableResult
    public static func write(_ tensors: [BlockwiseTensor], to path: String) throws -> [UInt8] {
        let bytes = try encode(tensors)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw BlockwiseQuantizationError(file: path, field: "file", "cannot write the file")
        }
        return Array(bytes.suffix(32))
    }

    public static func read(_ path: String) throws -> [BlockwiseTensor] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BlockwiseQuantizationError(file: path, field: "file", "cannot read the file")
        }
        return try decode([UInt8](data), file: path)
    }
}
