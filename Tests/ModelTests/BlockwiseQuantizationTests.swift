import Foundation
import Model
import TestSupport
import XCTest

final class BlockwiseQuantizationTests: XCTestCase {
    // MARK: Helpers

    /// Values whose magnitudes change per block of 37: zeros, tiny, subnormal, ordinary and huge,
    /// both signs, so that blocks of every size see mixed scales.
    static func randomValues(_ n: Int, rng: inout SeededRNG) -> [Float] {
        let exponents: [Float] = [-44, -40, -30, -10, -3, 0, 2, 10, 30, 38]
        var out = [Float](repeating: 0, count: n)
        var magnitude: Float = 1
        for i in 0..<n {
            if i % 37 == 0 { magnitude = powf(10, exponents.randomElement(using: &rng)!) }
            switch rng.next() % 10 {
            case 0: out[i] = 0
            default: out[i] = Float.random(in: -3...3, using: &rng) * magnitude
            }
            if !out[i].isFinite { out[i] = Float.greatestFiniteMagnitude }
        }
        return out
    }

    /// Checks every documented property of `t` against the values it was encoded from.
    func assertFaithful(_ t: BlockwiseTensor, _ values: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(t.count, values.count, what, file: file, line: line)
        XCTAssertEqual(t.blockCount, (values.count + t.blockSize - 1) / t.blockSize, what, file: file, line: line)
        let decoded = t.decode()
        XCTAssertEqual(decoded.count, values.count, what, file: file, line: line)
        for b in 0..<t.blockCount {
            let r = t.range(ofBlock: b)
            let a = values[r].map { abs($0) }.max()!
            XCTAssertEqual(t.absmax[b], a, "\(what): block \(b) absmax", file: file, line: line)
            XCTAssertEqual(t.absmax[b].sign, .plus, "\(what): block \(b) absmax sign", file: file, line: line)
            let bound = a == 0 ? 0 : Double(a) / 254 + Double(a.ulp)
            XCTAssertEqual(t.maxError(ofBlock: b), bound, what, file: file, line: line)
            for i in r {
                XCTAssertTrue((-127...127).contains(t.codes[i]), "\(what): code \(i) = \(t.codes[i])", file: file, line: line)
                let err = abs(Double(values[i]) - Double(decoded[i]))
                if err > bound {
                    XCTFail("\(what): value \(i) = \(values[i]) decodes to \(decoded[i]), error \(err) > bound \(bound)", file: file, line: line)
                    return
                }
                if abs(values[i]) == a {
                    XCTAssertEqual(decoded[i], values[i] == 0 ? 0 : values[i], "\(what): the absmax value \(i) must decode exactly", file: file, line: line)
                    XCTAssertEqual(abs(Int(t.codes[i])), a == 0 ? 0 : 127, what, file: file, line: line)
                }
            }
        }
    }

    // MARK: Encoding

    func testRoundTripStaysWithinTheBoundOnRandomData() throws {
        var rng = SeededRNG(seed: 0xB10C)
        for n in [1, 2, 5, 63, 64, 65, 127, 129, 1000, 1001, 4099] {
            let values = Self.randomValues(n, rng: &rng)
            for blockSize in [1, 2, 3, 7, 16, 32, 64, 100, 128, 256, 5000] {
                let t = try BlockwiseTensor.encode(values, blockSize: blockSize)
                XCTAssertEqual(t.shape, [n])
                XCTAssertEqual(t.blockSize, blockSize)
                assertFaithful(t, values, "n \(n), block \(blockSize)")
            }
        }
    }

