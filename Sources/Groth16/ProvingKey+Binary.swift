import Algebra
import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Verifier

/// The zkshard proving-key file (`.pk`), version 1. Documented in docs/FORMATS.md.
///
///     "zkpk"  u32 version  u32 section count
///     sections: u32 type, u64 byte length, payload
///       1 meta         u32 wires, u32 public outputs, u32 public inputs, u32 private inputs,
///                      u32 constraints, u32 domain size, u64 labels
///       2 fixed points α₁ β₁ δ₁ (G1), β₂ γ₂ δ₂ (G2)
///       3 IC, 4 A, 5 B1, 6 B2, 7 L, 8 H   u32 count, then points
///       9 constraints  per constraint, for A, B, C: u32 terms, then (u32 wire, 32-byte element)
///      10 wire labels  u64 per wire
///     255 digest       SHA-256 of every byte before this section
///
/// Field elements are stored as little-endian Montgomery limbs, so loading needs no
/// multiplications: the file is memory-mapped and copied out with range checks. Every point
/// is checked to be on its curve; the six fixed points are also subgroup-checked. The bulk
/// B2 points are not (that would cost ~0.4 ms each): the digest guards the file's integrity,
/// and the key is the prover's own input, not something a validator trusts.
extension ProvingKey {
    static let magic: [UInt8] = Array("zkpk".utf8)
    static let version: UInt32 = 1

    public func binaryData() -> Data {
        var out = ByteWriter()
        // The points, most of the file, in one allocation.
        let g1Count = verifyingKey.ic.count + a.count + bG1.count + l.count + h.count
        out.data.reserveCapacity(64 * g1Count + 128 * bG2.count + (1 << 16))
        out.bytes(ProvingKey.magic); out.u32(ProvingKey.version); out.u32(11)
        // Each section goes straight into `out`; its length is filled in after its body.
        func section(_ type: UInt32, _ body: (inout ByteWriter) -> Void) {
            out.u32(type)
            let lengthAt = out.data.count
            out.u64(0)
            body(&out)
            out.setU64(UInt64(out.data.count - lengthAt - 8), at: lengthAt)
        }
        section(1) { s in
            for v in [r1cs.numWires, r1cs.numPublicOutputs, r1cs.numPublicInputs, r1cs.numPrivateInputs,
                      r1cs.constraints.count, domainSize] { s.u32(UInt32(v)) }
            s.u64(r1cs.numLabels)
        }
        section(2) { s in
            for p in [alphaG1, betaG1, deltaG1] { s.g1(p) }
            for p in [betaG2, verifyingKey.gamma, deltaG2] { s.g2(p) }
        }
        for (t, pts) in [(UInt32(3), verifyingKey.ic), (4, a), (5, bG1), (7, l), (8, h)] {
            section(t) { s in s.u32(UInt32(pts.count)); for p in pts { s.g1(p) } }
            if t == 5 { section(6) { s in s.u32(UInt32(bG2.count)); for p in bG2 { s.g2(p) } } }
        }
        section(9) { s in
            for c in r1cs.constraints {
                for lc in [c.a, c.b, c.c] {
                    s.u32(UInt32(lc.wires.count))
                    for (w, co) in zip(lc.wires, lc.coefficients) { s.u32(w); s.fr(co) }
                }
            }
        }
        section(10) { s in for l in r1cs.wireToLabel { s.u64(l) } }
        let digest = sha256(out.data)
        out.u32(255); out.u64(32); out.bytes(digest)
        return Data(out.data)
    }

    public func write(to path: String) throws {
        do { try binaryData().write(to: URL(fileURLWithPath: path)) } catch {
            throw FormatError(file: path, field: "", "cannot write: \(errorText(error))")
        }
    }

    public init(contentsOfFile path: String, threads: Int = 1) throws {
        self = try ProvingKeyFile(contentsOfFile: path, threads: threads).key()
    }

    public init(binaryData data: Data, file: String = "circuit.pk") throws {
        self = try ProvingKeyFile(binaryData: data, file: file).key()
    }
}

