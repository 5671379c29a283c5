/// What is wrong with values to quantize, a quantized tensor or a `.zkact` file: the file (when
/// there is one), the field and the problem.
public struct BlockwiseQuantizationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String?
    /// The field the problem is in, e.g. "values[12]", "block_size", "tensor 0 (\"x\").absmax[3]".
    public var field: String
    public var message: String

    public init(file: String? = nil, field: String, _ message: String) {
        self.file = file; self.field = field; self.message = message
    }

    public var description: String { (file.map { "\($0): " } ?? "") + "\(field): \(message)" }
}

/// A float tensor in dynamic blockwise int8 quantization, for moving activations between stages
/// that are not proven (proven shard boundaries pass the model's exact integers instead).
///
/// The values, in row-major order, are cut into blocks of `blockSize` (the last block may be
/// shorter). A block keeps its absolute maximum A as a Float32 and one code per value,
/// q = round(x · 127 / A) in [−127, 127], so that x ≈ q · scale with scale = A / 127 (the scheme of
/// Dettmers et al., "8-bit Optimizers via Block-wise Quantization", 2022, with a linear code).
///
/// - Rounding is half away from zero, and exact: x · 127 is exact in Double and the division is
///   correctly rounded, so a tie is seen as a tie. Codes are sign-symmetric (encode(−x) = −encode(x)).
/// - The block stores A, not A / 127: decoding computes q · (A / 127) in Double and rounds once to
///   Float32, so the block's extreme values (q = ±127) decode exactly to ±A. Storing the Float32
///   scale fl(A / 127) would lose that: fl(127 · fl(A / 127)) ≠ A for about 0.6 % of Float32 values.
/// - Error bound: every value x of a block decodes within A / 254 + ulp(A) of x (`maxError(ofBlock:)`):
///   A / 254 = scale / 2 from rounding the code, ulp(A) (at most 2⁻¹⁵ of scale / 2) from rounding the
///   reconstruction to Float32. A block whose values are all zero has A = 0, all codes 0, and
///   decodes to exactly 0 (−0 decodes to +0).
/// - Double input is first rounded to Float32 (values outside the Float32 range are errors); the
///   bounds hold against those Float32 values.
///
/// Stored size: one byte per value plus four per block, 8 + 32 / blockSize bits per value.
public struct BlockwiseTensor: Equatable, Sendable {
    /// The largest block size accepted (2²⁰ values share one scale at most).
    public static let maxBlockSize = 1 << 20
    /// The largest rank accepted.
    public static let maxRank = 16

    public var name: String
    /// Row-major shape; its product is `count`.
    public private(set) var shape: [Int]
    public private(set) var blockSize: Int
    /// Per block: the absolute maximum of its values (≥ 0, finite); scale = absmax / 127.
    public private(set) var absmax: [Float]
    /// One code per value, in [−127, 127].
    public private(set) var codes: [Int8]

    public var count: Int { codes.count }
    public var blockCount: Int { absmax.count }

    /// ⌈count / blockSize⌉.
    public static func blockCount(count: Int, blockSize: Int) -> Int {
        count / blockSize + (count % blockSize == 0 ? 0 : 1)
    }

    /// The block's scale, absmax / 127 (in Double: the Float32 rounding of it is not what decodes).
    public func scale(ofBlock b: Int) -> Double { Double(absmax[b]) / 127 }

    /// The most any value of block `b` can differ from its decoded value: absmax / 254 + ulp(absmax),
    /// and 0 for an all-zero block.
    public func maxError(ofBlock b: Int) -> Double {
        let a = absmax[b]
        return a == 0 ? 0 : Double(a) / 254 + Double(a.ulp)
    }

    /// The values of block `b`: `b * blockSize ..< min((b + 1) * blockSize, count)`.
    public func range(ofBlock b: Int) -> Range<Int> { (b * blockSize)..<min((b + 1) * blockSize, count) }

    /// A tensor from its parts, checked: block size, shape against the code count, one absmax per
    /// block (finite, sign bit clear), codes in [−127, 127], and the canonical form `encode` writes
    /// (an all-zero block has only zero codes; any other block has a code ±127).
    public init(name: String = "", shape: [Int], blockSize: Int, absmax: [Float], codes: [Int8]) throws {
        try Self.checkBlockSize(blockSize)
        try Self.checkShape(shape, count: codes.count, field: "shape")
        let blocks = Self.blockCount(count: codes.count, blockSize: blockSize)
        guard absmax.count == blocks else {
            throw BlockwiseQuantizationError(field: "absmax", "has \(absmax.count) entries, \(codes.count) values in blocks of \(blockSize) need \(blocks)")
        }
        for (b, a) in absmax.enumerated() {
            guard a.isFinite, a.sign == .plus else { throw BlockwiseQuantizationError(field: "absmax[\(b)]", "is \(a), not a finite number ≥ 0") }
        }
        if let i = codes.firstIndex(of: Int8.min) {
            throw BlockwiseQuantizationError(field: "codes[\(i)]", "is -128, outside [-127, 127]")
        }
        self.name = name; self.shape = shape; self.blockSize = blockSize; self.absmax = absmax; self.codes = codes
        for b in 0..<blocks {
            let r = range(ofBlock: b)
            if absmax[b] == 0 {
                if let i = codes[r].firstIndex(where: { $0 != 0 }) {
                    throw BlockwiseQuantizationError(field: "codes[\(i)]", "is \(codes[i]) in block \(b), whose absmax is 0")
                }
            } else if !codes[r].contains(where: { $0 == 127 || $0 == -127 }) {
                throw BlockwiseQuantizationError(field: "codes[\(r.lowerBound)..<\(r.upperBound)]",
                                                 "block \(b) has absmax \(absmax[b]) but no code ±127 (not what encode writes)")
            }
        }
    }

