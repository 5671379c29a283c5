/// Which arithmetic a Gemm or Conv run used, decided per run from a magnitude bound of the
/// actual input (a power of two, computed branch-free while packing) and the weights' absolute
/// row sums, so the choice is always sound.
public enum AccumulatorPath: String, Sendable, Equatable {
    /// int16 operands, int32 accumulators end to end (the final sum provably fits in int32).
    case int32
    /// int16 operands, int32 accumulators per K-block, blocks summed in int64.
    case int32Blocks
    /// Int64 scalar arithmetic (operands beyond int16, or products that may leave int32).
    case int64
}

/// Magnitude bound and int16 fit of the weights.
@usableFromInline
struct _Range16 {
    @usableFromInline var maxAbs: Int64
    @usableFromInline var fitsInt16: Bool
    @usableFromInline init(_ values: [Int32]) {
        var lo: Int32 = 0, hi: Int32 = 0
        for v in values { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        fitsInt16 = lo >= Int32(Int16.min) && hi <= Int32(Int16.max)
        maxAbs = Swift.max(-Int64(lo), Int64(hi))
    }
}

/// An array of `count` values written by `body` (no zero fill first).
@inlinable
func _uninitializedArray<T>(_ count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
    [T](unsafeUninitializedCapacity: count) { buf, n in
        if count > 0 { body(buf.baseAddress!) }
        n = count
    }
}

/// A Gemm op with its weights packed once for the int16 kernels:
/// acc[m][n] = bias[n] + Σ_k x[m][k] · weights[n][k].
///
/// The int16/int32 paths are chosen per run from the actual input range and the weights, so
/// they are always exact; the Int64 fallback wraps on overflow, which `ModelExecutor` rules out
/// from the tensor bounds before running (direct callers must do the same). Safe to run from
/// several threads at once. Not constant-time (the path depends on the input range).
public final class PreparedGemm: @unchecked Sendable {
    public let op: Gemm
    /// B-side panels of the weights when every weight fits in int16.
    let packed: _AlignedBuffer<Int32>?
    let maxAbsW: Int64
    /// max_n Σ_k |w[n][k]|.
    let maxRowAbsSum: Int64
    let weights64: [Int64]

    public init(_ op: Gemm) throws {
        guard op.k > 0, op.n > 0 else { throw KernelError("Gemm: n = \(op.n) and k = \(op.k) must be positive") }
        guard op.weights.count == op.n * op.k else { throw KernelError("Gemm: \(op.weights.count) weights, n·k = \(op.n * op.k)") }
        guard op.bias.isEmpty || op.bias.count == op.n else { throw KernelError("Gemm: \(op.bias.count) biases for n = \(op.n)") }
        self.op = op
        let r = _Range16(op.weights)
        maxAbsW = r.maxAbs
        var best: Int64 = 0
        for n in 0..<op.n {
            var s: Int64 = 0
            for k in 0..<op.k { s += Int64(op.weights[n * op.k + k].magnitude) }
            best = max(best, s)
        }
        maxRowAbsSum = best
        weights64 = op.weights.map(Int64.init)
        if r.fitsInt16 {
            let pairs = (op.k + 1) / 2
            let buf = _AlignedBuffer<Int32>(count: _packedBSize(cols: op.n, pairs: pairs))
            op.weights.withUnsafeBufferPointer { _packB($0.baseAddress!, cols: op.n, k: op.k, ld: op.k, into: buf.pointer) }
            packed = buf
        } else {
            packed = nil
        }
    }

    /// Multiply-accumulates of a run over `rows` rows.
    public func macs(rows: Int) -> Int { rows * op.n * op.k }

    /// The accumulators for `x` (rows of k values, row-major): bit for bit `ReferenceKernels.gemm`.
    public func run(_ x: [Int64], threads: Int = 1) throws -> [Int64] {
        try runReportingPath(x, threads: threads).values
    }