/// A proving-key file read and checked (magic, version, digest, every point) but for its
/// constraint system, which stays as the raw bytes of its sections until asked for.
///
/// The model prover synthesises the same constraint system from the circuit while the key
/// loads; `key(matching:)` then compares it with the file's bytes in place instead of
/// building a second copy (one pair of arrays per linear combination) and comparing the two.
public struct ProvingKeyFile: Sendable {
    public let file: String
    let points: ProvingKey
    let meta: (wires: Int, publicOutputs: Int, publicInputs: Int, privateInputs: Int, constraints: Int, labels: UInt64)
    /// Sections 9 (constraints) and 10 (wire labels), copied out of the mapped file.
    let constraintBytes: [UInt8]
    let labelBytes: [UInt8]

    /// Reads and checks a key file; with several threads the digest is computed beside the
    /// point checks, which are split over the threads.
    public init(contentsOfFile path: String, threads: Int = 1) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw FormatError(file: path, field: "", "cannot read the file")
        }
        try self.init(binaryData: data, file: path, threads: threads)
    }

    public init(binaryData data: Data, file: String = "circuit.pk", threads: Int = 1) throws {
        self.file = file
        let parsed = try data.withUnsafeBytes { raw in
            var r = ByteReader(raw, file: file)
            guard try r.bytes(4, "magic") == ProvingKey.magic else {
                throw FormatError(file: file, field: "magic", "not a zkshard proving key (expected \"zkpk\")")
            }
            let v = try r.u32("version")
            guard v == ProvingKey.version else { throw FormatError(file: file, field: "version", "unsupported version \(v) (expected 1)") }
            let count = try r.u32("section count")
            var sections = [UInt32: ByteReader]()
            var digestAt = -1
            for _ in 0..<count {
                let start = r.offset
                let type = try r.u32("section type")
                let len = try r.u64("section \(type) length")
                guard len <= UInt64(r.remaining) else { throw FormatError(file: file, field: "section \(type)", "truncated: claims \(len) bytes, \(r.remaining) left") }
                if type == 255 { digestAt = start }
                guard sections[type] == nil else { throw FormatError(file: file, field: "section \(type)", "appears twice") }
                sections[type] = try r.sub(Int(len), "section \(type)")
            }
            guard r.remaining == 0 else { throw FormatError(file: file, field: "", "\(r.remaining) trailing bytes") }
            guard digestAt >= 0, var dg = sections[255] else { throw FormatError(file: file, field: "digest", "missing") }
            // The digest covers everything before it, so it must be the last section.
            guard dg.end == raw.count else { throw FormatError(file: file, field: "digest", "is not the last section") }
            let expected = try dg.bytes(32, "digest")
            // The digest runs on its own thread while the points are checked; a mismatch is
            // reported before any error found in the points (a corrupt file's first symptom).
            let covered = UnsafeRawBufferPointer(rebasing: raw[0..<digestAt])
            let digest = BackgroundWork(concurrently: threads > 1) { sha256(covered) }
            func checkDigest() throws {
                guard try digest.wait() == expected else {
                    throw FormatError(file: file, field: "digest", "SHA-256 mismatch: the file is corrupt")
                }
            }
            do {
                func need(_ t: UInt32, _ name: String) throws -> ByteReader {
                    guard let s = sections[t] else { throw FormatError(file: file, field: name, "section \(t) is missing") }
                    return s
                }
                var meta = try need(1, "meta")
                let nw = Int(try meta.u32("wires")), po = Int(try meta.u32("public outputs"))
                let pi = Int(try meta.u32("public inputs")), pv = Int(try meta.u32("private inputs"))
                let m = Int(try meta.u32("constraints")), n = Int(try meta.u32("domain size"))
                let labels = try meta.u64("labels")
                guard po + pi + 1 <= nw else { throw FormatError(file: file, field: "meta", "\(po + pi) public values but \(nw) wires") }
                var fixed = try need(2, "fixed points")
                let g1s = try (0..<3).map { try fixed.g1("fixed G1 \($0)") }
                let g2s = try (0..<3).map { try fixed.g2("fixed G2 \($0)") }
                for (i, p) in g2s.enumerated() where !p.isInSubgroup {
                    throw FormatError(file: file, field: "fixed G2 \(i)", "point is not in the prime-order subgroup")
                }
                func g1Array(_ t: UInt32, _ name: String) throws -> [G1Affine] {
                    var s = try need(t, name)
                    let c = Int(try s.u32("\(name) count"))
                    guard c * 64 <= s.remaining else { throw FormatError(file: file, field: name, "truncated: \(c) points claimed") }
                    let pts = try s.items(c, size: 64, placeholder: G1Affine.infinity, threads: threads) { try $0.g1(name) }
                    guard s.remaining == 0 else { throw FormatError(file: file, field: name, "\(s.remaining) unexpected bytes at the end of the section") }
                    return pts
                }
                let ic = try g1Array(3, "IC"), a = try g1Array(4, "A"), b1 = try g1Array(5, "B1")
                let l = try g1Array(7, "L"), h = try g1Array(8, "H")
                var s6 = try need(6, "B2")
                let c6 = Int(try s6.u32("B2 count"))
                guard c6 * 128 <= s6.remaining else { throw FormatError(file: file, field: "B2", "truncated: \(c6) points claimed") }
                let b2 = try s6.items(c6, size: 128, placeholder: G2Affine.infinity, threads: threads) { try $0.g2("B2") }
                for (name, sec) in [("meta", meta), ("fixed points", fixed), ("B2", s6)] where sec.remaining != 0 {
                    throw FormatError(file: file, field: name, "\(sec.remaining) unexpected bytes at the end of the section")
                }
                // The shape checks need only the counts; the constraints come later.
                let shape = R1CS(numWires: nw, numPublicOutputs: po, numPublicInputs: pi, numPrivateInputs: pv,
                                 constraints: [], wireToLabel: [], numLabels: labels)
                let vk = VerifyingKey(alpha: g1s[0], beta: g2s[0], gamma: g2s[1], delta: g2s[2], ic: ic)
                let pk = ProvingKey(verifyingKey: vk, alphaG1: g1s[0], betaG1: g1s[1], deltaG1: g1s[2], betaG2: g2s[0],
                                    deltaG2: g2s[2], a: a, bG1: b1, bG2: b2, l: l, h: h, domainSize: n, r1cs: shape)
                try pk.validateShape(file: file, constraints: m)
                let s9 = try need(9, "constraints"), s10 = try need(10, "wire labels")
                try checkDigest()
                return (pk, (nw, po, pi, pv, m, labels), Array(s9.rest), Array(s10.rest))
            } catch {
                try checkDigest()
                throw error
            }
        }
        (points, meta, constraintBytes, labelBytes) = (parsed.0, parsed.1, parsed.2, parsed.3)
    }

    /// The key with its constraint system parsed from the file.
    public func key() throws -> ProvingKey {
        let constraints = try constraintBytes.withUnsafeBytes { raw in
            var s9 = ByteReader(raw, file: file)
            var constraints = [R1CS.Constraint]()
            constraints.reserveCapacity(min(meta.constraints, raw.count / 12))
            // Constraint k's linear combination `part` (A, B or C).
            func combination(_ k: Int, _ part: StaticString) throws -> R1CS.LinearCombination {
                let t = Int(try s9.u32("constraint \(k) \(part)"))
                guard t * 36 <= s9.remaining else { throw FormatError(file: file, field: "constraint \(k) \(part)", "truncated") }
                var ws = [UInt32](), cs = [Fr]()
                ws.reserveCapacity(t); cs.reserveCapacity(t)
                for _ in 0..<t {
                    let w = try s9.u32("constraint \(k) \(part)")
                    guard Int(w) < meta.wires else {
                        throw FormatError(file: file, field: "constraint \(k) \(part)", "wire \(w) ≥ \(meta.wires) wires")
                    }
                    ws.append(w); cs.append(try s9.fr("constraint \(k) \(part)"))
                }
                return R1CS.LinearCombination(wires: ws, coefficients: cs)
            }
            for k in 0..<meta.constraints {
                constraints.append(R1CS.Constraint(a: try combination(k, "A"), b: try combination(k, "B"), c: try combination(k, "C")))
            }
            if s9.remaining != 0 {
                throw FormatError(file: file, field: "constraints", "\(s9.remaining) unexpected bytes at the end of the section")
            }
            return constraints
        }
        let wl = try labelBytes.withUnsafeBytes { raw in
            var s10 = ByteReader(raw, file: file)
            let wl = try (0..<meta.wires).map { _ in try s10.u64("wire labels") }
            if s10.remaining != 0 {
                throw FormatError(file: file, field: "wire labels", "\(s10.remaining) unexpected bytes at the end of the section")
            }
            return wl
        }
        let cs = R1CS(numWires: meta.wires, numPublicOutputs: meta.publicOutputs, numPublicInputs: meta.publicInputs,
                      numPrivateInputs: meta.privateInputs, constraints: constraints, wireToLabel: wl, numLabels: meta.labels)
        do { try cs.validate() } catch let e as FormatError { throw e.at(file: file) }
        var pk = points
        pk.r1cs = cs
        return pk
    }

    /// The key with `r1cs` as its constraint system when the file holds exactly that system
    /// (counts, every term, wire labels); nil when it holds another.
    public func key(matching r1cs: R1CS) -> ProvingKey? {
        guard meta.wires == r1cs.numWires, meta.publicOutputs == r1cs.numPublicOutputs,
              meta.publicInputs == r1cs.numPublicInputs, meta.privateInputs == r1cs.numPrivateInputs,
              meta.constraints == r1cs.constraints.count, meta.labels == r1cs.numLabels,
              labelBytes.count == 8 * r1cs.numWires, constraintsMatch(r1cs) else { return nil }
        let labelsMatch = labelBytes.withUnsafeBytes { raw in
            r1cs.wireToLabel.enumerated().allSatisfy { i, l in raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self) == l.littleEndian }
        }
        guard labelsMatch else { return nil }
        var pk = points
        pk.r1cs = r1cs
        return pk
    }

    /// Whether section 9 is byte for byte the encoding of r1cs's constraints.
    func constraintsMatch(_ r1cs: R1CS) -> Bool {
        constraintBytes.withUnsafeBytes { raw in
            var o = 0
            let end = raw.count
            @inline(__always) func next32() -> UInt32? {
                guard o + 4 <= end else { return nil }
                defer { o += 4 }
                return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
            }
            @inline(__always) func next64() -> UInt64? {
                guard o + 8 <= end else { return nil }
                defer { o += 8 }
                return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
            }
            for c in r1cs.constraints {
                for lc in [c.a, c.b, c.c] {
                    guard next32() == UInt32(lc.wires.count) else { return false }
                    for i in 0..<lc.wires.count {
                        let v = lc.coefficients[i].v
                        guard next32() == lc.wires[i], next64() == v.0, next64() == v.1,
                              next64() == v.2, next64() == v.3 else { return false }
                    }
                }
            }
            return o == end
        }
    }
}

