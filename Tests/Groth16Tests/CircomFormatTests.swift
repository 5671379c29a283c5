import Algebra
import Foundation
import Groth16
import Verifier
import XCTest
import TestSupport


/// Little-endian byte building straight from the format description, independent of the
/// library's writer.
private struct Bytes {
    var b: [UInt8] = []
    mutating func ascii(_ s: String) { b += Array(s.utf8) }
    mutating func u32(_ v: UInt32) { b += (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    mutating func u64(_ v: UInt64) { b += (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    /// A decimal number as n8 bytes little-endian (no reduction: lets tests write values ≥ r).
    mutating func num(_ decimal: String, n8: Int = 32) { b += BigUInt(decimal: decimal)!.bigEndianBytes(count: n8).reversed() }
    mutating func section(_ type: UInt32, _ payload: [UInt8]) { u32(type); u64(UInt64(payload.count)); b += payload }
}

private let rDecimal = "21888242871839275222246405745257275088548364400416034343698204186575808495617"
private let rMinus3 = "21888242871839275222246405745257275088548364400416034343698204186575808495614"
private let bls12381r = "52435875175126190479447740508185965837690552500527637822603658699938581184513"

final class CircomFormatTests: XCTestCase {
    // MARK: Fixtures

    /// Wires: 0 one, 1 out, 2 x (public input), 3 y (private input), 4 z.
    /// x·y = z, z·z = out, (x − 3·one)·y = 0 (empty C, and a large coefficient r − 3).
    static func sampleR1CS() -> R1CS {
        typealias LC = R1CS.LinearCombination
        let minus3 = Fr.zero - Fr(3)
        return R1CS(
            numWires: 5, numPublicOutputs: 1, numPublicInputs: 1, numPrivateInputs: 1,
            constraints: [
                .init(a: LC([(2, .one)]), b: LC([(3, .one)]), c: LC([(4, .one)])),
                .init(a: LC([(4, .one)]), b: LC([(4, .one)]), c: LC([(1, .one)])),
                .init(a: LC([(2, .one), (0, minus3)]), b: LC([(3, Fr(1))]), c: LC()),
            ],
            wireToLabel: [0, 1, 2, 3, 7], numLabels: 9)
    }

    /// x = 3, y = 11, z = 33, out = 1089.
    static func sampleWitness() -> Witness {
        Witness(values: [Fr(1), Fr(1089), Fr(3), Fr(11), Fr(33)])
    }

    /// The sample R1CS written by hand from the spec, sections in the given order
    /// (1 header, 2 constraints, 3 wire2label, 4 an unknown custom-gates section).
    static func specR1CSBytes(order: [UInt32] = [1, 2, 3]) -> [UInt8] {
        var h = Bytes()
        h.u32(32); h.num(rDecimal)
        h.u32(5); h.u32(1); h.u32(1); h.u32(1); h.u64(9); h.u32(3)
        var c = Bytes()
        func row(_ terms: [(UInt32, String)]) {
            c.u32(UInt32(terms.count))
            for (w, v) in terms { c.u32(w); c.num(v) }
        }
        row([(2, "1")]); row([(3, "1")]); row([(4, "1")])
        row([(4, "1")]); row([(4, "1")]); row([(1, "1")])
        row([(2, "1"), (0, rMinus3)]); row([(3, "1")]); row([])
        var l = Bytes()
        for v: UInt64 in [0, 1, 2, 3, 7] { l.u64(v) }
        let payloads: [UInt32: [UInt8]] = [1: h.b, 2: c.b, 3: l.b, 4: [1, 0, 0, 0, 0xAA, 0xBB, 0xCC]]
        var f = Bytes()
        f.ascii("r1cs"); f.u32(1); f.u32(UInt32(order.count))
        for t in order { f.section(t, payloads[t]!) }
        return f.b
    }

    static func specWtnsBytes(values: [String] = ["1", "1089", "3", "11", "33"], nWitness: UInt32? = nil,
                              n8: UInt32 = 32, prime: String = rDecimal, version: UInt32 = 2) -> [UInt8] {
        var h = Bytes()
        h.u32(n8); h.num(prime, n8: Int(n8)); h.u32(nWitness ?? UInt32(values.count))
        var v = Bytes()
        for x in values { v.num(x) }
        var f = Bytes()
        f.ascii("wtns"); f.u32(version); f.u32(2)
        f.section(1, h.b); f.section(2, v.b)
        return f.b
    }

    /// Runs `body`, requiring it to throw a FormatError; returns it.
    func formatError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> FormatError? {
        do {
            try body()
            XCTFail("expected a FormatError, decoding succeeded", file: file, line: line)
        } catch let e as FormatError {
            return e
        } catch {
            XCTFail("expected a FormatError, got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    /// Asserts that decoding `bytes` as .r1cs fails with a FormatError whose field contains `field`
    /// and whose full description contains every string in `mentions`.
    func assertR1CSRejects(_ bytes: [UInt8], field: String, _ mentions: String..., file: StaticString = #filePath, line: UInt = #line) {
        guard let e = formatError({ _ = try R1CS(circomBytes: bytes, file: "t.r1cs") }, file: file, line: line) else { return }
        XCTAssertEqual(e.file, "t.r1cs", file: file, line: line)
        XCTAssertTrue(e.field.contains(field), "field \"\(e.field)\" should mention \"\(field)\" (\(e))", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(e.description.contains(m), "\"\(e)\" should mention \"\(m)\"", file: file, line: line)
        }
    }

    func assertWtnsRejects(_ bytes: [UInt8], field: String, _ mentions: String..., file: StaticString = #filePath, line: UInt = #line) {
        guard let e = formatError({ _ = try Witness(wtnsBytes: bytes, file: "t.wtns") }, file: file, line: line) else { return }
        XCTAssertEqual(e.file, "t.wtns", file: file, line: line)
        XCTAssertTrue(e.field.contains(field), "field \"\(e.field)\" should mention \"\(field)\" (\(e))", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(e.description.contains(m), "\"\(e)\" should mention \"\(m)\"", file: file, line: line)
        }
    }

    /// Rebuilds a spec r1cs with one header field changed.
    static func r1csWithHeader(n8: UInt32 = 32, prime: String = rDecimal, nWires: UInt32 = 5, nPubOut: UInt32 = 1,
                               nPubIn: UInt32 = 1, nPrvIn: UInt32 = 1, nLabels: UInt64 = 9, m: UInt32 = 3,
                               constraints: [UInt8]? = nil, labels: [UInt64] = [0, 1, 2, 3, 7]) -> [UInt8] {
        var h = Bytes()
        h.u32(n8); h.num(prime, n8: Int(n8))
        h.u32(nWires); h.u32(nPubOut); h.u32(nPubIn); h.u32(nPrvIn); h.u64(nLabels); h.u32(m)
        var l = Bytes()
        for v in labels { l.u64(v) }
        var f = Bytes()
        f.ascii("r1cs"); f.u32(1); f.u32(3)
        f.section(1, h.b); f.section(2, constraints ?? sampleConstraintPayload()); f.section(3, l.b)
        return f.b
    }

    static func sampleConstraintPayload() -> [UInt8] {
        let bytes = specR1CSBytes(order: [2])
        return Array(bytes[24...])  // magic, version, nSections, one section header
    }

    // MARK: Round trips and spec conformance

    func testR1CSRoundTrip() throws {
        let r = Self.sampleR1CS()
        XCTAssertNoThrow(try r.validate())
        let decoded = try R1CS(circomBytes: r.circomBytes())
        XCTAssertEqual(decoded, r)
        XCTAssertEqual(decoded.circomBytes(), r.circomBytes())
        XCTAssertNil(decoded.firstUnsatisfied(Self.sampleWitness().values))
    }

    func testWitnessRoundTrip() throws {
        let w = Self.sampleWitness()
        let decoded = try Witness(wtnsBytes: w.wtnsBytes())
        XCTAssertEqual(decoded, w)
        XCTAssertNoThrow(try decoded.validate(for: Self.sampleR1CS()))
        // Large values survive too.
        let big = Witness(values: [Fr.one, Fr.zero - Fr.one, Fr(UInt64.max), Fr.zero])
        XCTAssertEqual(try Witness(wtnsBytes: big.wtnsBytes()), big)
    }

    func testFileRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkshard-circom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rPath = dir.appendingPathComponent("c.r1cs").path, wPath = dir.appendingPathComponent("w.wtns").path
        try Self.sampleR1CS().writeCircom(to: rPath)
        try Self.sampleWitness().write(to: wPath)
        XCTAssertEqual(try R1CS(contentsOfCircomFile: rPath), Self.sampleR1CS())
        XCTAssertEqual(try Witness(contentsOfWtnsFile: wPath), Self.sampleWitness())

        // Errors from files name the path.
        try Data([0x72, 0x31, 0x63, 0x73, 2, 0, 0, 0]).write(to: URL(fileURLWithPath: rPath))
        let e = formatError { _ = try R1CS(contentsOfCircomFile: rPath) }
        XCTAssertEqual(e?.file, rPath)
        XCTAssertEqual(e?.field, "version")
        let missing = formatError { _ = try Witness(contentsOfWtnsFile: dir.appendingPathComponent("nope.wtns").path) }
        XCTAssertEqual(missing?.file, dir.appendingPathComponent("nope.wtns").path)
    }

    /// The reader against bytes written by hand from the spec, not by our writer; and the
    /// writer's output against those bytes.
    func testReadsHandMadeSpecBytes() throws {
        let expected = Self.sampleR1CS()
        XCTAssertEqual(try R1CS(circomBytes: Self.specR1CSBytes()), expected)
        XCTAssertEqual(expected.circomBytes(), Self.specR1CSBytes(), "writer emits sections 1, 2, 3 exactly as specified")
        // Any section order; unknown section types (custom gates, 4) skipped.
        XCTAssertEqual(try R1CS(circomBytes: Self.specR1CSBytes(order: [3, 4, 2, 1])), expected)
        XCTAssertEqual(try R1CS(circomBytes: Self.specR1CSBytes(order: [2, 4, 1, 3])), expected)

        XCTAssertEqual(try Witness(wtnsBytes: Self.specWtnsBytes()), Self.sampleWitness())
        XCTAssertEqual(Self.sampleWitness().wtnsBytes(), Self.specWtnsBytes())
        let big = try Witness(wtnsBytes: Self.specWtnsBytes(values: ["1", rMinus3]))
        XCTAssertEqual(big.values[1], Fr.zero - Fr(3))
    }

    // MARK: .r1cs rejections

    func testR1CSRejectsMagicAndVersion() {
        var b = Self.specR1CSBytes()
        b[3] = UInt8(ascii: "x")
        assertR1CSRejects(b, field: "magic", "r1cs")
        var v = Self.specR1CSBytes()
        v[4] = 2
        assertR1CSRejects(v, field: "version", "2")
        assertR1CSRejects(Array(Self.specWtnsBytes()), field: "magic", "wtns")
        assertR1CSRejects([], field: "magic", "truncated")
    }

    func testR1CSRejectsEveryTruncation() {
        let full = Self.specR1CSBytes()
        for n in 0..<full.count {
            _ = formatError({ _ = try R1CS(circomBytes: Array(full[..<n])) })
        }
        // Cut inside the constraints section, but with the section sizes left as they were:
        // the declared size overruns the file.
        let cut = Array(full[..<(full.count - 60)])
        assertR1CSRejects(cut, field: "size", "truncated")
    }

    func testR1CSRejectsSectionSizeMismatch() {
        // Header section one byte longer than its content.
        var h = Bytes()
        h.u32(32); h.num(rDecimal); h.u32(5); h.u32(1); h.u32(1); h.u32(1); h.u64(9); h.u32(3); h.b.append(0)
        var l = Bytes()
        for v: UInt64 in [0, 1, 2, 3, 7] { l.u64(v) }
        var f = Bytes()
        f.ascii("r1cs"); f.u32(1); f.u32(3)
        f.section(1, h.b); f.section(2, Self.sampleConstraintPayload()); f.section(3, l.b)
        assertR1CSRejects(f.b, field: "header section", "does not match")
        // Header section too short.
        var g = Bytes()
        g.ascii("r1cs"); g.u32(1); g.u32(3)
        g.section(1, Array(h.b[..<50])); g.section(2, Self.sampleConstraintPayload()); g.section(3, l.b)
        assertR1CSRejects(g.b, field: "header", "truncated")
        // Constraints section with trailing bytes.
        assertR1CSRejects(Self.r1csWithHeader(constraints: Self.sampleConstraintPayload() + [0, 0, 0, 0]),
                          field: "constraints section", "does not match")
        // Trailing garbage after the last section.
        assertR1CSRejects(Self.specR1CSBytes() + [0], field: "nSections", "after the last")
        // nSections claims more sections than present.
        var more = Self.specR1CSBytes()
        more[8] = 4
        assertR1CSRejects(more, field: "section 3", "nSections")
    }

    func testR1CSRejectsMissingAndDuplicateSections() {
        assertR1CSRejects(Self.specR1CSBytes(order: [2, 3]), field: "header section", "missing")
        assertR1CSRejects(Self.specR1CSBytes(order: [1, 3, 4]), field: "constraints section", "missing")
        assertR1CSRejects(Self.specR1CSBytes(order: [1, 2, 4]), field: "wire2label section", "missing")
        assertR1CSRejects(Self.specR1CSBytes(order: [1, 2, 3, 3]), field: "wire2label section", "2 times")
        assertR1CSRejects(Self.specR1CSBytes(order: [1, 2, 1]), field: "header section", "2 times")
        XCTAssertNoThrow(try R1CS(circomBytes: Self.specR1CSBytes(order: [1, 4, 2, 4, 3])), "unknown sections may repeat")
    }

    func testR1CSRejectsFieldParameters() {
        assertR1CSRejects(Self.r1csWithHeader(n8: 48, prime: bls12381r), field: "header.n8", "48")
        assertR1CSRejects(Self.r1csWithHeader(prime: bls12381r), field: "header.prime", "BN254", bls12381r)
        assertR1CSRejects(Self.r1csWithHeader(prime: "21888242871839275222246405745257275088696311157297823662689037894645226208583"),
                          field: "header.prime", "BN254")
    }

    func testR1CSRejectsBadTerms() {
        // Wire id ≥ nWires.
        var c = Bytes()
        c.u32(1); c.u32(5); c.num("1"); c.u32(0); c.u32(0)
        assertR1CSRejects(Self.r1csWithHeader(m: 1, constraints: c.b), field: "constraint 0.A[0].wireId", "out of range")
        // Coefficient = r and r + 1 (non-canonical), and 2^256 − 1.
        for v in [rDecimal, "21888242871839275222246405745257275088548364400416034343698204186575808495618",
                  "115792089237316195423570985008687907853269984665640564039457584007913129639935"] {
            var d = Bytes()
            d.u32(0); d.u32(2); d.u32(1); d.num("1"); d.u32(4); d.num(v); d.u32(0)
            assertR1CSRejects(Self.r1csWithHeader(m: 1, constraints: d.b), field: "constraint 0.B[1].coefficient", "non-canonical")
        }
        // nTerms overrunning the section.
        var e = Bytes()
        e.u32(0); e.u32(3); e.u32(1); e.num("1"); e.u32(0)
        assertR1CSRejects(Self.r1csWithHeader(m: 1, constraints: e.b), field: "constraint 0.B.nTerms", "truncated")
    }

    func testR1CSRejectsBadCounts() {
        assertR1CSRejects(Self.r1csWithHeader(nPubOut: 3, nPubIn: 2, nPrvIn: 0), field: "header.nPubOut", "nWires")
        assertR1CSRejects(Self.r1csWithHeader(nWires: 0, labels: []), field: "header.nWires")
        assertR1CSRejects(Self.r1csWithHeader(nPrvIn: 3), field: "header.nPrvIn")
        assertR1CSRejects(Self.r1csWithHeader(nLabels: 4), field: "header.nLabels")
        assertR1CSRejects(Self.r1csWithHeader(labels: [0, 1, 2, 3, 9]), field: "wire2label[4]", "nLabels")
        // Constraint count mismatch either way.
        assertR1CSRejects(Self.r1csWithHeader(m: 4), field: "constraint 3", "3 of 4", "mConstraints")
        assertR1CSRejects(Self.r1csWithHeader(m: 2), field: "constraints section", "mConstraints")
        // wire2label count ≠ nWires.
        assertR1CSRejects(Self.r1csWithHeader(labels: [0, 1, 2, 3]), field: "wire2label", "nWires")
        assertR1CSRejects(Self.r1csWithHeader(labels: [0, 1, 2, 3, 4, 5]), field: "wire2label", "nWires")
        var odd = Bytes()
        odd.ascii("r1cs"); odd.u32(1); odd.u32(3)
        let ok = Self.specR1CSBytes(order: [1])
        odd.b += ok[12...]
        odd.section(2, Self.sampleConstraintPayload()); odd.section(3, [UInt8](repeating: 0, count: 39))
        assertR1CSRejects(odd.b, field: "wire2label", "nWires")
    }

    /// Absurd counts fail fast, before any allocation proportional to the claim.
    func testR1CSAbsurdCountsFailFast() {
        let start = Date()
        // A 20-byte file claiming 2^32 − 1 sections.
        var s = Bytes()
        s.ascii("r1cs"); s.u32(1); s.u32(.max); s.u32(1); s.u32(0)
        XCTAssertEqual(s.b.count, 20)
        assertR1CSRejects(s.b, field: "nSections", "4294967295")
        // Header claiming 2^32 − 1 constraints with an empty constraints section.
        assertR1CSRejects(Self.r1csWithHeader(m: .max, constraints: []), field: "header.mConstraints", "4294967295")
        // A term count of 2^32 − 1.
        var t = Bytes()
        t.u32(.max)
        assertR1CSRejects(Self.r1csWithHeader(m: 1, constraints: t.b + [0, 0, 0, 0, 0, 0, 0, 0]), field: "nTerms", "truncated")
        // A section size of 2^64 − 1.
        var z = Bytes()
        z.ascii("r1cs"); z.u32(1); z.u32(1); z.u32(1); z.u64(.max)
        assertR1CSRejects(z.b, field: "size", "truncated")
        // nWires = 2^32 − 1 with a tiny wire2label section.
        assertR1CSRejects(Self.r1csWithHeader(nWires: .max, nLabels: .max), field: "wire2label", "nWires")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testValidateRejectsInconsistentValues() {
        var r = Self.sampleR1CS()
        r.constraints[1].b.wires[0] = 5
        XCTAssertEqual(formatError { try r.validate() }?.field, "constraint 1.B[0].wireId")
        r = Self.sampleR1CS()
        r.wireToLabel = [0, 1]
        XCTAssertEqual(formatError { try r.validate() }?.field, "wire2label")
        r = Self.sampleR1CS()
        r.numPublicInputs = 4
        XCTAssertEqual(formatError { try r.validate() }?.field, "header.nPubOut")
        r = Self.sampleR1CS()
        r.constraints[0].c.coefficients.append(.one)
        XCTAssertEqual(formatError { try r.validate() }?.field, "constraint 0.C")
    }

    // MARK: .wtns rejections

    func testWtnsRejections() {
        var m = Self.specWtnsBytes()
        m[0] = UInt8(ascii: "W")
        assertWtnsRejects(m, field: "magic", "wtns")
        assertWtnsRejects(Self.specR1CSBytes(), field: "magic")
        assertWtnsRejects(Self.specWtnsBytes(version: 1), field: "version", "1")
        assertWtnsRejects(Self.specWtnsBytes(n8: 48, prime: bls12381r), field: "header.n8", "48")
        assertWtnsRejects(Self.specWtnsBytes(prime: bls12381r), field: "header.prime", "BN254")
        assertWtnsRejects(Self.specWtnsBytes(values: ["1", rDecimal]), field: "values[1]", "non-canonical")
        assertWtnsRejects(Self.specWtnsBytes(nWitness: 6), field: "values section", "nWitness")
        assertWtnsRejects(Self.specWtnsBytes(nWitness: 4), field: "values section", "nWitness")
        assertWtnsRejects(Self.specWtnsBytes(nWitness: .max), field: "values section", "nWitness")
        let full = Self.specWtnsBytes()
        for n in 0..<full.count { _ = formatError({ _ = try Witness(wtnsBytes: Array(full[..<n])) }) }
        assertWtnsRejects(Array(full[..<(full.count - 1)]), field: "size", "truncated")

        // Missing / duplicate sections, built by hand.
        var h = Bytes()
        h.u32(32); h.num(rDecimal); h.u32(1)
        var v = Bytes()
        v.num("1")
        func file(_ sections: [(UInt32, [UInt8])]) -> [UInt8] {
            var f = Bytes()
            f.ascii("wtns"); f.u32(2); f.u32(UInt32(sections.count))
            for (t, p) in sections { f.section(t, p) }
            return f.b
        }
        XCTAssertEqual(try Witness(wtnsBytes: file([(2, v.b), (1, h.b)])).values, [Fr.one])
        assertWtnsRejects(file([(2, v.b)]), field: "header section", "missing")
        assertWtnsRejects(file([(1, h.b)]), field: "values section", "missing")
        assertWtnsRejects(file([(1, h.b), (2, v.b), (2, v.b)]), field: "values section", "2 times")
        assertWtnsRejects(file([(1, h.b + [0]), (2, v.b)]), field: "header section", "does not match")
    }

    func testWitnessValidateForR1CS() {
        let r = Self.sampleR1CS()
        var w = Self.sampleWitness()
        w.values.removeLast()
        let e = formatError { try w.validate(for: r) }
        XCTAssertEqual(e?.field, "header.nWitness")
        XCTAssertTrue(e?.message.contains("5 wires") ?? false)
        w = Self.sampleWitness()
        w.values[0] = Fr(2)
        XCTAssertEqual(formatError { try w.validate(for: r) }?.field, "values[0]")
        XCTAssertEqual(formatError { try Witness(values: []).validate(for: r) }?.field, "header.nWitness")
    }

    // MARK: Random mutations

    /// Every mutated file either decodes to something that passes validation, or throws a
    /// FormatError; never traps, hangs or throws anything else.
    func testRandomMutationsNeverCrash() {
        var rng = SeededRNG(seed: 0x5EED_C1C0_2024)
        let r1cs = Self.specR1CSBytes(order: [1, 4, 2, 3])
        let wtns = Self.specWtnsBytes()
        var decoded = 0, rejected = 0
        let start = Date()
        for i in 0..<2_000 {
            let isR1CS = i % 2 == 0
            var b = isR1CS ? r1cs : wtns
            let rounds = 1 + Int(rng.next() % 3)
            for _ in 0..<rounds { mutate(&b, &rng) }
            do {
                if isR1CS {
                    let r = try R1CS(circomBytes: b)
                    try r.validate()
                    XCTAssertEqual(try R1CS(circomBytes: r.circomBytes()), r)
                } else {
                    let w = try Witness(wtnsBytes: b)
                    XCTAssertEqual(try Witness(wtnsBytes: w.wtnsBytes()), w)
                }
                decoded += 1
            } catch is FormatError {
                rejected += 1
            } catch {
                XCTFail("mutation \(i): non-FormatError \(type(of: error)): \(error)")
            }
        }
        XCTAssertEqual(decoded + rejected, 2_000)
        XCTAssertGreaterThan(rejected, 500)
        XCTAssertGreaterThan(decoded, 20, "some mutations (e.g. of coefficients, labels) should still decode")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    private func mutate(_ b: inout [UInt8], _ rng: inout SeededRNG) {
        func index() -> Int { b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count)) }
        switch rng.next() % 7 {
        case 0, 1:  // flip bits in one byte
            guard !b.isEmpty else { return }
            b[index()] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
        case 2:  // random byte
            guard !b.isEmpty else { return }
            b[index()] = UInt8(truncatingIfNeeded: rng.next())
        case 3:  // truncate
            b.removeLast(b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count)) + 1)
        case 4:  // extend
            b += (0..<Int(1 + rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 5:  // a u32 somewhere (usually a count or id) to an extreme or small value
            guard b.count >= 4 else { return }
            let at = Int(rng.next() % UInt64(b.count - 3))
            let v: UInt32 = [0, 1, 2, 5, 0xFFFF_FFFF, 0x8000_0000, UInt32(truncatingIfNeeded: rng.next())][Int(rng.next() % 7)]
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        default:  // insert or delete a run in the middle
            let at = index()
            if rng.next() % 2 == 0 {
                b.insert(contentsOf: (0..<Int(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            } else {
                b.removeSubrange(at..<min(b.count, at + Int(1 + rng.next() % 8)))
            }
        }
    }
}