    func testBlockSizeOneAndABlockLargerThanTheTensor() throws {
        let values: [Float] = [0.1, -2.5, 3e-7, -0, 1e30, 0, -Float.leastNonzeroMagnitude * 71_362]  // the last is subnormal
        let one = try BlockwiseTensor.encode(values, blockSize: 1)
        XCTAssertEqual(one.blockCount, values.count)
        // Every value is its block's absmax: all decode exactly (−0 as +0).
        XCTAssertEqual(one.decode(), values.map { $0 == 0 ? 0 : $0 })
        XCTAssertEqual(one.codes, [127, -127, 127, 0, 127, 0, -127])
        let big = try BlockwiseTensor.encode(values, blockSize: 1 << 20)
        XCTAssertEqual(big.blockCount, 1)
        XCTAssertEqual(big.absmax, [1e30])
        assertFaithful(big, values, "one block")
        // Relative to 1e30, everything else rounds to zero.
        XCTAssertEqual(big.decode(), [0, 0, 0, 0, 1e30, 0, 0])
    }

    func testZerosDecodeExactly() throws {
        let zeros = [Float](repeating: 0, count: 100)
        let t = try BlockwiseTensor.encode(zeros, blockSize: 16)
        XCTAssertEqual(t.absmax, [Float](repeating: 0, count: 7))
        XCTAssertEqual(t.codes, [Int8](repeating: 0, count: 100))
        XCTAssertEqual(t.decode(), zeros)
        XCTAssertEqual(t.maxError(ofBlock: 3), 0)
        // A zero block between non-zero ones, and negative zeros.
        var mixed = [Float](repeating: 0, count: 48)
        mixed[3] = 5; mixed[40] = -0.25; mixed[20] = -0.0; mixed[21] = -0.0
        let m = try BlockwiseTensor.encode(mixed, blockSize: 16)
        XCTAssertEqual(m.absmax, [5, 0, 0.25])
        XCTAssertEqual(Array(m.decode()[16..<32]), [Float](repeating: 0, count: 16))
        XCTAssertEqual(m.decode()[20].sign, .plus, "-0 decodes to +0")
        assertFaithful(m, mixed, "mixed")
    }

    func testTiesRoundHalfAwayFromZero() throws {
        // absmax 127 makes the scale exactly 1, so x · 127 / 127 = x and x.5 is a tie.
        let values: [Float] = [127, 0.5, 1.5, 2.5, -0.5, -2.5, 126.5, 0.49999997, -1.5000001]
        let t = try BlockwiseTensor.encode(values, blockSize: 64)
        XCTAssertEqual(t.codes, [127, 1, 2, 3, -1, -3, 127, 0, -2])
        // Sign symmetry: encode(−x) = −encode(x) on random data.
        var rng = SeededRNG(seed: 7)
        let r = Self.randomValues(999, rng: &rng)
        let pos = try BlockwiseTensor.encode(r, blockSize: 32), neg = try BlockwiseTensor.encode(r.map { -$0 }, blockSize: 32)
        XCTAssertEqual(neg.codes, pos.codes.map { -$0 })
        XCTAssertEqual(neg.absmax, pos.absmax)
    }

    func testCodesAreTheCorrectlyRoundedQuotient() throws {
        // Against an independent computation: exact rational comparison with the tie, in integers.
        var rng = SeededRNG(seed: 11)
        for _ in 0..<200 {
            let a = Float(Int.random(in: 1...(1 << 24), using: &rng))          // integers: x·127 and A exact in Int
            var block = (0..<50).map { _ in Float(Int.random(in: -Int(a)...Int(a), using: &rng)) }
            block[Int.random(in: 0..<50, using: &rng)] = a
            let t = try BlockwiseTensor.encode(block, blockSize: 50)
            XCTAssertEqual(t.absmax, [block.map { abs($0) }.max()!])
            let A = Int(t.absmax[0])
            for (x, q) in zip(block, t.codes) {
                // q = round half away from zero of x·127/A: |2·|x|·127 − (2|q|)·A| ≤ A, ties toward larger |q|.
                let num = 2 * abs(Int(x)) * 127, qq = abs(Int(q))
                XCTAssertTrue(num >= (2 * qq - 1) * A && num < (2 * qq + 1) * A, "x \(x), A \(A), q \(q)")
                XCTAssertTrue(x > 0 ? q >= 0 : q <= 0, "x \(x), q \(q)")
            }
        }
    }