/// SHA-256 through OpenSSL's libcrypto.
func sha256<B: ContiguousBytes>(_ bytes: B) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    bytes.withUnsafeBytes { raw in
        _ = SHA256(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out)
    }
    return out
}

/// Little-endian writer for the binary formats.
struct ByteWriter {
    var data = [UInt8]()
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    /// Overwrites the u64 at `offset` (a section's length, once its body is written).
    mutating func setU64(_ v: UInt64, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { b in for i in 0..<8 { data[offset + i] = b[i] } }
    }
    mutating func limbs(_ l: (UInt64, UInt64, UInt64, UInt64)) {
        #if _endian(little)
        withUnsafeBytes(of: l) { data.append(contentsOf: $0) }  // the four limbs, little-endian, in one copy
        #else
        u64(l.0); u64(l.1); u64(l.2); u64(l.3)
        #endif
    }
    mutating func fr(_ x: Fr) { limbs(x.v) }
    mutating func g1(_ p: G1Affine) {
        if p.isInfinity { bytes([UInt8](repeating: 0, count: 64)); return }
        limbs(p.x.v); limbs(p.y.v)
    }
    mutating func g2(_ p: G2Affine) {
        if p.isInfinity { bytes([UInt8](repeating: 0, count: 128)); return }
        limbs(p.x.c0.v); limbs(p.x.c1.v); limbs(p.y.c0.v); limbs(p.y.c1.v)
    }
}

