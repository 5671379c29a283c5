/// The executable specification of the IR: every op as naive scalar Int64 loops that follow the
/// doc comments in `QuantizedModel.swift` literally (floor division, round half up, clamps,
/// padding). Slow on purpose; the fast kernels are tested bit for bit against these.
///
/// Arithmetic is checked: an Int64 overflow stops the process (the executor rules overflow out
/// statically before any kernel runs). Shape problems throw `KernelError`.
public enum ReferenceKernels {
    @usableFromInline static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        if o { fatalError("ReferenceKernels: Int64 overflow in \(a) + \(b)") }
        return r
    }
    @usableFromInline static func mul(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { fatalError("ReferenceKernels: Int64 overflow in \(a) · \(b)") }
        return r
    }

    /// acc[m][n] = bias[n] + Σ_k x[m][k] · weights[n][k], for `x.count / op.k` rows.
    public static func gemm(_ x: [Int64], _ op: Gemm) throws -> [Int64] {
        guard op.k > 0, op.n > 0, x.count % op.k == 0 else { throw KernelError("Gemm: input of \(x.count) values is not rows of k = \(op.k)") }
        guard op.weights.count == op.n * op.k else { throw KernelError("Gemm: \(op.weights.count) weights, n·k = \(op.n * op.k)") }
        guard op.bias.isEmpty || op.bias.count == op.n else { throw KernelError("Gemm: \(op.bias.count) biases for n = \(op.n)") }
        let rows = x.count / op.k
        var out = [Int64](repeating: 0, count: rows * op.n)
        for m in 0..<rows {
            for n in 0..<op.n {
                var acc = op.bias.isEmpty ? 0 : op.bias[n]
                for k in 0..<op.k {
                    acc = add(acc, mul(x[m * op.k + k], Int64(op.weights[n * op.k + k])))
                }
                out[m * op.n + n] = acc
            }
        }
        return out
    }

    /// acc[o][y][x] = bias[o] + Σ in[c][y·sh + i·dh − padTop][x·sw + j·dw − padLeft] · w[o][c'][i][j]
    /// over the channels c = g·C/G + c' of o's group g, positions outside the input being zero.
    public static func conv(_ x: [Int64], inputShape: [Int], _ op: Conv) throws -> [Int64] {
        let g = try ConvGeometry(op, inputShape: inputShape)
        guard x.count == g.channels * g.height * g.width else { throw KernelError("Conv: \(x.count) input values for shape \(inputShape)") }
        var out = [Int64](repeating: 0, count: g.outChannels * g.outHeight * g.outWidth)
        for o in 0..<g.outChannels {
            let group = o / g.groupOutChannels
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var acc = op.bias.isEmpty ? 0 : op.bias[o]
                    for cc in 0..<g.groupChannels {
                        let c = group * g.groupChannels + cc
                        for i in 0..<g.kernelH {
                            for j in 0..<g.kernelW {
                                let iy = oy * g.strideH + i * g.dilationH - g.padTop
                                let ix = ox * g.strideW + j * g.dilationW - g.padLeft
                                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                let v = x[(c * g.height + iy) * g.width + ix]
                                let w = op.weights[((o * g.groupChannels + cc) * g.kernelH + i) * g.kernelW + j]
                                acc = add(acc, mul(v, Int64(w)))
                            }
                        }
                    }
                    out[(o * g.outHeight + oy) * g.outWidth + ox] = acc
                }
            }
        }
        return out
    }

    /// y = clamp(q, lower, upper) with q = ⌊(acc · M_c + 2^(k−1)) / 2^k⌋ (q = acc · M_c for k = 0)
    /// and the remainder r = acc · M_c + 2^(k−1) − q · 2^k ∈ [0, 2^k).
    public static func requantize(_ acc: [Int64], shape: [Int], _ op: Requantize) throws
        -> (values: [Int64], quotients: [Int64], remainders: [Int64]) {
        let channelOf = try requantizeChannels(shape: shape, count: acc.count, op)
        let half: Int64 = op.shift == 0 ? 0 : Int64(1) << (op.shift - 1)
        let divisor = Int64(1) << op.shift
        var values = [Int64](), quotients = [Int64](), remainders = [Int64]()
        for i in acc.indices {
            let t = add(mul(acc[i], op.multipliers[channelOf(i)]), half)
            let q = floorDivide(t, divisor)
            quotients.append(q)
            remainders.append(t - q * divisor)
            values.append(min(max(q, op.lower), op.upper))
        }
        return (values, quotients, remainders)
    }

    /// Validates a Requantize against its input shape and returns the channel of each flat index.
    static func requantizeChannels(shape: [Int], count: Int, _ op: Requantize) throws -> (Int) -> Int {
        guard shape.reduce(1, *) == count else { throw KernelError("Requantize: \(count) values for shape \(shape)") }
        guard (0...62).contains(op.shift) else { throw KernelError("Requantize: shift \(op.shift) outside 0...62") }
        guard op.lower <= op.upper else { throw KernelError("Requantize: lower \(op.lower) > upper \(op.upper)") }
        if op.multipliers.count == 1 { return { _ in 0 } }
        guard op.channelAxis >= 0, op.channelAxis < shape.count else {
            throw KernelError("Requantize: channelAxis \(op.channelAxis) outside the input's \(shape.count) axes")
        }
        guard op.multipliers.count == shape[op.channelAxis] else {
            throw KernelError("Requantize: \(op.multipliers.count) multipliers for \(shape[op.channelAxis]) channels on axis \(op.channelAxis)")
        }
        let inner = shape[(op.channelAxis + 1)...].reduce(1, *), channels = shape[op.channelAxis]
        return { i in (i / inner) % channels }
    }

    /// y = min(max(x, lower), upper).
    public static func clamp(_ x: [Int64], lower: Int64, upper: Int64) -> [Int64] {
        x.map { min(max($0, lower), upper) }
    }

    /// Maximum over the in-bounds positions of each window.
    public static func maxPool(_ x: [Int64], inputShape: [Int], _ op: Pool) throws -> [Int64] {
        let g = try PoolGeometry(op, inputShape: inputShape)
        guard x.count == g.channels * g.height * g.width else { throw KernelError("MaxPool: \(x.count) input values for shape \(inputShape)") }
        var out = [Int64]()
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var best = Int64.min
                    for i in 0..<g.kernelH {
                        for j in 0..<g.kernelW {
                            let iy = oy * g.strideH + i - g.padTop, ix = ox * g.strideW + j - g.padLeft
                            guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                            best = max(best, x[(c * g.height + iy) * g.width + ix])
                        }
                    }
                    out.append(best)
                }
            }
        }
        return out
    }

    /// y = ⌊(2·sum + n) / (2n)⌋ with n the kernel area (countIncludePad) or the number of in-bounds
    /// positions, and the remainder r = 2·sum + n − 2n·y ∈ [0, 2n).
    public static func avgPool(_ x: [Int64], inputShape: [Int], _ op: Pool) throws -> (values: [Int64], remainders: [Int64]) {
        let g = try PoolGeometry(op, inputShape: inputShape)
        guard x.count == g.channels * g.height * g.width else { throw KernelError("AveragePool: \(x.count) input values for shape \(inputShape)") }
        var out = [Int64](), rem = [Int64]()
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum: Int64 = 0, inside: Int64 = 0
                    for i in 0..<g.kernelH {
                        for j in 0..<g.kernelW {
                            let iy = oy * g.strideH + i - g.padTop, ix = ox * g.strideW + j - g.padLeft
                            guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                            sum = add(sum, x[(c * g.height + iy) * g.width + ix])
                            inside += 1
                        }
                    }
                    let n = op.countIncludePad ? Int64(g.kernelH * g.kernelW) : inside
                    let t = add(mul(2, sum), n)
                    let y = floorDivide(t, 2 * n)
                    out.append(y)
                    rem.append(t - 2 * n * y)
                }
            }
        }
        return (out, rem)
    }

    /// acc = offset + Σ_i multipliers[i] · inputs[i], elementwise.
    public static func elementwise(_ xs: [[Int64]], multipliers: [Int64], offset: Int64) throws -> [Int64] {
        guard !xs.isEmpty, xs.count == multipliers.count else { throw KernelError("Elementwise: \(xs.count) inputs, \(multipliers.count) multipliers") }
        let n = xs[0].count
        guard xs.allSatisfy({ $0.count == n }) else { throw KernelError("Elementwise: inputs differ in length") }
        return (0..<n).map { i in
            var acc = offset
            for t in xs.indices { acc = add(acc, mul(multipliers[t], xs[t][i])) }
            return acc
        }
    }

    /// output[i_perm[0], …, i_perm[r−1]] = input[i_0, …, i_(r−1)].
    public static func transpose(_ x: [Int64], shape: [Int], perm: [Int]) throws -> [Int64] {
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else { throw KernelError("Transpose: perm \(perm) is not a permutation of \(shape.count) axes") }
        guard x.count == shape.reduce(1, *) else { throw KernelError("Transpose: \(x.count) values for shape \(shape)") }
        let outShape = perm.map { shape[$0] }
        let inStrides = rowMajorStrides(shape), outStrides = rowMajorStrides(outShape)
        var out = [Int64](repeating: 0, count: x.count)
        for flat in x.indices {
            var rest = flat, dst = 0
            let index = inStrides.map { s -> Int in let v = rest / s; rest %= s; return v }
            for j in perm.indices { dst += index[perm[j]] * outStrides[j] }
            out[dst] = x[flat]
        }
        return out
    }

    /// Inputs joined along `axis`.
    public static func concat(_ xs: [[Int64]], shapes: [[Int]], axis: Int) throws -> [Int64] {
        let outShape = try concatShape(shapes, axis: axis)
        guard xs.count == shapes.count, zip(xs, shapes).allSatisfy({ $0.count == $1.reduce(1, *) }) else {
            throw KernelError("Concat: value counts do not match the shapes")
        }
        let outStrides = rowMajorStrides(outShape)
        var out = [Int64](repeating: 0, count: outShape.reduce(1, *))
        var offset = 0
        for (x, shape) in zip(xs, shapes) {
            let strides = rowMajorStrides(shape)
            for flat in x.indices {
                var rest = flat, dst = 0
                for d in shape.indices {
                    let v = rest / strides[d]; rest %= strides[d]
                    dst += (d == axis ? v + offset : v) * outStrides[d]
                }
                out[dst] = x[flat]
            }
            offset += shape[axis]
        }
        return out
    }

    /// The output shape of a Concat, validated.
    public static func concatShape(_ shapes: [[Int]], axis: Int) throws -> [Int] {
        guard let first = shapes.first else { throw KernelError("Concat: no inputs") }
        guard axis >= 0, axis < first.count else { throw KernelError("Concat: axis \(axis) outside \(first.count) axes") }
        var out = first
        for s in shapes.dropFirst() {
            guard s.count == first.count, s.indices.allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
                throw KernelError("Concat: shape \(s) does not match \(first) off axis \(axis)")
            }
            out[axis] += s[axis]
        }
        return out
    }
}