    func testHugeAndTinyMagnitudes() throws {
        let m = Float.greatestFiniteMagnitude, s = Float.leastNonzeroMagnitude, n = Float.leastNormalMagnitude
        let cases: [[Float]] = [[m, -m, 1, m / 3, -m / 254], [s, 0, -s, s * 3, -s * 2], [n, n / 2, -n * 0.99, s * 7],
                                [s * 7, s * 2, -s * 9], [m, s, -n]]
        for (k, values) in cases.enumerated() {
            for b in [1, 2, 64] { assertFaithful(try BlockwiseTensor.encode(values, blockSize: b), values, "case \(k), block \(b)") }
        }
        // Subnormal blocks are exact when A / 254 is below half an ulp: codes are the multiples of A / 127.
        let sub: [Float] = [s * 5, s * 2, -s * 3, 0]
        XCTAssertEqual(try BlockwiseTensor.encode(sub, blockSize: 4).decode(), sub)
    }

    func testDoubleInputIsRoundedToFloat32First() throws {
        var rng = SeededRNG(seed: 3)
        let d = (0..<300).map { _ in Double.random(in: -1e5...1e5, using: &rng) }
        XCTAssertEqual(try BlockwiseTensor.encode(d, blockSize: 32), try BlockwiseTensor.encode(d.map { Float($0) }, blockSize: 32))
        XCTAssertThrowsError(try BlockwiseTensor.encode([1, 1e39], blockSize: 4, name: "act")) { e in
            let e = e as! BlockwiseQuantizationError
            XCTAssertEqual(e.field, "act[1]")
            XCTAssertTrue(e.description.contains("Float32 range"), e.description)
        }
        // Just below the overflow threshold rounds to the largest float.
        let nearMax = Double(Float.greatestFiniteMagnitude) * (1 + 0x1p-26)
        XCTAssertEqual(try BlockwiseTensor.encode([nearMax], blockSize: 1).absmax, [Float.greatestFiniteMagnitude])
    }

    func testRejectsNonFiniteValuesAndBadBlockSizesAndShapes() throws {
        func expect(_ field: String, _ words: String, _ body: () throws -> BlockwiseTensor, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { e in
                guard let e = e as? BlockwiseQuantizationError else { return XCTFail("\(e) is not a BlockwiseQuantizationError", line: line) }
                XCTAssertEqual(e.field, field, line: line)
                XCTAssertTrue(e.description.contains(field) && e.description.contains(words), e.description, line: line)
            }
        }
        let f: [Float] = [1, 2, 3, 4]
        expect("values[2]", "not a finite number") { try BlockwiseTensor.encode([1, 2, .nan] as [Float], blockSize: 2) }
        expect("values[0]", "not a finite number") { try BlockwiseTensor.encode([Float.infinity], blockSize: 2) }
        expect("x[1]", "-inf") { try BlockwiseTensor.encode([0, -Float.infinity], blockSize: 2, name: "x") }
        expect("values[1]", "not a finite number") { try BlockwiseTensor.encode([0, Double.nan], blockSize: 2) }
        expect("values[0]", "not a finite number") { try BlockwiseTensor.encode([-Double.infinity], blockSize: 2) }
        for b in [0, -1, Int.min, BlockwiseTensor.maxBlockSize + 1, Int.max] {
            expect("block_size", "between 1 and") { try BlockwiseTensor.encode(f, blockSize: b) }
            expect("block_size", "between 1 and") { try BlockwiseTensor.encode(f.map(Double.init), blockSize: b) }
        }
        XCTAssertNoThrow(try BlockwiseTensor.encode(f, blockSize: BlockwiseTensor.maxBlockSize))
        expect("shape", "holds 6 values, but there are 4") { try BlockwiseTensor.encode(f, blockSize: 2, shape: [2, 3]) }
        expect("shape", "dimension -2") { try BlockwiseTensor.encode(f, blockSize: 2, shape: [-2, -2]) }
        expect("shape", "rank 17") { try BlockwiseTensor.encode([Float(1)], blockSize: 2, shape: [Int](repeating: 1, count: 17)) }
        expect("shape", "more values than") { try BlockwiseTensor.encode([Float](), blockSize: 2, shape: [1 << 40, 1 << 40, 0]) }
        // Empty tensors and scalars are fine.
        XCTAssertEqual(try BlockwiseTensor.encode([Float](), blockSize: 4, shape: [3, 0]).blockCount, 0)
        XCTAssertEqual(try BlockwiseTensor.encode([Float(2)], blockSize: 4, shape: []).decode(), [2])
    }