/// Bounds-checked little-endian reader over raw bytes; every failure names the field. The
/// field names are autoclosures, built only for an error: the constraint section names every
/// term's constraint, and formatting those names cost more than reading the terms.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    let file: String
    var offset: Int
    let end: Int

    init(_ raw: UnsafeRawBufferPointer, file: String) { base = raw; self.file = file; offset = 0; end = raw.count }
    init(_ raw: UnsafeRawBufferPointer, file: String, offset: Int, end: Int) { base = raw; self.file = file; self.offset = offset; self.end = end }

    var remaining: Int { end - offset }
    /// The bytes not read yet.
    var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: base[offset..<end]) }

    mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws -> Int {
        guard n >= 0, n <= remaining else { throw FormatError(file: file, field: field(), "truncated: needs \(n) bytes, \(remaining) left") }
        defer { offset += n }
        return offset
    }
    mutating func bytes(_ n: Int, _ field: @autoclosure () -> String) throws -> [UInt8] {
        let o = try take(n, field()); return Array(base[o..<(o + n)])
    }
    mutating func sub(_ n: Int, _ field: @autoclosure () -> String) throws -> ByteReader {
        let o = try take(n, field()); return ByteReader(base, file: file, offset: o, end: o + n)
    }
    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 {
        let o = try take(4, field()); return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }
    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 {
        let o = try take(8, field()); return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }
    mutating func limbs(_ field: @autoclosure () -> String) throws -> (UInt64, UInt64, UInt64, UInt64) {
        (try u64(field()), try u64(field()), try u64(field()), try u64(field()))
    }
    mutating func montgomery<P: PrimeFieldParameters>(_: P.Type, _ field: @autoclosure () -> String) throws -> PrimeField<P> {
        let l = try limbs(field())
        let m = P.modulus
        let below = l.3 != m.3 ? l.3 < m.3 : l.2 != m.2 ? l.2 < m.2 : l.1 != m.1 ? l.1 < m.1 : l.0 < m.0
        guard below else { throw FormatError(file: file, field: field(), "non-canonical \(P.name) element") }
        return PrimeField<P>(montgomery: l)
    }
    mutating func fr(_ field: @autoclosure () -> String) throws -> Fr { try montgomery(FrParameters.self, field()) }
    mutating func g1(_ field: @autoclosure () -> String) throws -> G1Affine {
        let x = try montgomery(FqParameters.self, field()), y = try montgomery(FqParameters.self, field())
        if x.isZero && y.isZero { return .infinity }
        let p = G1Affine(x: x, y: y)
        guard p.isOnCurve else { throw FormatError(file: file, field: field(), "point is not on the curve") }
        return p
    }

    /// `count` items of `size` bytes each, decoded in contiguous chunks over the threads
    /// (`parallelChunks`); the error of the earliest failing chunk is thrown, as a serial read would.
    mutating func items<T>(_ count: Int, size: Int, placeholder: T, threads: Int,
                           _ decode: (inout ByteReader) throws -> T) throws -> [T] {
        let start = try take(count * size, "\(count) items")
        var out = [T](repeating: placeholder, count: count)
        var errors = [Error?](repeating: nil, count: max(1, threads))
        let (base, file) = (self.base, self.file)
        out.withUnsafeMutableBufferPointer { ob in
            errors.withUnsafeMutableBufferPointer { eb in
                let o = ob.baseAddress!, e = eb.baseAddress!
                parallelChunks(count, threads: threads) { c, lo, hi in
                    var r = ByteReader(base, file: file, offset: start + lo * size, end: start + hi * size)
                    do { for i in lo..<hi { o[i] = try decode(&r) } } catch { e[c] = error }
                }
            }
        }
        if let first = errors.lazy.compactMap({ $0 }).first { throw first }
        return out
    }

    mutating func g2(_ field: @autoclosure () -> String) throws -> G2Affine {
        let x = Fq2(try montgomery(FqParameters.self, field()), try montgomery(FqParameters.self, field()))
        let y = Fq2(try montgomery(FqParameters.self, field()), try montgomery(FqParameters.self, field()))
        if x.isZero && y.isZero { return .infinity }
        let p = G2Affine(x: x, y: y)
        guard p.isOnCurve else { throw FormatError(file: file, field: field(), "point is not on the curve") }
        return p
    }
}
