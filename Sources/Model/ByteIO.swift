/// Little-endian writer for the `Model` target's binary files (`.zkq`, `.zkact`).
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append<T: FixedWidthInteger>(contentsOf values: [T]) {
        bytes.reserveCapacity(bytes.count + values.count * MemoryLayout<T>.size)
        for v in values { append(v) }
    }

    /// Raw bytes, as they are (magic, UTF-8 text, digests).
    mutating func append(raw: [UInt8]) { bytes += raw }
}

/// Bounds-checked little-endian reader over `bytes[position..<end]`.
///
/// Every read returns nil rather than run past `end`, so the caller names the field in its own
/// error type. Array reads check the requested length against the bytes left before they
/// allocate: a hostile length field costs an error, not memory.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], position: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.end = min(end ?? bytes.count, bytes.count)
        self.position = min(max(position, 0), self.end)
    }

    var remaining: Int { end - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        defer { position += size }
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }

    /// `count` values of T, or nil when count is negative or more than the bytes left hold.
    mutating func read<T: FixedWidthInteger>(_ count: Int, of _: T.Type) -> [T]? {
        let size = MemoryLayout<T>.size
        guard count >= 0, count <= remaining / size else { return nil }
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[position..<(position + count * size)]))
            }
        }
        position += count * size
        #if _endian(big)
        for i in out.indices { out[i] = T(littleEndian: out[i]) }
        #endif
        return out
    }

    mutating func readRaw(_ count: Int) -> [UInt8]? { read(count, of: UInt8.self) }
}