    /// `run`, also reporting the arithmetic used (for tests and benchmarks); `microkernel` picks
    /// the tile kernel (an unavailable one falls back to `.baseline`).
    public func runReportingPath(_ x: [Int64], threads: Int = 1,
                                 microkernel: Int16Microkernel = .best) throws -> (values: [Int64], path: AccumulatorPath) {
        let microkernel = microkernel.isAvailable ? microkernel : .baseline
        let k = op.k, n = op.n
        guard x.count % k == 0 else { throw KernelError("Gemm: input of \(x.count) values is not rows of k = \(k)") }
        let rows = x.count / k
        if rows == 0 { return ([], .int32) }
        return x.withUnsafeBufferPointer { xp in
            guard let packed else { return (gemm64(xp, rows: rows, threads: threads), .int64) }
            // Pack optimistically; the range seen while packing decides whether the packing holds.
            let a = _AlignedBuffer<Int32>(count: _packedASize(rows: rows, pairs: (k + 1) / 2), zeroed: false)
            let xr = _Magnitude(bits: _packAParallel(xp.baseAddress!, rows: rows, k: k, ld: k, into: a.pointer,
                                                            threads: threads, microkernel: microkernel))
            guard xr.fitsInt16,
                  let plan = _GemmPlan(rows: rows, cols: n, k: k, maxAbsA: xr.bound, maxAbsB: maxAbsW,
                                       sumBound: _product(xr.bound, maxRowAbsSum))
            else { return (gemm64(xp, rows: rows, threads: threads), .int64) }
            let pairs = plan.pairs
            let out: [Int64] = op.bias.withUnsafeBufferPointer { bp in
                _uninitializedArray(rows * n) { o in
                    _runGemm(plan: plan, a: a.pointer, out: o, ldo: n, bias: bp.isEmpty ? .none : .columns(bp.baseAddress!),
                             threads: threads, microkernel: microkernel, needsScratch: false) { r, _ in
                        UnsafePointer(packed.pointer + r.lowerBound * pairs * _nr)
                    }
                }
            }
            return (out, plan.wide ? .int32Blocks : .int32)
        }
    }