    func testValidatingInitializerRejectsWhatEncodeNeverWrites() throws {
        func expect(_ field: String, _ absmax: [Float], _ codes: [Int8], line: UInt = #line) {
            XCTAssertThrowsError(try BlockwiseTensor(shape: [codes.count], blockSize: 2, absmax: absmax, codes: codes), line: line) { e in
                XCTAssertEqual((e as? BlockwiseQuantizationError)?.field, field, "\(e)", line: line)
            }
        }
        XCTAssertNoThrow(try BlockwiseTensor(shape: [3], blockSize: 2, absmax: [1, 0], codes: [127, 5, 0]))
        expect("absmax", [1], [127, 5, 0])
        expect("absmax[1]", [1, .nan], [127, 5, 0])
        expect("absmax[0]", [-1, 0], [127, 5, 0])
        expect("absmax[0]", [-0.0, 0], [0, 0, 0])
        expect("absmax[0]", [.infinity, 0], [127, 5, 0])
        expect("codes[1]", [1, 0], [127, -128, 0])
        expect("codes[2]", [1, 0], [127, 5, 3])
        expect("codes[0..<2]", [1, 0], [126, 5, 0])
        XCTAssertThrowsError(try BlockwiseTensor(shape: [4], blockSize: 2, absmax: [1, 0], codes: [127, 5, 0])) { e in
            XCTAssertEqual((e as? BlockwiseQuantizationError)?.field, "shape", "\(e)")
        }
        XCTAssertThrowsError(try BlockwiseTensor(shape: [3], blockSize: 0, absmax: [1, 0], codes: [127, 5, 0])) { e in
            XCTAssertEqual((e as? BlockwiseQuantizationError)?.field, "block_size", "\(e)")
        }
    }

    func testThreadsDoNotChangeTheResult() throws {
        var rng = SeededRNG(seed: 99)
        let values = Self.randomValues(200_003, rng: &rng)
        let one = try BlockwiseTensor.encode(values, blockSize: 64, threads: 1)
        let three = try BlockwiseTensor.encode(values, blockSize: 64, threads: 3)
        XCTAssertEqual(one, three)
        XCTAssertEqual(one.decode(threads: 1), three.decode(threads: 3))
        assertFaithful(three, values, "threaded")
    }

    // MARK: File

    static func sampleTensors() throws -> [BlockwiseTensor] {
        var rng = SeededRNG(seed: 0x2AC7)
        return [try BlockwiseTensor.encode(randomValues(24, rng: &rng), blockSize: 5, shape: [2, 3, 4], name: "conv1"),
                try BlockwiseTensor.encode(randomValues(7, rng: &rng), blockSize: 5, name: "logits ✓"),
                try BlockwiseTensor.encode([Float(0.5)], blockSize: 5, shape: [], name: ""),
                try BlockwiseTensor.encode([Float](), blockSize: 5, shape: [0, 4], name: "empty")]
    }

