/// Fast kernels for the ops other than Gemm and Conv, bit for bit equal to `ReferenceKernels`.
///
/// Their preconditions on magnitudes (no Int64 overflow in acc·M + 2^(k−1), in the pooling sums
/// or in the elementwise sums) are what `ModelExecutor` proves from the tensor bounds before it
/// runs anything; called directly, the caller must ensure them.
public enum Kernels {
    /// Requantize: y = clamp(⌊(acc·M_c + 2^(k−1)) / 2^k⌋, lower, upper); with `trace`, also the
    /// unclamped quotients and the remainders acc·M_c + 2^(k−1) − q·2^k ∈ [0, 2^k).
    public static func requantize(_ acc: [Int64], shape: [Int], _ op: Requantize, trace: Bool)
        throws -> (values: [Int64], quotients: [Int64]?, remainders: [Int64]?) {
        _ = try ReferenceKernels.requantizeChannels(shape: shape, count: acc.count, op)  // validates
        let perChannel = op.multipliers.count > 1
        let channels = perChannel ? shape[op.channelAxis] : 1
        let inner = perChannel ? shape[(op.channelAxis + 1)...].reduce(1, *) : acc.count
        let outer = acc.count / max(1, channels * inner)
        let k = Int64(op.shift), half: Int64 = op.shift == 0 ? 0 : Int64(1) << (op.shift - 1)
        let mask: Int64 = (Int64(1) << op.shift) - 1, lower = op.lower, upper = op.upper
        var values = [Int64](repeating: 0, count: acc.count)
        var quotients = [Int64](repeating: 0, count: trace ? acc.count : 0)
        var remainders = [Int64](repeating: 0, count: trace ? acc.count : 0)
        acc.withUnsafeBufferPointer { a in
            values.withUnsafeMutableBufferPointer { v in
                quotients.withUnsafeMutableBufferPointer { q in
                    remainders.withUnsafeMutableBufferPointer { r in
                        var base = 0
                        for _ in 0..<outer {
                            for c in 0..<channels {
                                let m = op.multipliers[c]
                                let src = a.baseAddress! + base, dst = v.baseAddress! + base
                                if trace {
                                    let qd = q.baseAddress! + base, rd = r.baseAddress! + base
                                    for i in 0..<inner {
                                        let t = src[i] &* m &+ half
                                        let quo = t &>> k                    // arithmetic shift = ⌊t / 2^k⌋
                                        qd[i] = quo; rd[i] = t & mask
                                        dst[i] = min(max(quo, lower), upper)
                                    }
                                } else {
                                    for i in 0..<inner {
                                        let quo = (src[i] &* m &+ half) &>> k
                                        dst[i] = min(max(quo, lower), upper)
                                    }
                                }
                                base += inner
                            }
                        }
                    }
                }
            }
        }
        return (values, trace ? quotients : nil, trace ? remainders : nil)
    }

