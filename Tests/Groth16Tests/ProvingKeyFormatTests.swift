import Algebra
import Foundation
import Groth16
import Verifier
import XCTest

/// A plain SHA-256 (FIPS 180-4), only so the tests can re-seal mutated proving-key files with a
/// consistent digest. Checked against a known answer and against the library's own digests.
private func testSHA256(_ message: [UInt8]) -> [UInt8] {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var m = message
    m.append(0x80)
    while m.count % 64 != 56 { m.append(0) }
    let bits = UInt64(message.count) &* 8
    for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    for chunk in stride(from: 0, to: m.count, by: 64) {
        for i in 0..<16 {
            w[i] = (0..<4).reduce(UInt32(0)) { ($0 << 8) | UInt32(m[chunk + 4 * i + $1]) }
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
    }
    return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
}

/// Recomputes the trailing digest (the last 44 bytes are the digest section: u32 255, u64 32, 32 bytes).
private func resealed(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 44 else { return bytes }
    var b = bytes
    let body = b.count - 32
    b.replaceSubrange(body..<b.count, with: testSHA256(Array(b[0..<(body - 12)])))
    return b
}

/// A point on the twist y² = x³ + b' that is not in the order-r subgroup (x = k + u, k = 1, 2, …).
func g2PointOutsideSubgroup() -> G2Affine {
    for k in UInt64(1)... {
        let x = Fq2(Fq(k), .one)
        if let y = (x.squared() * x + BN254G2.b).sqrt() {
            let p = G2Affine(x: x, y: y)
            precondition(p.isOnCurve)
            if !p.isInSubgroup { return p }
        }
    }
    fatalError("unreachable")
}

final class ProvingKeyFormatTests: XCTestCase {
    static let circuit = G16Fixtures.random(seed: 0xBEEF, constraints: 12, outputs: 2, inputs: 1)
    static let key = try! G16Fixtures.setup(circuit.r1cs, salt: 3)
    static let bytes = [UInt8](key.binaryData())

    /// The section layout: (type, header offset, payload range).
    static let layout: [(type: UInt32, header: Int, payload: Range<Int>)] = {
        let b = bytes
        func u32(_ o: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
        func u64(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
        var out: [(UInt32, Int, Range<Int>)] = []
        var o = 12
        for _ in 0..<u32(8) {
            let len = Int(u64(o + 4))
            out.append((u32(o), o, (o + 12)..<(o + 12 + len)))
            o += 12 + len
        }
        precondition(o == b.count)
        return out
    }()

    func decode(_ b: [UInt8], file: String = "test.pk") throws -> ProvingKey {
        try ProvingKey(binaryData: Data(b), file: file)
    }

    /// Asserts decoding throws a FormatError naming `file` and (when given) exactly `field`.
    func assertRejects(_ b: [UInt8], field: String?, message: String? = nil, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(b), what, file: file, line: line) { e in
            guard let fe = e as? FormatError else { return XCTFail("\(what): not a FormatError: \(e)", file: file, line: line) }
            XCTAssertEqual(fe.file, "test.pk", what, file: file, line: line)
            if let f = field { XCTAssertEqual(fe.field, f, "\(what): \(fe)", file: file, line: line) }
            if let m = message { XCTAssertTrue(fe.message.contains(m), "\(what): \(fe)", file: file, line: line) }
        }
    }

    func testSHA256Helper() {
        XCTAssertEqual(testSHA256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(testSHA256([]).prefix(4), [0xe3, 0xb0, 0xc4, 0x42])
        // And it matches the library's digest of a real file.
        XCTAssertEqual(resealed(Self.bytes), Self.bytes)
    }

    func testLayout() {
        XCTAssertEqual(Array(Self.bytes[0..<4]), Array("zkpk".utf8))
        XCTAssertEqual(Self.layout.map { $0.type }, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255])
        XCTAssertEqual(Self.layout.last!.payload.count, 32)
    }

    func testRoundTrip() throws {
        let pk = Self.key
        let back = try decode(Self.bytes)
        XCTAssertEqual(back, pk)
        XCTAssertEqual([UInt8](back.binaryData()), Self.bytes, "re-encoding is byte-identical")
        // Through a file, and for other shapes (no public values, the cubic circuit, labels).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkshard-pk-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k.pk").path
        try pk.write(to: path)
        XCTAssertEqual(try ProvingKey(contentsOfFile: path), pk)
        XCTAssertThrowsError(try ProvingKey(contentsOfFile: path + ".missing")) { e in
            XCTAssertEqual((e as? FormatError)?.file, path + ".missing")
        }
        var cs = G16Fixtures.random(seed: 5, constraints: 7, outputs: 0, inputs: 0).r1cs
        cs.wireToLabel = cs.wireToLabel.map { $0 * 3 + 1 }
        cs.numLabels = 1000
        for k in [try G16Fixtures.setup(cs), Groth16EndToEndTests.cubicKey] {
            let back = try decode([UInt8](k.binaryData()))
            XCTAssertEqual(back, k)
            XCTAssertEqual(back.r1cs, k.r1cs)
        }
        // The decoded key still proves.
        let proof = try G16Fixtures.prove(back, Self.circuit.witness)
        XCTAssertTrue(try Groth16Verifier.verify(back.verifyingKey, proof: proof, publicInputs: Self.circuit.publicValues))
    }

    /// `key(matching:)` takes the caller's constraint system only when the file holds exactly
    /// it: any changed count, term, coefficient or wire label gives nil.
    func testKeyMatchingAcceptsOnlyTheSameConstraintSystem() throws {
        let file = try ProvingKeyFile(binaryData: Data(Self.bytes), file: "test.pk")
        let cs = Self.key.r1cs
        XCTAssertEqual(file.key(matching: cs), Self.key)
        XCTAssertEqual(try file.key(), Self.key)
        var variants: [(String, R1CS)] = []
        var c = cs; c.constraints[3].b.coefficients[0] = c.constraints[3].b.coefficients[0] + .one; variants.append(("coefficient", c))
        c = cs; c.constraints[5].a.wires[0] ^= 1; variants.append(("wire", c))
        c = cs; c.constraints[0].c = R1CS.LinearCombination(); variants.append(("dropped terms", c))
        c = cs; c.constraints.removeLast(); variants.append(("fewer constraints", c))
        c = cs; c.constraints.append(cs.constraints[0]); variants.append(("more constraints", c))
        c = cs; c.wireToLabel[2] += 7; variants.append(("wire label", c))
        c = cs; c.numLabels += 1; variants.append(("label count", c))
        c = cs; c.numPrivateInputs += 1; variants.append(("private inputs", c))
        c = cs; (c.constraints[1].a, c.constraints[1].b) = (c.constraints[1].b, c.constraints[1].a); variants.append(("A and B swapped", c))
        for (what, v) in variants where v != cs {
            XCTAssertNil(file.key(matching: v), what)
        }
    }

    func testRejectsWrongMagicAndVersion() {
        var b = Self.bytes
        b[0] = UInt8(ascii: "Z")
        assertRejects(b, field: "magic", "magic")
        b = Self.bytes
        b[3] = UInt8(ascii: "s")
        assertRejects(b, field: "magic", "magic")
        for v: UInt32 in [0, 2, 0x0100_0000, .max] {
            b = Self.bytes
            for i in 0..<4 { b[4 + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            assertRejects(b, field: "version", message: "version", "version \(v)")
            assertRejects(resealed(b), field: "version", "resealed version \(v)")
        }
        assertRejects([], field: "magic", "empty")
        assertRejects(Array("zkpk".utf8), field: "version", "magic only")
    }

    func testRejectsTruncation() {
        let b = Self.bytes
        var cuts = Array(stride(from: 0, to: b.count, by: 97))
        cuts += [b.count - 1, b.count - 32, b.count - 44, 12, 11] + Self.layout.map { $0.header }
        for n in cuts {
            XCTAssertThrowsError(try decode(Array(b[0..<n])), "cut at \(n)") { e in
                guard let fe = e as? FormatError else { return XCTFail("cut at \(n): \(e)") }
                XCTAssertFalse(fe.field.isEmpty, "cut at \(n): \(fe)")
            }
        }
        // Trailing garbage is refused too.
        assertRejects(b + [0], field: nil, message: "trailing", "one trailing byte")
    }

    func testFlippedByteAnywhereIsRejected() {
        let b = Self.bytes
        let payloads = Self.layout.filter { $0.type != 255 }.map { $0.payload }
        for i in 0..<b.count {
            for mask: UInt8 in [0x01, 0x80] {
                var m = b
                m[i] ^= mask
                let inPayload = payloads.contains { $0.contains(i) } || Self.layout.last!.payload.contains(i)
                if i >= 12 && inPayload {
                    assertRejects(m, field: "digest", message: "SHA-256", "byte \(i) ^ \(mask)")
                } else {
                    assertRejects(m, field: nil, "byte \(i) ^ \(mask)")
                }
            }
        }
    }

    // MARK: Digest-consistent files with bad contents (built by the library's own writer)

    func assertKeyRejected(_ pk: ProvingKey, field: String, message: String, _ what: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        let b = [UInt8](pk.binaryData())
        XCTAssertEqual(resealed(b), b, file: file, line: line)
        assertRejects(b, field: field, message: message, what, file: file, line: line)
    }

    func testRejectsNonCanonicalElementsWithValidDigest() {
        let fqP = Fq(montgomery: FqParameters.modulus)
        let fqMax = Fq(montgomery: (.max, .max, .max, .max))
        let frR = Fr(montgomery: FrParameters.modulus)
        let pk = Self.key
        var k = pk
        k.a[1] = G1Affine(x: fqP, y: k.a[1].y)
        assertKeyRejected(k, field: "A", message: "non-canonical", "A[1].x = p")
        k = pk
        k.h[k.h.count - 1] = G1Affine(x: k.h.last!.x, y: fqMax)
        assertKeyRejected(k, field: "H", message: "non-canonical", "H.last.y = 2^256-1")
        k = pk
        k.verifyingKey.ic[0] = G1Affine(x: fqP, y: fqP)
        assertKeyRejected(k, field: "IC", message: "non-canonical", "IC[0] = (p, p)")
        k = pk
        k.alphaG1 = G1Affine(x: fqP, y: k.alphaG1.y)
        assertKeyRejected(k, field: "fixed G1 0", message: "non-canonical", "alpha.x = p")
        k = pk
        k.deltaG1 = G1Affine(x: k.deltaG1.x, y: fqP)
        assertKeyRejected(k, field: "fixed G1 2", message: "non-canonical", "delta1.y = p")
        k = pk
        k.bG2[2] = G2Affine(x: Fq2(k.bG2[2].x.c0, fqP), y: k.bG2[2].y)
        assertKeyRejected(k, field: "B2", message: "non-canonical", "B2[2].x.c1 = p")
        k = pk
        k.verifyingKey.gamma = G2Affine(x: k.verifyingKey.gamma.x, y: Fq2(fqMax, k.verifyingKey.gamma.y.c1))
        assertKeyRejected(k, field: "fixed G2 1", message: "non-canonical", "gamma.y.c0")
        k = pk
        k.r1cs.constraints[3].b.coefficients[0] = frR
        assertKeyRejected(k, field: "constraint 3 B", message: "non-canonical", "coefficient = r")
        k = pk
        let last = k.r1cs.constraints.count - 1
        k.r1cs.constraints[last].c.coefficients[0] = Fr(montgomery: (.max, .max, .max, .max))
        assertKeyRejected(k, field: "constraint \(last) C", message: "non-canonical", "coefficient = 2^256-1")
    }

    func testRejectsPointsOffCurveOrSubgroupWithValidDigest() {
        let pk = Self.key
        let offG1 = G1Affine(x: Fq(1), y: Fq(3))
        let offG2 = G2Affine(x: Fq2(Fq(1), Fq(2)), y: Fq2(Fq(3), Fq(4)))
        XCTAssertFalse(offG1.isOnCurve)
        XCTAssertFalse(offG2.isOnCurve)
        let cases: [(String, String, (inout ProvingKey) -> Void)] = [
            ("IC", "IC[last]", { $0.verifyingKey.ic[$0.verifyingKey.ic.count - 1] = offG1 }),
            ("A", "A[0]", { $0.a[0] = offG1 }),
            ("B1", "B1[3]", { $0.bG1[3] = offG1 }),
            ("B2", "B2[0]", { $0.bG2[0] = offG2 }),
            ("L", "L[1]", { $0.l[1] = offG1 }),
            ("H", "H[5]", { $0.h[5] = offG1 }),
            ("fixed G1 1", "beta1", { $0.betaG1 = offG1 }),
            ("fixed G2 0", "beta2", { $0.betaG2 = offG2 }),
            ("fixed G2 2", "delta2", { $0.deltaG2 = offG2 }),
        ]
        for (field, what, f) in cases {
            var k = pk
            f(&k)
            assertKeyRejected(k, field: field, message: "not on the curve", what)
        }
        // (0, y) with y ≠ 0 is not the point at infinity and not on the curve.
        var k = pk
        k.a[2] = G1Affine(x: .zero, y: Fq(2))
        assertKeyRejected(k, field: "A", message: "not on the curve", "A[2] = (0, 2)")
        // The fixed G2 points are subgroup-checked.
        let rogue = g2PointOutsideSubgroup()
        k = pk
        k.verifyingKey.gamma = rogue
        assertKeyRejected(k, field: "fixed G2 1", message: "subgroup", "gamma outside the subgroup")
        k = pk
        k.deltaG2 = rogue
        assertKeyRejected(k, field: "fixed G2 2", message: "subgroup", "delta2 outside the subgroup")
        // On-curve replacements are fine (the format does not know the toxic waste).
        k = pk
        k.a[0] = -k.a[0]
        k.h[0] = .infinity
        XCTAssertEqual(try decode([UInt8](k.binaryData())), k)
    }

    /// From 4,096 points an array is decoded in chunks over the threads while the digest runs
    /// beside: the key is the same, and errors are the ones a serial read reports (the first
    /// bad point in file order; a digest mismatch before any point error).
    func testParallelLoadMatchesSerial() throws {
        let c = G16Fixtures.random(seed: 0xB16, constraints: 4_200, outputs: 1, inputs: 1)
        let pk = try G16Fixtures.setup(c.r1cs, salt: 9)
        XCTAssertGreaterThanOrEqual(pk.a.count, 4_096)
        let good = pk.binaryData()
        let serial = try ProvingKeyFile(binaryData: good, file: "big.pk", threads: 1).key()
        XCTAssertEqual(serial, pk)
        for t in [2, 3] { XCTAssertEqual(try ProvingKeyFile(binaryData: good, file: "big.pk", threads: t).key(), pk) }
        // Two bad points, one in each half of A: the first one is reported on every thread count.
        var k = pk
        let off = G1Affine(x: Fq(1), y: Fq(3))
        k.a[10] = off
        k.a[k.a.count - 5] = off
        k.bG2[k.bG2.count - 1] = G2Affine(x: Fq2(Fq(1), Fq(2)), y: Fq2(Fq(3), Fq(4)))
        var bad = [UInt8](k.binaryData())
        for t in [1, 2, 3] {
            XCTAssertThrowsError(try ProvingKeyFile(binaryData: Data(bad), file: "big.pk", threads: t)) { e in
                let fe = e as? FormatError
                XCTAssertEqual(fe?.field, "A", "threads \(t): \(e)")
                XCTAssertTrue(fe?.message.contains("not on the curve") ?? false, "threads \(t): \(e)")
            }
        }
        // The same bytes with a stale digest: the digest is what is reported.
        bad[bad.count - 1] ^= 1
        for t in [1, 2] {
            XCTAssertThrowsError(try ProvingKeyFile(binaryData: Data(bad), file: "big.pk", threads: t)) { e in
                XCTAssertEqual((e as? FormatError)?.field, "digest", "threads \(t): \(e)")
            }
        }
    }

    func testRejectsInconsistentShapesWithValidDigest() {
        let pk = Self.key
        let cases: [(String, String, (inout ProvingKey) -> Void)] = [
            ("A", "A short", { $0.a.removeLast() }),
            ("B1", "B1 long", { $0.bG1.append($0.bG1[0]) }),
            ("B2", "B2 short", { $0.bG2.removeLast() }),
            ("L", "L long", { $0.l.append($0.l[0]) }),
            ("IC", "IC short", { $0.verifyingKey.ic.removeLast() }),
            ("H", "H short", { $0.h.removeLast() }),
            ("domainSize", "domain 20 (not 2^k, 3·2^k or 9·2^k)", { $0.domainSize = 20 }),
            ("domainSize", "domain 8 too small", { $0.domainSize = 8; $0.h = Array($0.h.prefix(7)) }),
            ("domainSize", "domain 0", { $0.domainSize = 0 }),
            ("meta", "too many public", { $0.r1cs.numPublicOutputs = $0.r1cs.numWires }),
        ]
        for (field, what, f) in cases {
            var k = pk
            f(&k)
            let b = [UInt8](k.binaryData())
            assertRejects(b, field: field, what)
        }
        // A constraint naming a wire beyond the circuit.
        var k = pk
        k.r1cs.constraints[4].a.wires[0] = UInt32(k.r1cs.numWires)
        assertKeyRejected(k, field: "constraint 4 A", message: "wire", "wire out of range")
        // A bigger domain, consistently sized, is accepted by the format.
        k = pk
        k.domainSize = 32
        k.h += k.h
        k.h.append(k.h[0])
        XCTAssertEqual(k.h.count, 31)
        XCTAssertNoThrow(try decode([UInt8](k.binaryData())))
    }

    /// Re-sealed structural mutations: a section missing, duplicated, reordered, extended.
    func testSectionStructureWithValidDigest() {
        let b = Self.bytes
        let body = Self.layout.dropLast()
        func assemble(_ secs: [(UInt32, [UInt8])]) -> [UInt8] {
            var out = Array("zkpk".utf8)
            func u32(_ v: UInt32) { out += (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
            func u64(_ v: UInt64) { out += (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
            u32(1); u32(UInt32(secs.count + 1))
            for (t, p) in secs { u32(t); u64(UInt64(p.count)); out += p }
            let digest = testSHA256(out)
            u32(255); u64(32); out += digest
            return out
        }
        let secs = body.map { ($0.type, Array(b[$0.payload])) }
        XCTAssertEqual(assemble(secs), b)
        // Any order decodes to the same key; an unknown section is skipped.
        XCTAssertEqual(try decode(assemble(secs.reversed())), Self.key)
        XCTAssertEqual(try decode(assemble(secs + [(77, [1, 2, 3])])), Self.key)
        let names: [UInt32: String] = [1: "meta", 2: "fixed points", 3: "IC", 4: "A", 5: "B1", 6: "B2", 7: "L", 8: "H",
                                        9: "constraints", 10: "wire labels"]
        for (i, s) in secs.enumerated() {
            var missing = secs
            missing.remove(at: i)
            assertRejects(assemble(missing), field: names[s.0]!, message: "missing", "without section \(s.0)")
            assertRejects(assemble(secs + [s]), field: "section \(s.0)", message: "twice", "section \(s.0) twice")
            // A payload one byte short (the next field runs out or the counts disagree).
            var short = secs
            short[i].1.removeLast()
            XCTAssertThrowsError(try decode(assemble(short)), "section \(s.0) short") { XCTAssertTrue($0 is FormatError) }
        }
        // Without any digest section.
        var noDigest = Array(b[0..<Self.layout.last!.header])
        noDigest[8] = UInt8(body.count)
        assertRejects(noDigest, field: "digest", message: "missing", "no digest")
    }

    /// Seeded random mutations, half of them re-sealed with a correct digest so that they reach
    /// the field and point checks: each decodes to a well-shaped key or throws FormatError.
    func testRandomMutationsNeverCrash() throws {
        var g = SeededRNG(seed: 0x5EED_0F_FEED)
        let b = Self.bytes
        let pointSections = Self.layout.filter { (2...10).contains($0.type) }
        var decoded = 0, rejected = 0
        var fields = Set<String>()
        for trial in 0..<300 {
            var m = b
            switch g.next() % 6 {
            case 0:  // flip a few random bits
                for _ in 0...(g.next() % 3) { m[Int(g.next() % UInt64(m.count))] ^= UInt8(1 << (g.next() % 8)) }
            case 1:  // a random byte inside a section payload
                let s = pointSections[Int(g.next() % UInt64(pointSections.count))].payload
                m[s.lowerBound + Int(g.next() % UInt64(s.count))] = UInt8(truncatingIfNeeded: g.next())
            case 2:  // overwrite a u32 with an edge value
                let o = Int(g.next() % UInt64(m.count - 4))
                let v: UInt32 = [0, 1, 2, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 64, 255][Int(g.next() % 8)]
                for i in 0..<4 { m[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            case 3:  // a run of 0x00 or 0xFF (points to infinity, or above the modulus)
                let o = Int(g.next() % UInt64(m.count - 64)), n = 1 + Int(g.next() % 64)
                let v: UInt8 = g.next() % 2 == 0 ? 0 : 0xFF
                for i in o..<(o + n) { m[i] = v }
            case 4:  // delete or insert bytes
                let o = Int(g.next() % UInt64(m.count - 8)), n = 1 + Int(g.next() % 8)
                if g.next() % 2 == 0 { m.removeSubrange(o..<(o + n)) } else { m.insert(contentsOf: [UInt8](repeating: 0xA5, count: n), at: o) }
            default:  // copy a 64-byte block over another (valid points in the wrong place)
                let from = Int(g.next() % UInt64(m.count - 64)), to = Int(g.next() % UInt64(m.count - 64))
                m.replaceSubrange(to..<(to + 64), with: b[from..<(from + 64)])
            }
            if trial % 2 == 0 { m = resealed(m) }
            do {
                let k = try decode(m)
                decoded += 1
                XCTAssertNoThrow(try k.validateShape(file: "x"))
                XCTAssertEqual(k.a.count, k.r1cs.numWires)
                XCTAssertEqual(k.h.count, k.domainSize - 1)
                XCTAssertEqual(k.verifyingKey.ic.count, k.r1cs.numPublic + 1)
                XCTAssertTrue(k.verifyingKey.gamma.isInSubgroup && k.verifyingKey.delta.isInSubgroup)
                // Whatever decodes can be handed to the prover without trapping.
                if k.r1cs.numWires == Self.circuit.witness.count {
                    _ = try? G16Fixtures.prove(k, Self.circuit.witness, threads: 1)
                }
            } catch let e as FormatError {
                rejected += 1
                XCTAssertEqual(e.file, "test.pk")
                fields.insert(e.field.components(separatedBy: " ").first ?? "")
            } catch {
                XCTFail("trial \(trial): not a FormatError: \(error)")
            }
        }
        XCTAssertEqual(decoded + rejected, 300)
        XCTAssertGreaterThan(rejected, 200)
        // The re-sealed half reaches past the digest check.
        XCTAssertGreaterThan(fields.subtracting(["digest"]).count, 3, "\(fields)")
    }
}
