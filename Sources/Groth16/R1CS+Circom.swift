import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Verifier

// circom's binary constraint-system file (iden3 "r1cs" format, version 1), little-endian:
//
//   "r1cs"  u32 version (1)  u32 nSections
//   nSections × { u32 type, u64 size, size bytes of payload }
//
//   type 1, header:      u32 n8, n8-byte prime, u32 nWires, u32 nPubOut, u32 nPubIn,
//                        u32 nPrvIn, u64 nLabels, u32 mConstraints
//   type 2, constraints: mConstraints × (A, B, C), each u32 nTerms, nTerms × (u32 wire, n8-byte coeff)
//   type 3, wire2label:  nWires × u64
//
// Sections may come in any order; other types (circom's custom-gate sections 4 and 5) are
// skipped. Field elements are canonical (not Montgomery) little-endian values below r.

// MARK: - Shared binary reading (also used by the .wtns reader)

/// A bounds-checked little-endian cursor over a byte buffer; every read throws `FormatError`
/// instead of trapping when the bytes run out.
struct CircomBinaryReader {
    let bytes: [UInt8]
    let file: String
    /// Current offset.
    var position: Int
    /// Reads may not go past this offset (the end of the file or of the current section).
    var limit: Int

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes; self.file = file; self.position = 0; self.limit = bytes.count
    }

    var remaining: Int { limit - position }

    func error(_ field: String, _ message: String) -> FormatError {
        FormatError(file: file, field: field, message)
    }

    private func need(_ n: Int, _ field: () -> String, _ what: String) throws {
        guard n <= remaining else {
            throw error(field(), "truncated: \(what) needs \(n) bytes at offset \(position), only \(remaining) remain")
        }
    }

    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 {
        try need(4, field, "u32")
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = (v << 8) | UInt32(bytes[position + i]) }
        position += 4
        return v
    }

    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 {
        try need(8, field, "u64")
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = (v << 8) | UInt64(bytes[position + i]) }
        position += 8
        return v
    }

    /// Raw bytes (used for the magic and the prime).
    mutating func raw(_ n: Int, _ field: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        try need(n, field, "\(n)-byte value")
        defer { position += n }
        return bytes[position..<position + n]
    }

    /// A canonical 32-byte little-endian element of Fr. `field` is only evaluated on failure,
    /// so hot loops do not build strings.
    mutating func fr(_ field: @autoclosure () -> String) throws -> Fr {
        guard remaining >= 32 else {
            throw error(field(), "truncated: field element needs 32 bytes at offset \(position), only \(remaining) remain")
        }
        func limb(_ k: Int) -> UInt64 {
            var v: UInt64 = 0
            let base = position + 8 * k
            for i in (0..<8).reversed() { v = (v << 8) | UInt64(bytes[base + i]) }
            return v
        }
        let l = (limb(0), limb(1), limb(2), limb(3))
        guard let e = Fr(checkedLimbs: l) else {
            throw error(field(), "value is not below the BN254 scalar field modulus r (non-canonical)")
        }
        position += 32
        return e
    }

    /// One entry of the section table.
    struct Section { var type: UInt32; var start: Int; var size: Int }

    /// Checks the magic and version, then reads the section table (sizes bounds-checked, the
    /// file must end exactly after the last section). Leaves the cursor untouched.
    static func sections(_ bytes: [UInt8], file: String, magic: String, version: UInt32) throws -> [Section] {
        var r = CircomBinaryReader(bytes, file: file)
        let m = try r.raw(4, "magic")
        guard Array(m) == Array(magic.utf8) else {
            let shown = m.allSatisfy { $0 >= 0x20 && $0 < 0x7f } ? "\"\(String(decoding: m, as: UTF8.self))\"" : m.map { String($0, radix: 16) }.joined(separator: " ")
            throw r.error("magic", "expected \"\(magic)\", found \(shown)")
        }
        let v = try r.u32("version")
        guard v == version else { throw r.error("version", "unsupported version \(v) (expected \(version))") }
        let n = try r.u32("nSections")
        // Each section needs at least its 12-byte header: fail before looping on absurd counts.
        guard UInt64(n) * 12 <= UInt64(r.remaining) else {
            throw r.error("nSections", "claims \(n) sections but only \(r.remaining) bytes follow (12 needed per section header)")
        }
        var out: [Section] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            guard r.remaining >= 12 else {
                throw r.error("section \(i)", "truncated: file ends \(r.remaining) bytes into the header of section \(i) of nSections = \(n)")
            }
            let type = try r.u32("section \(i).type")
            let size = try r.u64("section \(i).size")
            guard size <= UInt64(r.remaining) else {
                throw r.error("section \(i) (type \(type)).size", "truncated: declares \(size) bytes but only \(r.remaining) remain")
            }
            out.append(Section(type: type, start: r.position, size: Int(size)))
            r.position += Int(size)
        }
        guard r.remaining == 0 else {
            throw r.error("nSections", "\(r.remaining) unexpected bytes after the last of the \(n) sections")
        }
        return out
    }

    /// The single section of `type`, nil when absent; duplicates are rejected.
    static func unique(_ sections: [Section], type: UInt32, name: String, file: String) throws -> Section? {
        let found = sections.filter { $0.type == type }
        guard found.count <= 1 else {
            throw FormatError(file: file, field: "\(name) section", "appears \(found.count) times (section type \(type) must be unique)")
        }
        return found.first
    }

    /// A reader limited to one section's payload.
    func restricted(to s: Section) -> CircomBinaryReader {
        var r = self
        r.position = s.start; r.limit = s.start + s.size
        return r
    }

    /// Reads n8 (must be 32) and the prime (must be BN254's r).
    mutating func fieldHeader(_ prefix: String) throws {
        let n8 = try u32("\(prefix).n8")
        guard n8 == 32 else {
            throw error("\(prefix).n8", "field element size \(n8) bytes is not supported (BN254 needs 32)")
        }
        let p = try raw(32, "\(prefix).prime")
        guard Array(p) == CircomBinaryReader.bn254ScalarModulusLE else {
            let q = BigUInt(bigEndianBytes: Array(p.reversed()))
            throw error("\(prefix).prime", "prime \(q) is not the BN254 scalar field modulus r = \(Fr.modulus); only BN254 (circom's default bn128) is supported")
        }
    }

    /// BN254's r, 32 bytes little-endian.
    static let bn254ScalarModulusLE: [UInt8] = {
        let m = FrParameters.modulus
        var out = [UInt8]()
        for l in [m.0, m.1, m.2, m.3] { for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: l >> UInt64(s))) } }
        return out
    }()
}