    /// y = min(max(x, lower), upper).
    public static func clamp(_ x: [Int64], lower: Int64, upper: Int64) -> [Int64] {
        var out = [Int64](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                for i in 0..<s.count { d[i] = min(max(s[i], lower), upper) }
            }
        }
        return out
    }

    /// Max pooling (padded positions ignored).
    public static func maxPool(_ x: [Int64], inputShape: [Int], _ op: Pool) throws -> [Int64] {
        let g = try PoolGeometry(op, inputShape: inputShape)
        guard x.count == g.channels * g.height * g.width else { throw KernelError("MaxPool: \(x.count) input values for shape \(inputShape)") }
        var out = [Int64](repeating: 0, count: g.channels * g.outHeight * g.outWidth)
        let cols = (0..<g.outWidth).map { g.columns($0) }
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { outp in
                var d = outp.baseAddress!
                for c in 0..<g.channels {
                    let plane = xp.baseAddress! + c * g.height * g.width
                    for oy in 0..<g.outHeight {
                        let rows = g.rows(oy)
                        for ox in 0..<g.outWidth {
                            let cr = cols[ox]
                            var best = Int64.min
                            for iy in rows {
                                let r = plane + iy * g.width
                                for ix in cr { best = max(best, r[ix]) }
                            }
                            d.pointee = best; d += 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// Average pooling: y = ⌊(2·sum + n) / (2n)⌋; with `trace`, the remainders 2·sum + n − 2n·y.
    public static func avgPool(_ x: [Int64], inputShape: [Int], _ op: Pool, trace: Bool) throws -> (values: [Int64], remainders: [Int64]?) {
        let g = try PoolGeometry(op, inputShape: inputShape)
        guard x.count == g.channels * g.height * g.width else { throw KernelError("AveragePool: \(x.count) input values for shape \(inputShape)") }
        let count = g.channels * g.outHeight * g.outWidth
        var out = [Int64](repeating: 0, count: count)
        var rem = [Int64](repeating: 0, count: trace ? count : 0)
        let cols = (0..<g.outWidth).map { g.columns($0) }
        let area = Int64(g.kernelH * g.kernelW)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { outp in
                rem.withUnsafeMutableBufferPointer { rp in
                    var idx = 0
                    for c in 0..<g.channels {
                        let plane = xp.baseAddress! + c * g.height * g.width
                        for oy in 0..<g.outHeight {
                            let rows = g.rows(oy)
                            for ox in 0..<g.outWidth {
                                let cr = cols[ox]
                                var sum: Int64 = 0
                                for iy in rows {
                                    let r = plane + iy * g.width
                                    for ix in cr { sum &+= r[ix] }
                                }
                                let n = op.countIncludePad ? area : Int64(rows.count * cr.count)
                                let t = 2 &* sum &+ n
                                let y = floorDivide(t, 2 * n)
                                outp[idx] = y
                                if trace { rp[idx] = t &- 2 &* n &* y }
                                idx += 1
                            }
                        }
                    }
                }
            }
        }
        return (out, trace ? rem : nil)
    }

    /// acc = offset + Σ_i multipliers[i] · inputs[i], elementwise.
    public static func elementwise(_ xs: [[Int64]], multipliers: [Int64], offset: Int64) throws -> [Int64] {
        guard !xs.isEmpty, xs.count == multipliers.count else { throw KernelError("Elementwise: \(xs.count) inputs, \(multipliers.count) multipliers") }
        let n = xs[0].count
        guard xs.allSatisfy({ $0.count == n }) else { throw KernelError("Elementwise: inputs differ in length") }
        var out = [Int64](repeating: offset, count: n)
        out.withUnsafeMutableBufferPointer { d in
            for (x, m) in zip(xs, multipliers) {
                x.withUnsafeBufferPointer { s in
                    for i in 0..<n { d[i] &+= m &* s[i] }
                }
            }
        }
        return out
    }

    /// output[i_perm[0], …] = input[i_0, …]: walks the output in order with an odometer over the
    /// input strides.
    public static func transpose(_ x: [Int64], shape: [Int], perm: [Int]) throws -> [Int64] {
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else { throw KernelError("Transpose: perm \(perm) is not a permutation of \(shape.count) axes") }
        guard x.count == shape.reduce(1, *) else { throw KernelError("Transpose: \(x.count) values for shape \(shape)") }
        let r = shape.count
        if x.isEmpty || r == 0 { return x }
        let inStrides = rowMajorStrides(shape)
        let outShape = perm.map { shape[$0] }, step = perm.map { inStrides[$0] }
        var out = [Int64](repeating: 0, count: x.count)
        var index = [Int](repeating: 0, count: r)
        x.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                let last = r - 1, n = outShape[last], st = step[last]
                var src = 0, o = 0
                while o < d.count {
                    for t in 0..<n { d[o + t] = s[src + t * st] }    // innermost output axis
                    o += n
                    var axis = last - 1                              // advance the odometer
                    while axis >= 0 {
                        index[axis] += 1; src += step[axis]
                        if index[axis] < outShape[axis] { break }
                        src -= step[axis] * outShape[axis]; index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// Inputs joined along `axis` by contiguous block copies.
    public static func concat(_ xs: [[Int64]], shapes: [[Int]], axis: Int) throws -> [Int64] {
        let outShape = try ReferenceKernels.concatShape(shapes, axis: axis)
        guard xs.count == shapes.count, zip(xs, shapes).allSatisfy({ $0.count == $1.reduce(1, *) }) else {
            throw KernelError("Concat: value counts do not match the shapes")
        }
        let outer = outShape[..<axis].reduce(1, *), inner = outShape[(axis + 1)...].reduce(1, *)
        var out = [Int64]()
        out.reserveCapacity(outShape.reduce(1, *))
        for o in 0..<outer {
            for (x, s) in zip(xs, shapes) {
                let block = s[axis] * inner
                out.append(contentsOf: x[(o * block)..<((o + 1) * block)])
            }
        }
        return out
    }
}
