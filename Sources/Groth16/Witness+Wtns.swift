import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Verifier

// circom's binary witness file (iden3 "wtns" format, version 2), little-endian:
//
//   "wtns"  u32 version (2)  u32 nSections (2)
//   nSections × { u32 type, u64 size, payload }
//   type 1, header: u32 n8, n8-byte prime, u32 nWitness
//   type 2, values: nWitness × n8-byte canonical values
//
// Sections may come in any order; unknown section types are skipped.

/// A full assignment of the circuit's wires: `values[0]` is the constant one, then the public
/// outputs, public inputs and private wires, in circom's wire order.
public struct Witness: Equatable, Sendable {
    public var values: [Fr]

    public init(values: [Fr]) { self.values = values }

    static let wtnsHeaderSize = 4 + 32 + 4

    /// Decodes a `.wtns` (version 2) file. Every read is bounds-checked; malformed input throws
    /// `FormatError` naming `file` and the offending field, never traps.
    public init(wtnsBytes bytes: [UInt8], file: String = "witness.wtns") throws {
        let table = try CircomBinaryReader.sections(bytes, file: file, magic: "wtns", version: 2)
        guard let hs = try CircomBinaryReader.unique(table, type: 1, name: "header", file: file) else {
            throw FormatError(file: file, field: "header section", "missing (no section of type 1)")
        }
        guard let vs = try CircomBinaryReader.unique(table, type: 2, name: "values", file: file) else {
            throw FormatError(file: file, field: "values section", "missing (no section of type 2)")
        }
        let base = CircomBinaryReader(bytes, file: file)

        var h = base.restricted(to: hs)
        try h.fieldHeader("header")
        let n = try h.u32("header.nWitness")
        guard h.remaining == 0 else {
            throw h.error("header section", "size \(hs.size) does not match its content (\(Witness.wtnsHeaderSize) bytes)")
        }

        guard UInt64(vs.size) == UInt64(n) * 32 else {
            throw FormatError(file: file, field: "values section",
                              "size \(vs.size) bytes does not hold header.nWitness = \(n) values (\(UInt64(n) * 32) bytes)")
        }
        var r = base.restricted(to: vs)
        var values = [Fr](); values.reserveCapacity(Int(n))
        for i in 0..<Int(n) { values.append(try r.fr("values[\(i)]")) }
        self.values = values
    }

    /// Encodes as a `.wtns` version 2 file (header section, then values).
    public func wtnsBytes() -> [UInt8] {
        var w = CircomBinaryWriter()
        w.bytes.reserveCapacity(12 + 12 + Witness.wtnsHeaderSize + 12 + 32 * values.count)
        w.ascii("wtns"); w.u32(2); w.u32(2)
        w.section(1) { w in
            w.fieldHeader()
            w.u32(UInt32(truncatingIfNeeded: values.count))
        }
        w.section(2) { w in for v in values { w.fr(v) } }
        return w.bytes
    }

    /// Reads and decodes a `.wtns` file; errors name `path`.
    public init(contentsOfWtnsFile path: String) throws {
        try self.init(wtnsBytes: try circomReadFile(path), file: path)
    }

    /// Writes `wtnsBytes()` to `path` (atomically).
    public func write(to path: String) throws {
        try circomWriteFile(wtnsBytes(), to: path)
    }

    /// Checks that this witness fits `r1cs`: one value per wire and the constant one first.
    /// (Does not check that the constraints hold; see `R1CS.firstUnsatisfied`.)
    public func validate(for r1cs: R1CS) throws {
        guard values.count == r1cs.numWires else {
            throw FormatError(file: "witness.wtns", field: "header.nWitness",
                              "\(values.count) values but the circuit has \(r1cs.numWires) wires")
        }
        guard let first = values.first, first == Fr.one else {
            throw FormatError(file: "witness.wtns", field: "values[0]", "must be 1 (the constant-one wire), found \(values.first.map { "\($0)" } ?? "no values")")
        }
    }
}