/// Little-endian appenders for the writers.
struct CircomBinaryWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    mutating func fr(_ e: Fr) {
        let c = e.canonicalLimbs
        u64(c.0); u64(c.1); u64(c.2); u64(c.3)
    }
    mutating func ascii(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// Appends a section header with a placeholder size, runs `body`, then patches the size.
    mutating func section(_ type: UInt32, _ body: (inout CircomBinaryWriter) -> Void) {
        u32(type)
        let sizeAt = bytes.count
        u64(0)
        body(&self)
        let size = UInt64(bytes.count - sizeAt - 8)
        for k in 0..<8 { bytes[sizeAt + k] = UInt8(truncatingIfNeeded: size >> UInt64(8 * k)) }
    }

    mutating func fieldHeader() {
        u32(32)
        bytes.append(contentsOf: CircomBinaryReader.bn254ScalarModulusLE)
    }
}

func circomReadFile(_ path: String) throws -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch let e as CocoaError where [.fileNoSuchFile, .fileReadNoSuchFile, .fileReadNoPermission].contains(e.code) {
        throw FormatError(file: path, field: "", "cannot open file for reading")
    } catch {
        throw FormatError(file: path, field: "", "cannot read file: \(errorText(error))")
    }
}

func circomWriteFile(_ bytes: [UInt8], to path: String) throws {
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw FormatError(file: path, field: "", "cannot write file: \(error)")
    }
}

// MARK: - R1CS

extension R1CS {
    static let circomHeaderSize = 4 + 32 + 4 * 4 + 8 + 4