    /// Int64 scalar path (the caller has ruled out Int64 overflow from the tensor bounds).
    func gemm64(_ xp: UnsafeBufferPointer<Int64>, rows: Int, threads: Int) -> [Int64] {
        let k = op.k, n = op.n
        var out = [Int64](repeating: 0, count: rows * n)
        let bias = op.bias
        do {
            weights64.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { outp in
                    let o = outp.baseAddress!
                    _parallelRanges(n, parts: threads) { cols in
                        for m in 0..<rows {
                            let xr = xp.baseAddress! + m * k
                            for j in cols {
                                let wr = wp.baseAddress! + j * k
                                var acc: Int64 = bias.isEmpty ? 0 : bias[j]
                                for t in 0..<k { acc &+= xr[t] &* wr[t] }
                                o[m * n + j] = acc
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A Conv op with its weights packed once for the int16 kernels: per group a GEMM of the
/// weights (rows = output channels) with the im2col matrix of the input (columns = pixels),
/// packed straight from a zero-padded copy for stride 1 and through row buffers otherwise.
/// Groups with fewer than 4 output channels (e.g. depthwise) use a direct Int64 loop.
///
/// Exactness and overflow as for `PreparedGemm`. Safe to run from several threads at once.
/// Not constant-time (the path depends on the input range).
public final class PreparedConv: @unchecked Sendable {
    public let op: Conv
    public let geometry: ConvGeometry
    /// A-side packed weights, one buffer per group, when the GEMM path applies.
    let packed: [_AlignedBuffer<Int32>]?
    let maxAbsW: Int64
    /// max_o Σ |w[o][…]|.
    let maxRowAbsSum: Int64

    public init(_ op: Conv, inputShape: [Int]) throws {
        let g = try ConvGeometry(op, inputShape: inputShape)
        self.op = op; geometry = g
        let r = _Range16(op.weights)
        maxAbsW = r.maxAbs
        let kg = g.reduction
        var best: Int64 = 0
        for o in 0..<g.outChannels {
            var s: Int64 = 0
            for t in 0..<kg { s += Int64(op.weights[o * kg + t].magnitude) }
            best = max(best, s)
        }
        maxRowAbsSum = best
        if r.fitsInt16 && g.groupOutChannels >= 4 {
            let og = g.groupOutChannels, pairs = (kg + 1) / 2
            packed = (0..<g.groups).map { grp in
                let buf = _AlignedBuffer<Int32>(count: _packedASize(rows: og, pairs: pairs))
                _ = op.weights.withUnsafeBufferPointer {
                    _packA($0.baseAddress! + grp * og * kg, rows: og, k: kg, ld: kg, into: buf.pointer)
                }
                return buf
            }
        } else {
            packed = nil
        }
    }

    /// The accumulators for input `x` (C·H·W values): bit for bit `ReferenceKernels.conv`.
    public func run(_ x: [Int64], threads: Int = 1) throws -> [Int64] {
        try runReportingPath(x, threads: threads).values
    }

    /// `run`, also reporting the arithmetic used (for tests and benchmarks); `microkernel` picks
    /// the tile kernel (an unavailable one falls back to `.baseline`).
    public func runReportingPath(_ x: [Int64], threads: Int = 1,
                                 microkernel: Int16Microkernel = .best) throws -> (values: [Int64], path: AccumulatorPath) {
        let microkernel = microkernel.isAvailable ? microkernel : .baseline
        let g = geometry
        guard x.count == g.channels * g.height * g.width else { throw KernelError("Conv: \(x.count) input values, expected \(g.channels)×\(g.height)×\(g.width)") }
        let pixels = g.outHeight * g.outWidth
        let xr = x.withUnsafeBufferPointer { _Magnitude($0) }
        // A = weights (rows = output channels), B = im2col of the input (columns = pixels).
        guard let packed, xr.fitsInt16,
              let plan = _GemmPlan(rows: g.groupOutChannels, cols: pixels, k: g.reduction,
                                   maxAbsA: maxAbsW, maxAbsB: xr.bound, sumBound: _product(xr.bound, maxRowAbsSum))
        else { return (direct64(x, threads: threads), .int64) }

        let og = g.groupOutChannels, pairs = plan.pairs
        if _ShiftedGrid.applies(g) {
            let grid = x.withUnsafeBufferPointer { _ShiftedGrid(g, input: $0) }
            var gridPlan = plan
            gridPlan.cols = grid.columns
            let out: [Int64] = grid.columnMap.withUnsafeBufferPointer { map in
                op.bias.withUnsafeBufferPointer { bp in
                    _uninitializedArray(g.outChannels * pixels) { o in
                        for grp in 0..<g.groups {
                            _runGemm(plan: gridPlan, a: packed[grp].pointer, out: o + grp * og * pixels, ldo: pixels,
                                     columnMap: map.baseAddress!, bias: bp.isEmpty ? .none : .rows(bp.baseAddress! + grp * og),
                                     threads: threads, microkernel: microkernel, needsScratch: true) { r, scratch in
                                let zeros = UnsafeMutableRawPointer(scratch + r.count * pairs * _nr).assumingMemoryBound(to: Int16.self)
                                grid.pack(group: grp, panels: r, zeros: zeros, into: scratch)
                                return UnsafePointer(scratch)
                            }
                        }
                    }
                }
            }
            return (out, plan.wide ? .int32Blocks : .int32)
        }

        let input16: [Int16] = x.withUnsafeBufferPointer { xp in
            _uninitializedArray(xp.count) { d in for i in 0..<xp.count { d[i] = Int16(truncatingIfNeeded: xp[i]) } }
        }
        let out: [Int64] = input16.withUnsafeBufferPointer { inp in
            op.bias.withUnsafeBufferPointer { bp in
                _uninitializedArray(g.outChannels * pixels) { o in
                    let input = inp.baseAddress!
                    for grp in 0..<g.groups {
                        _runGemm(plan: plan, a: packed[grp].pointer, out: o + grp * og * pixels, ldo: pixels,
                                 bias: bp.isEmpty ? .none : .rows(bp.baseAddress! + grp * og),
                                 threads: threads, microkernel: microkernel, needsScratch: true) { r, scratch in
                            let rows = UnsafeMutableRawPointer(scratch + r.count * pairs * _nr).assumingMemoryBound(to: Int16.self)
                            _packIm2col(input, g, group: grp, panels: r, rows: rows, into: scratch)
                            return UnsafePointer(scratch)
                        }
                    }
                }
            }
        }
        return (out, plan.wide ? .int32Blocks : .int32)
    }

    /// Direct Int64 convolution (depthwise and fallback); the caller has ruled out overflow.
    func direct64(_ x: [Int64], threads: Int) -> [Int64] {
        let g = geometry
        let pixels = g.outHeight * g.outWidth
        var out = [Int64](repeating: 0, count: g.outChannels * pixels)
        let cols = (0..<g.kernelW).map { g.validColumns(kernelColumn: $0) }
        x.withUnsafeBufferPointer { xp in
            op.weights.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { outp in
                    let input = xp.baseAddress!, w = wp.baseAddress!, o = outp.baseAddress!
                    _parallelRanges(g.outChannels, parts: threads) { channels in
                        for oc in channels {
                            let plane = o + oc * pixels
                            let b: Int64 = op.bias.isEmpty ? 0 : op.bias[oc]
                            for p in 0..<pixels { plane[p] = b }
                            let grp = oc / g.groupOutChannels
                            for cc in 0..<g.groupChannels {
                                let inPlane = input + (grp * g.groupChannels + cc) * g.height * g.width
                                for i in 0..<g.kernelH {
                                    for j in 0..<g.kernelW {
                                        let wv = Int64(w[((oc * g.groupChannels + cc) * g.kernelH + i) * g.kernelW + j])
                                        if wv == 0 { continue }
                                        let valid = cols[j], off = j * g.dilationW - g.padLeft
                                        for oy in 0..<g.outHeight {
                                            let iy = oy * g.strideH + i * g.dilationH - g.padTop
                                            if iy < 0 || iy >= g.height { continue }
                                            let src = inPlane + iy * g.width, dst = plane + oy * g.outWidth
                                            if g.strideW == 1 {
                                                for ox in valid { dst[ox] &+= wv &* src[ox + off] }
                                            } else {
                                                for ox in valid { dst[ox] &+= wv &* src[ox * g.strideW + off] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