    /// Quantizes Float32 values in blocks of `blockSize`. `shape` defaults to `[values.count]`.
    /// Large tensors are split across `threads`. NaN, ±∞ and a bad block size or shape are errors.
    public static func encode(_ values: [Float], blockSize: Int, shape: [Int]? = nil, name: String = "",
                              threads: Int = 1) throws -> BlockwiseTensor {
        try checkBlockSize(blockSize)
        try checkShape(shape ?? [values.count], count: values.count, field: "shape")
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw BlockwiseQuantizationError(field: "\(name.isEmpty ? "values" : name)[\(i)]", "is \(values[i]), not a finite number")
        }
        let n = values.count
        let blocks = blockCount(count: n, blockSize: blockSize)
        var absmax = [Float](repeating: 0, count: blocks)
        var codes = [Int8](repeating: 0, count: n)
        values.withUnsafeBufferPointer { src in
            absmax.withUnsafeMutableBufferPointer { am in
                codes.withUnsafeMutableBufferPointer { dst in
                    _parallelRanges(blocks, parts: n >= 1 << 16 ? threads : 1) { range in
                        for b in range {
                            let lo = b * blockSize, hi = min(lo + blockSize, n)
                            var a: Float = 0
                            for i in lo..<hi { a = max(a, abs(src[i])) }
                            am[b] = a
                            guard a > 0 else { continue }
                            // |x| ≤ a, so x · 127 / a is in [−127, 127]: x · 127 is exact, the division correctly rounded.
                            let da = Double(a)
                            for i in lo..<hi { dst[i] = Int8((Double(src[i]) * 127 / da).rounded(.toNearestOrAwayFromZero)) }
                        }
                    }
                }
            }
        }
        return BlockwiseTensor(unchecked: name, shape: shape ?? [n], blockSize: blockSize, absmax: absmax, codes: codes)
    }

    /// Rounds Double values to Float32 (values beyond the Float32 range are errors), then `encode`s them.
    public static func encode(_ values: [Double], blockSize: Int, shape: [Int]? = nil, name: String = "",
                              threads: Int = 1) throws -> BlockwiseTensor {
        var floats = [Float](repeating: 0, count: values.count)
        for (i, x) in values.enumerated() {
            let f = Float(x)
            guard f.isFinite else {
                let what = x.isFinite ? "outside the Float32 range (±\(Float.greatestFiniteMagnitude))" : "not a finite number"
                throw BlockwiseQuantizationError(field: "\(name.isEmpty ? "values" : name)[\(i)]", "is \(x), \(what)")
            }
            floats[i] = f
        }
        return try encode(floats, blockSize: blockSize, shape: shape, name: name, threads: threads)
    }

    /// The values q · absmax / 127, each rounded once to Float32.
    public func decode(threads: Int = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        let n = count, blockSize = blockSize
        absmax.withUnsafeBufferPointer { am in
            codes.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    _parallelRanges(am.count, parts: n >= 1 << 16 ? threads : 1) { range in
                        for b in range {
                            let s = Double(am[b]) / 127
                            for i in (b * blockSize)..<min((b + 1) * blockSize, n) { dst[i] = Float(Double(src[i]) * s) }
                        }
                    }
                }
            }
        }
        return out
    }

    private init(unchecked name: String, shape: [Int], blockSize: Int, absmax: [Float], codes: [Int8]) {
        self.name = name; self.shape = shape; self.blockSize = blockSize; self.absmax = absmax; self.codes = codes
    }

    static func checkBlockSize(_ b: Int, file: String? = nil, field: String = "block_size") throws {
        guard b >= 1, b <= maxBlockSize else {
            throw BlockwiseQuantizationError(file: file, field: field, "is \(b), must be between 1 and \(maxBlockSize)")
        }
    }

    /// Rank at most `maxRank`, dimensions ≥ 0, product (without overflow) equal to `count`.
    static func checkShape<S: Collection>(_ shape: S, count: Int, file: String? = nil, field: String) throws where S.Element: BinaryInteger {
        guard shape.count <= maxRank else {
            throw BlockwiseQuantizationError(file: file, field: field, "has rank \(shape.count), at most \(maxRank) is accepted")
        }
        // The product of the non-zero dimensions must fit in an Int: then no order of multiplying overflows.
        var product = 1
        for d in shape {
            guard d >= 0, let di = Int(exactly: d) else { throw BlockwiseQuantizationError(file: file, field: field, "has a dimension \(d)") }
            guard di != 0 else { continue }
            let (p, o) = product.multipliedReportingOverflow(by: di)
            guard !o else { throw BlockwiseQuantizationError(file: file, field: field, "\(Array(shape)) holds more values than an Int counts") }
            product = p
        }
        if shape.contains(where: { $0 == 0 }) { product = 0 }
        guard product == count else {
            throw BlockwiseQuantizationError(file: file, field: field, "\(Array(shape)) holds \(product) values, but there are \(count)")
        }
    }
}