    /// Decodes a circom `.r1cs` (version 1) file. Every read is bounds-checked; malformed input
    /// throws `FormatError` naming `file` and the offending field, never traps. The result is
    /// `validate()`d. Sections may appear in any order; unknown section types are skipped.
    /// Header, constraints and wire2label sections are all required, each at most once.
    public init(circomBytes bytes: [UInt8], file: String = "circuit.r1cs") throws {
        let table = try CircomBinaryReader.sections(bytes, file: file, magic: "r1cs", version: 1)
        guard let hs = try CircomBinaryReader.unique(table, type: 1, name: "header", file: file) else {
            throw FormatError(file: file, field: "header section", "missing (no section of type 1)")
        }
        guard let cs = try CircomBinaryReader.unique(table, type: 2, name: "constraints", file: file) else {
            throw FormatError(file: file, field: "constraints section", "missing (no section of type 2)")
        }
        // Required too: without it nWires would be bounded by nothing in the file, and the
        // identity map it implies could be an absurd allocation. circom always writes it.
        guard let ls = try CircomBinaryReader.unique(table, type: 3, name: "wire2label", file: file) else {
            throw FormatError(file: file, field: "wire2label section", "missing (no section of type 3)")
        }
        let base = CircomBinaryReader(bytes, file: file)

        // Header.
        var h = base.restricted(to: hs)
        try h.fieldHeader("header")
        let nWires = try h.u32("header.nWires")
        let nPubOut = try h.u32("header.nPubOut")
        let nPubIn = try h.u32("header.nPubIn")
        let nPrvIn = try h.u32("header.nPrvIn")
        let nLabels = try h.u64("header.nLabels")
        let mConstraints = try h.u32("header.mConstraints")
        guard h.remaining == 0 else {
            throw h.error("header section", "size \(hs.size) does not match its content (\(R1CS.circomHeaderSize) bytes)")
        }
        guard nWires >= 1 else { throw h.error("header.nWires", "must be at least 1 (wire 0 is the constant one)") }
        guard UInt64(nPubOut) + UInt64(nPubIn) < UInt64(nWires) else {
            throw h.error("header.nPubOut", "nPubOut (\(nPubOut)) + nPubIn (\(nPubIn)) must be below nWires (\(nWires))")
        }

        // Constraints. Each needs at least 12 bytes (three empty rows): bound the count by the
        // section size before allocating.
        var c = base.restricted(to: cs)
        guard UInt64(mConstraints) * 12 <= UInt64(c.remaining) else {
            throw c.error("header.mConstraints", "claims \(mConstraints) constraints but the constraints section has only \(c.remaining) bytes (at least 12 per constraint)")
        }
        var constraints: [Constraint] = []
        constraints.reserveCapacity(Int(mConstraints))
        func row(_ k: Int, _ name: String, _ r: inout CircomBinaryReader) throws -> LinearCombination {
            guard r.remaining >= 4 else {
                let at = name == "A" ? "after \(k) of" : "inside constraint \(k) of"
                throw r.error("constraint \(k).\(name)", "truncated: constraints section ends \(at) \(mConstraints) constraints (header.mConstraints)")
            }
            let n = try r.u32("constraint \(k).\(name).nTerms")
            guard UInt64(n) * 36 <= UInt64(r.remaining) else {
                throw r.error("constraint \(k).\(name).nTerms", "truncated: \(n) terms need \(UInt64(n) * 36) bytes, only \(r.remaining) remain in the constraints section")
            }
            var wires = [UInt32](); wires.reserveCapacity(Int(n))
            var coeffs = [Fr](); coeffs.reserveCapacity(Int(n))
            for j in 0..<Int(n) {
                let w = try r.u32("constraint \(k).\(name)[\(j)].wireId")
                guard w < nWires else {
                    throw r.error("constraint \(k).\(name)[\(j)].wireId", "wire \(w) is out of range (header.nWires = \(nWires))")
                }
                wires.append(w)
                coeffs.append(try r.fr("constraint \(k).\(name)[\(j)].coefficient"))
            }
            return LinearCombination(wires: wires, coefficients: coeffs)
        }
        for k in 0..<Int(mConstraints) {
            let a = try row(k, "A", &c)
            let b = try row(k, "B", &c)
            let cc = try row(k, "C", &c)
            constraints.append(Constraint(a: a, b: b, c: cc))
        }
        guard c.remaining == 0 else {
            throw c.error("constraints section", "size \(cs.size) does not match its content: \(c.remaining) bytes left after the \(mConstraints) constraints of header.mConstraints")
        }

        // Wire-to-label map: exactly nWires u64 entries.
        guard ls.size % 8 == 0, ls.size / 8 == Int(nWires) else {
            throw FormatError(file: file, field: "wire2label section",
                              "size \(ls.size) bytes does not hold header.nWires = \(nWires) u64 labels (\(UInt64(nWires) * 8) bytes)")
        }
        var l = base.restricted(to: ls)
        var labels = [UInt64](); labels.reserveCapacity(Int(nWires))
        for i in 0..<Int(nWires) { labels.append(try l.u64("wire2label[\(i)]")) }

        self.init(numWires: Int(nWires), numPublicOutputs: Int(nPubOut), numPublicInputs: Int(nPubIn),
                  numPrivateInputs: Int(nPrvIn), constraints: constraints, wireToLabel: labels, numLabels: nLabels)
        do {
            try validate()
        } catch let e as FormatError {
            throw e.at(file: file)
        }
    }