    func testFileRoundTrip() throws {
        let tensors = try Self.sampleTensors()
        let bytes = try ActivationFile.encode(tensors)
        // 16 header + per tensor (4 + name + 4 + 8·rank + 8 + 4·blocks + count) + 32 digest.
        let expected = 16 + (4 + 5 + 4 + 24 + 8 + 20 + 24) + (4 + 10 + 4 + 8 + 8 + 8 + 7) + (4 + 0 + 4 + 0 + 8 + 4 + 1) + (4 + 5 + 4 + 16 + 8 + 0 + 0) + 32
        XCTAssertEqual(bytes.count, expected)
        XCTAssertEqual(Array(bytes[0..<4]), Array("ZKA1".utf8))
        let back = try ActivationFile.decode(bytes, file: "t.zkact")
        XCTAssertEqual(back, tensors)
        XCTAssertEqual(back.map(\.name), ["conv1", "logits ✓", "", "empty"])
        XCTAssertEqual(back[0].shape, [2, 3, 4])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zkact-\(getpid()).zkact").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let digest = try ActivationFile.write(tensors, to: path)
        XCTAssertEqual(digest, Array(bytes.suffix(32)))
        XCTAssertEqual(try ActivationFile.read(path), tensors)
        XCTAssertThrowsError(try ActivationFile.read(path + ".missing")) { e in
            XCTAssertTrue("\(e)".contains(".missing") && "\(e)".contains("cannot read"), "\(e)")
        }
    }

    func testEncoderRejectsWhatTheFormatCannotHold() throws {
        let a = try BlockwiseTensor.encode([Float(1)], blockSize: 4), b = try BlockwiseTensor.encode([Float(1)], blockSize: 8)
        XCTAssertThrowsError(try ActivationFile.encode([])) { XCTAssertEqual(($0 as? BlockwiseQuantizationError)?.field, "tensors") }
        XCTAssertThrowsError(try ActivationFile.encode([a, b])) { XCTAssertEqual(($0 as? BlockwiseQuantizationError)?.field, "tensor 1.block_size") }
        var long = a
        long.name = String(repeating: "é", count: 513)
        XCTAssertThrowsError(try ActivationFile.encode([long])) { XCTAssertEqual(($0 as? BlockwiseQuantizationError)?.field, "tensor 0.name") }
    }

    /// A valid two-tensor file with the offsets of its fields.
    struct Layout {
        var bytes: [UInt8]
        // tensor 0: name "a" (1 byte), shape [3, 4], 12 values in blocks of 5 → 3 absmax.
        let nameLength0 = 16, name0 = 20, rank0 = 21, dims0 = 25, count0 = 41, absmax0 = 49, codes0 = 61
        let tensor1 = 73
        init() throws {
            let t0 = try BlockwiseTensor.encode((0..<12).map { Float($0) - 5.5 }, blockSize: 5, shape: [3, 4], name: "a")
            let t1 = try BlockwiseTensor.encode([Float(1), -2, 0], blockSize: 5, name: "bb")
            bytes = try ActivationFile.encode([t0, t1])
        }
        /// The bytes with `value` (little-endian) at `offset`, and the digest recomputed when asked.
        func with<T: FixedWidthInteger>(_ value: T, at offset: Int, redigest: Bool = true) -> [UInt8] {
            var b = bytes
            withUnsafeBytes(of: value.littleEndian) { for (i, x) in $0.enumerated() { b[offset + i] = x } }
            return redigest ? Self.redigest(b) : b
        }
        static func redigest(_ b: [UInt8]) -> [UInt8] {
            guard b.count >= 32 else { return b }
            let body = Array(b[..<(b.count - 32)])
            return body + sha256(body)
        }
    }

    func assertRejects(_ bytes: [UInt8], field: String, _ words: String, line: UInt = #line) {
        XCTAssertThrowsError(try ActivationFile.decode(bytes, file: "acts.zkact"), line: line) { e in
            guard let e = e as? BlockwiseQuantizationError else { return XCTFail("\(e) is not a BlockwiseQuantizationError", line: line) }
            XCTAssertEqual(e.file, "acts.zkact", line: line)
            XCTAssertTrue(e.field.hasPrefix(field), "field \(e.field), expected \(field): \(e)", line: line)
            XCTAssertTrue(e.description.contains(words), "\(e) should say \(words)", line: line)
        }
    }

