/// Float-graph rewrites before quantization: fold per-channel affine maps (BatchNormalization,
/// Mul/Add/Sub/Div by constants) into the preceding Gemm/Conv, merge chains of affine maps, drop
/// identities, and turn the per-channel affine maps that remain into depthwise convolutions or
/// diagonal Gemms (which quantize like any other layer).
enum GraphRewrites {
    static func fold(_ graph: FGraph) -> FGraph {
        var g = graph
        var changed = true
        while changed {
            changed = false
            let consumers = g.consumerCounts()
            var producer: [String: Int] = [:]
            for (i, n) in g.nodes.enumerated() { producer[n.output] = i }
            for (i, node) in g.nodes.enumerated() {
                guard case .affine(let a) = node.op, let p = producer[node.inputs[0]], consumers[node.inputs[0]] == 1 else { continue }
                let rank = g.shape(node.inputs[0]).count
                var merged: FOp? = nil
                switch g.nodes[p].op {
                case .linear(let l) where a.isScalar || a.axis == rank - 1:
                    merged = .linear(apply(a, to: l))
                case .conv(let c) where a.isScalar || a.axis == 1:
                    merged = .conv(apply(a, to: c))
                case .affine(let b) where a.isScalar || b.isScalar || a.axis == b.axis:
                    merged = .affine(compose(b, then: a))
                default:
                    break
                }
                if let merged {
                    g.nodes[p].op = merged
                    g.nodes[p].output = node.output
                    g.nodes.remove(at: i)
                    changed = true
                    break
                }
            }
        }
        return removeIdentities(g)
    }

    /// Scalar affine maps y = x (a reinterpretation onto the same grid) disappear.
    static func removeIdentities(_ graph: FGraph) -> FGraph {
        var g = graph
        var rename: [String: String] = [:]
        var kept: [FNode] = []
        for var node in g.nodes {
            node.inputs = node.inputs.map { rename[$0] ?? $0 }
            if case .affine(let a) = node.op, a.scale.allSatisfy({ $0 == 1 }), a.shift.allSatisfy({ $0 == 0 }),
               !g.outputs.contains(node.output) {
                rename[node.output] = node.inputs[0]
                continue
            }
            kept.append(node)
        }
        g.nodes = kept
        return g
    }

    /// Per-channel affine maps that are left become depthwise 1×1 convolutions (NCHW, channel axis 1)
    /// or diagonal Gemms (channel axis last); scalar ones stay (they become Elementwise ops).
    static func lowerChannelAffines(_ graph: FGraph) throws -> FGraph {
        var g = graph
        for (i, node) in g.nodes.enumerated() {
            guard case .affine(let a) = node.op, !a.isScalar else { continue }
            let s = g.shape(node.inputs[0])
            let c = s[a.axis]
            let scale = a.scale.count == 1 ? Array(repeating: a.scale[0], count: c) : a.scale
            let shift = a.shift.count == 1 ? Array(repeating: a.shift[0], count: c) : a.shift
            if s.count == 4 && a.axis == 1 && s[0] == 1 {
                g.nodes[i].op = .conv(FConv(weightShape: [c, 1, 1, 1], weights: scale, bias: shift, strides: [1, 1],
                                            pads: [0, 0, 0, 0], dilations: [1, 1], groups: c, pinned: nil, pinnedBias: nil))
            } else if a.axis == s.count - 1 {
                var w = [Double](repeating: 0, count: c * c)
                for j in 0..<c { w[j * c + j] = scale[j] }
                g.nodes[i].op = .linear(FLinear(n: c, k: c, weights: w, bias: shift, pinned: nil, pinnedBias: nil))
            } else {
                throw ONNXError(.unsupportedOp, file: g.source,
                                "\(node.label): a per-channel scale or offset along axis \(a.axis) of a tensor of shape \(s) is supported only after a Gemm/Conv, on NCHW channels or on the last axis")
            }
        }
        return g
    }

    private static func channelValues(_ v: [Double], _ n: Int) -> [Double] { v.count == 1 ? Array(repeating: v[0], count: n) : v }

    static func apply(_ a: FAffine, to l: FLinear) -> FLinear {
        var l = l
        let scale = channelValues(a.scale, l.n), shift = channelValues(a.shift, l.n)
        for o in 0..<l.n {
            for k in 0..<l.k { l.weights[o * l.k + k] *= scale[o] }
            l.bias[o] = l.bias[o] * scale[o] + shift[o]
        }
        l.pinned = scaled(l.pinned, scale, rowLength: l.k)
        l.pinnedBias = scaled(l.pinnedBias, scale, shift)
        return l
    }

    static func apply(_ a: FAffine, to c: FConv) -> FConv {
        var c = c
        let o = c.weightShape[0], per = c.weights.count / o
        let scale = channelValues(a.scale, o), shift = channelValues(a.shift, o)
        for j in 0..<o {
            for i in 0..<per { c.weights[j * per + i] *= scale[j] }
            c.bias[j] = c.bias[j] * scale[j] + shift[j]
        }
        c.pinned = scaled(c.pinned, scale, rowLength: per)
        c.pinnedBias = scaled(c.pinnedBias, scale, shift)
        return c
    }

    /// Pinned integer weights stay integers: the channel scale absorbs |a|, the sign flips the integers.
    private static func scaled(_ p: PinnedWeights?, _ a: [Double], rowLength: Int) -> PinnedWeights? {
        guard var p else { return nil }
        for o in 0..<a.count {
            guard a[o] != 0 else { return nil }
            p.scales[o] *= abs(a[o])
            if a[o] < 0 { for i in 0..<rowLength { p.ints[o * rowLength + i] = -p.ints[o * rowLength + i] } }
        }
        return p
    }

    private static func scaled(_ p: PinnedBias?, _ a: [Double], _ b: [Double]) -> PinnedBias? {
        guard var p, b.allSatisfy({ $0 == 0 }) else { return nil }
        for o in 0..<a.count {
            guard a[o] != 0 else { return nil }
            p.scales[o] *= abs(a[o])
            if a[o] < 0 { p.ints[o] = -p.ints[o] }
        }
        return p
    }

    /// (then ∘ first)(x) = then.scale · (first.scale · x + first.shift) + then.shift.
    static func compose(_ first: FAffine, then: FAffine) -> FAffine {
        let n = max(first.scale.count, first.shift.count, then.scale.count, then.shift.count)
        let axis = first.isScalar ? then.axis : first.axis
        if n == 1 {
            return FAffine(scale: [then.scale[0] * first.scale[0]], shift: [then.scale[0] * first.shift[0] + then.shift[0]], axis: axis)
        }
        let s1 = channelValues(first.scale, n), b1 = channelValues(first.shift, n)
        let s2 = channelValues(then.scale, n), b2 = channelValues(then.shift, n)
        return FAffine(scale: (0..<n).map { s2[$0] * s1[$0] }, shift: (0..<n).map { s2[$0] * b1[$0] + b2[$0] }, axis: axis)
    }
}