    /// Checks the structural invariants the circom format and the prover rely on; throws
    /// `FormatError` (file "circuit.r1cs") naming the field.
    public func validate() throws {
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: "circuit.r1cs", field: field, message) }
        guard numWires >= 1, numWires <= Int(UInt32.max) else {
            throw fail("header.nWires", "\(numWires) is out of range (1...\(UInt32.max))")
        }
        guard numPublicOutputs >= 0, numPublicInputs >= 0, numPrivateInputs >= 0 else {
            throw fail("header.nPubOut", "negative public/private counts")
        }
        guard numPublicOutputs + numPublicInputs < numWires else {
            throw fail("header.nPubOut", "nPubOut (\(numPublicOutputs)) + nPubIn (\(numPublicInputs)) must be below nWires (\(numWires))")
        }
        guard numPublicOutputs + numPublicInputs + numPrivateInputs < numWires else {
            throw fail("header.nPrvIn", "nPubOut + nPubIn + nPrvIn (\(numPublicOutputs + numPublicInputs + numPrivateInputs)) must be below nWires (\(numWires))")
        }
        guard numLabels >= UInt64(numWires) else {
            throw fail("header.nLabels", "\(numLabels) is below nWires (\(numWires))")
        }
        guard constraints.count <= Int(UInt32.max) else {
            throw fail("header.mConstraints", "\(constraints.count) constraints do not fit in u32")
        }
        for (k, c) in constraints.enumerated() {
            for (name, lc) in [("A", c.a), ("B", c.b), ("C", c.c)] {
                guard lc.wires.count == lc.coefficients.count else {
                    throw fail("constraint \(k).\(name)", "\(lc.wires.count) wires but \(lc.coefficients.count) coefficients")
                }
                for (j, w) in lc.wires.enumerated() where Int(w) >= numWires {
                    throw fail("constraint \(k).\(name)[\(j)].wireId", "wire \(w) is out of range (header.nWires = \(numWires))")
                }
            }
        }
        guard wireToLabel.count == numWires else {
            throw fail("wire2label", "\(wireToLabel.count) labels for \(numWires) wires")
        }
        for (i, l) in wireToLabel.enumerated() where l >= numLabels {
            throw fail("wire2label[\(i)]", "label \(l) is not below header.nLabels (\(numLabels))")
        }
    }

    /// Encodes as a circom `.r1cs` version 1 file: header, constraints, wire2label (sections 1,
    /// 2, 3), terms in stored order. Meant for values that pass `validate()`; counts beyond
    /// u32 would be truncated.
    public func circomBytes() -> [UInt8] {
        var w = CircomBinaryWriter()
        var capacity = 12 + 12 + R1CS.circomHeaderSize + 12 + 12 + 8 * wireToLabel.count
        for c in constraints { capacity += 12 + 36 * (c.a.wires.count + c.b.wires.count + c.c.wires.count) }
        w.bytes.reserveCapacity(capacity)
        w.ascii("r1cs"); w.u32(1); w.u32(3)
        w.section(1) { w in
            w.fieldHeader()
            w.u32(UInt32(truncatingIfNeeded: numWires))
            w.u32(UInt32(truncatingIfNeeded: numPublicOutputs))
            w.u32(UInt32(truncatingIfNeeded: numPublicInputs))
            w.u32(UInt32(truncatingIfNeeded: numPrivateInputs))
            w.u64(numLabels)
            w.u32(UInt32(truncatingIfNeeded: constraints.count))
        }
        w.section(2) { w in
            for c in constraints {
                for lc in [c.a, c.b, c.c] {
                    w.u32(UInt32(truncatingIfNeeded: lc.wires.count))
                    for j in 0..<lc.wires.count { w.u32(lc.wires[j]); w.fr(lc.coefficients[j]) }
                }
            }
        }
        w.section(3) { w in for l in wireToLabel { w.u64(l) } }
        return w.bytes
    }

    /// Reads and decodes a circom `.r1cs` file; errors name `path`.
    public init(contentsOfCircomFile path: String) throws {
        try self.init(circomBytes: try circomReadFile(path), file: path)
    }

    /// Writes `circomBytes()` to `path` (atomically).
    public func writeCircom(to path: String) throws {
        try circomWriteFile(circomBytes(), to: path)
    }
}