    func testDecoderRejectsEveryMalformedField() throws {
        let l = try Layout()
        XCTAssertEqual(try ActivationFile.decode(l.bytes, file: "x").map(\.name), ["a", "bb"])
        XCTAssertEqual(l.bytes.count, l.tensor1 + 4 + 2 + 4 + 8 + 8 + 4 + 3 + 32)
        XCTAssertEqual(Array(l.bytes[l.name0..<(l.name0 + 1)]), [UInt8(ascii: "a")])

        assertRejects([], field: "magic", "truncated")
        assertRejects(Array("ZKQ1".utf8) + Array(l.bytes[4...]), field: "magic", "not a .zkact file")
        assertRejects(Array(l.bytes[..<40]), field: "file", "shorter than any")
        assertRejects(l.with(UInt32(2), at: 4), field: "version", "is 2")
        assertRejects(l.with(UInt32(0), at: 8), field: "block_size", "between 1 and")
        assertRejects(l.with(UInt32(1 << 21), at: 8), field: "block_size", "between 1 and")
        assertRejects(l.with(UInt32(0), at: 12), field: "tensor_count", "is 0")
        assertRejects(l.with(UInt32.max, at: 12), field: "tensor_count", "between 1 and")
        assertRejects(l.with(UInt32(3), at: 12), field: "tensor 2.name_length", "truncated")
        // Truncated and extended files.
        assertRejects(Array(l.bytes.dropLast()), field: "tensor 1", "truncated")
        assertRejects(Array(l.bytes.dropLast(40)), field: "tensor 0 (\"a\").codes", "truncated")
        assertRejects(l.bytes + [0], field: "file", "extended")
        assertRejects(Layout.redigest(l.bytes + [0, 0, 0]), field: "file", "extended")
        // The digest.
        var flipped = l.bytes
        flipped[l.codes0 + 2] ^= 1
        assertRejects(flipped, field: "sha256", "digest mismatch")
        flipped = l.bytes
        flipped[flipped.count - 1] ^= 0x80
        assertRejects(flipped, field: "sha256", "digest mismatch")
        // Lengths and counts, with a valid digest: no trap, no huge allocation.
        assertRejects(l.with(UInt32.max, at: l.nameLength0), field: "tensor 0.name_length", "at most 1024")
        assertRejects(l.with(UInt32(1000), at: l.nameLength0), field: "tensor 0.name", "truncated")
        assertRejects(l.with(UInt8(0xFF), at: l.name0), field: "tensor 0.name", "UTF-8")
        assertRejects(l.with(UInt32(17), at: l.rank0), field: "tensor 0 (\"a\").rank", "is 17")
        assertRejects(l.with(UInt32(16), at: l.rank0), field: "tensor 0 (\"a\").shape", "truncated")
        assertRejects(l.with(UInt64(13), at: l.count0), field: "tensor 0 (\"a\").shape", "holds 12 values, but there are 13")
        assertRejects(l.with(UInt64(11), at: l.count0), field: "tensor 0 (\"a\").shape", "holds 12 values, but there are 11")
        assertRejects(l.with(UInt64.max, at: l.count0), field: "tensor 0 (\"a\").count", "bytes are left")
        assertRejects(l.with(UInt64(1) << 62, at: l.count0), field: "tensor 0 (\"a\").count", "bytes are left")
        assertRejects(l.with(UInt64(1) << 40, at: l.dims0), field: "tensor 0 (\"a\").shape", "there are 12")
        assertRejects(l.with(UInt64.max, at: l.dims0), field: "tensor 0 (\"a\").shape", "dimension")
        assertRejects(l.with(UInt64(2), at: l.dims0 + 8), field: "tensor 0 (\"a\").shape", "holds 6 values")
        // Values, with a valid digest.
        assertRejects(l.with(Float.nan.bitPattern, at: l.absmax0 + 4), field: "tensor 0 (\"a\").absmax[1]", "not a finite number")
        assertRejects(l.with(Float.infinity.bitPattern, at: l.absmax0), field: "tensor 0 (\"a\").absmax[0]", "not a finite number")
        assertRejects(l.with((-Float(5.5)).bitPattern, at: l.absmax0), field: "tensor 0 (\"a\").absmax[0]", "≥ 0")
        assertRejects(l.with(UInt8(0x80), at: l.codes0 + 3), field: "tensor 0 (\"a\").codes[3]", "-128")
        assertRejects(l.with(UInt8(0x80), at: l.tensor1 + 4 + 2 + 4 + 8 + 8 + 4 + 1), field: "tensor 1 (\"bb\").codes[1]", "-128")
        assertRejects(l.with(UInt32(0), at: l.absmax0 + 8), field: "tensor 0 (\"a\").codes[10]", "absmax is 0")
    }

    func testRandomMutationsAlwaysThrowOrDecodeToValidTensors() throws {
        let l = try Layout()
        let valid = try Self.sampleTensors()
        let sources = [l.bytes, try ActivationFile.encode(valid)]
        var rng = SeededRNG(seed: 0x5EED_2AC7)
        var outcomes = [String: Int]()
        for iteration in 0..<600 {
            var b = sources[iteration % 2]
            switch rng.next() % 6 {
            case 0, 1:  // flip 1–4 bits
                for _ in 0..<(1 + Int(rng.next() % 4)) { b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1) << (rng.next() % 8) }
            case 2:     // cut
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
            case 3:     // extend
                b += (0..<(1 + Int(rng.next() % 40))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 4:     // an extreme 32- or 64-bit value somewhere
                let extremes: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF_FFFF, 0x8000_0000, .max, 1 << 62, 0x7F80_0000, 0xFFC0_0000]
                let v = extremes[Int(rng.next() % UInt64(extremes.count))]
                let width = rng.next() % 2 == 0 ? 4 : 8
                let at = Int(rng.next() % UInt64(b.count - width))
                for i in 0..<width { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
            default:    // overwrite a random run with random bytes
                let at = Int(rng.next() % UInt64(b.count)), n = min(b.count - at, 1 + Int(rng.next() % 8))
                for i in at..<(at + n) { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            // Half the time, a valid digest: the structure and value checks must hold on their own.
            if rng.next() % 2 == 0 { b = Layout.redigest(b) }
            do {
                let tensors = try ActivationFile.decode(b, file: "m.zkact")
                outcomes["decoded", default: 0] += 1
                for t in tensors {
                    XCTAssertEqual(t.shape.reduce(1, *), t.count)
                    XCTAssertEqual(t.blockCount, BlockwiseTensor.blockCount(count: t.count, blockSize: t.blockSize))
                    XCTAssertTrue(t.codes.allSatisfy { $0 != Int8.min })
                    XCTAssertTrue(t.absmax.allSatisfy { $0.isFinite && $0 >= 0 })
                    let d = t.decode()
                    for blk in 0..<t.blockCount {
                        for i in t.range(ofBlock: blk) { XCTAssertLessThanOrEqual(abs(d[i]), t.absmax[blk]) }
                    }
                    XCTAssertEqual(try ActivationFile.decode(try ActivationFile.encode(tensors), file: "again"), tensors)
                }
            } catch let e as BlockwiseQuantizationError {
                XCTAssertEqual(e.file, "m.zkact")
                outcomes[String(e.field.split(separator: "[").first ?? ""), default: 0] += 1
            } catch {
                XCTFail("iteration \(iteration): \(error) is not a BlockwiseQuantizationError")
            }
        }
        // The loop reaches past the digest into the structure and value checks.
        XCTAssertGreaterThan(outcomes["sha256", default: 0], 50, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.keys.filter { $0.hasPrefix("tensor") }.count, 5, "\(outcomes)")
    }
}
