#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Float graph + calibration statistics → quantized IR.
///
/// Scheme (docs/QUANTIZED_IR.md has the integer semantics):
/// - activations: symmetric per tensor, `bits` bits: scale = absmax / (2^(bits−1) − 1), bounds ±(2^(bits−1) − 1)
///   (model inputs [−2^(bits−1), 2^(bits−1) − 1], which costs half the range-check constraints);
///   tensors that the ONNX model quantizes itself (QuantizeLinear, QLinear outputs) keep its scale and
///   become q − zero point with bounds [qmin − z, qmax − z];
/// - weights: symmetric per output channel, int8 (scale_w[o] = absmax(w[o]) / 127), or the model's own integers;
/// - bias: Int64 at scale s_x · s_w[o];
/// - after each Gemm/Conv/Elementwise accumulator a Requantize with per-channel multipliers
///   M_c = round(s_acc[c] / s_y · 2^k), k the smallest shift keeping M_c ≥ 2^11 for the largest channel
///   (≥ 2^10 for the smallest where M_c < 2^24 allows), and |acc| · M_c < 2^62;
///   a following Relu/Clip/QuantizeLinear becomes its clamp bounds;
/// - accumulator bounds are exact interval bounds: Σ_k w·[x_lo, x_hi] (by the sign of w) + b per channel.
struct Quantizer {
    /// What an IR tensor approximates, for the report.
    struct Provenance {
        var floatName: String
        var op: String
        var label: String
    }

    enum Value {
        case activation(TensorID)
        /// An integer accumulator with per-channel scales along `axis`, and a real-valued clamp
        /// [lo, hi] (Relu/Clip) still to apply when it is requantized.
        case accumulator(id: TensorID, scales: [Double], axis: Int, lo: Double, hi: Double)
    }

    let graph: FGraph
    let absmax: [String: Double]
    let bits: Int
    let outputBits: Int
    var file: String { graph.source }

    private(set) var tensors: [TensorInfo] = []
    private(set) var ops: [Op] = []
    private(set) var provenance: [TensorID: Provenance] = [:]
    /// Tensors whose scale came from calibration (the ones `bits` applies to).
    private(set) var calibratedTensors = 0
    private var values: [String: Value] = [:]
    private var materialized: [String: TensorID] = [:]
    private var usedNames: Set<String> = []
    private var consumers: [String: [Int]] = [:]

    init(graph: FGraph, absmax: [String: Double], bits: Int, outputBits: Int) {
        self.graph = graph; self.absmax = absmax; self.bits = bits; self.outputBits = outputBits
        for (i, n) in graph.nodes.enumerated() { for x in n.inputs { consumers[x, default: []].append(i) } }
    }

    static func qmax(_ bits: Int) -> Int64 { (Int64(1) << (bits - 1)) - 1 }

    // MARK: - Driver

    mutating func run(outputNames: [String]) throws -> QuantizedModel {
        var inputs: [TensorID] = []
        for name in graph.inputs {
            let shape = graph.shape(name)
            let id: TensorID
            if let grid = pinnedInputGrid(name) {
                id = add(name, shape, scale: grid.scale, lower: grid.lower, upper: grid.upper, op: "Input", label: "input")
            } else {
                let (scale, q) = try calibratedScale(name, bits: bits)
                // The full two's-complement range: one bit decomposition range-checks it in the
                // circuit, where ±q would take two.
                id = add(name, shape, scale: scale, lower: -q - 1, upper: q, op: "Input", label: "input")
            }
            values[name] = .activation(id)
            inputs.append(id)
        }
        for (index, node) in graph.nodes.enumerated() {
            try lower(node, index)
        }
        var outputs: [TensorID] = []
        for (name, onnxName) in zip(graph.outputs, outputNames) {
            let id: TensorID
            switch values[name]! {
            case .activation(let a):
                id = a
            case .accumulator:
                let (scale, q) = try calibratedScale(name, bits: outputBits)
                id = try materialize(name, scale: scale, lower: -q, upper: q, label: "graph output")
            }
            // Outputs carry the ONNX output names.
            if tensors[id].name != onnxName && !usedNames.contains(onnxName) {
                usedNames.insert(onnxName)
                tensors[id].name = onnxName
            }
            outputs.append(id)
        }
        return QuantizedModel(tensors: tensors, ops: ops, inputs: inputs, outputs: outputs, source: file)
    }

    /// The grid of a graph input that is only read by QuantizeLinear nodes of one grid.
    private func pinnedInputGrid(_ name: String) -> QParams? {
        guard let readers = consumers[name], !readers.isEmpty, !graph.outputs.contains(name) else { return nil }
        var grid: QParams? = nil
        for r in readers {
            guard case .fakeQuant(let q) = graph.nodes[r].op else { return nil }
            if let g = grid, !g.sameGrid(q) { return nil }
            grid = q
        }
        return grid
    }

    /// Scale absmax / (2^(bits−1) − 1) from calibration (absmax 0 is taken as 1: a constant-zero tensor).
    private mutating func calibratedScale(_ name: String, bits: Int) throws -> (Double, Int64) {
        let q = Self.qmax(bits)
        guard var m = absmax[name] else {
            throw ONNXError(.quantization, file: file,
                            "tensor '\(name)' has no quantization parameters in the model; calibration data is needed to choose its scale")
        }
        if !(m > 0) || !m.isFinite { m = 1 }
        calibratedTensors += 1
        return (m / Double(q), q)
    }

    // MARK: - Tensors

    private mutating func add(_ name: String, _ shape: [Int], scale: Double, lower: Int64, upper: Int64,
                              op: String, label: String, floatName: String? = nil) -> TensorID {
        var unique = name
        var n = 1
        while usedNames.contains(unique) { n += 1; unique = "\(name)#\(n)" }
        usedNames.insert(unique)
        tensors.append(TensorInfo(name: unique, shape: shape, scale: scale, lower: lower, upper: upper))
        let id = tensors.count - 1
        provenance[id] = Provenance(floatName: floatName ?? name, op: op, label: label)
        return id
    }

    /// The activation tensor for a float tensor, requantizing an accumulator at its calibrated scale.
    private mutating func activation(_ name: String) throws -> TensorID {
        switch values[name]! {
        case .activation(let id):
            return id
        case .accumulator:
            if let id = materialized[name] { return id }
            let (scale, q) = try calibratedScale(name, bits: bits)
            return try materialize(name, scale: scale, lower: -q, upper: q, label: "requantize")
        }
    }

    /// Requantizes the accumulator behind `name` to `scale`, clamped to [lower, upper] ∩ its Relu/Clip range.
    private mutating func materialize(_ name: String, scale: Double, lower: Int64, upper: Int64, label: String,
                                      tensorName: String? = nil, floatName: String? = nil) throws -> TensorID {
        guard case .accumulator(let acc, let scales, let axis, let lo, let hi)? = values[name] else {
            throw ONNXError(.quantization, file: file, "internal: '\(name)' is not an accumulator")
        }
        var lower = lower, upper = upper
        if lo.isFinite { lower = max(lower, Self.saturated(lo / scale)) }
        if hi.isFinite { upper = min(upper, Self.saturated(hi / scale)) }
        if lower > upper { lower = upper }
        let info = tensors[acc]
        let bound = max(info.lower.magnitude, info.upper.magnitude)
        let uniform = scales.allSatisfy { $0 == scales[0] }
        let ratios = (uniform ? [scales[0]] : scales).map { $0 / scale }
        let (m, k) = try Self.multipliers(ratios, accumulatorBound: bound, file: file, what: name)
        let id = add(tensorName ?? name, info.shape, scale: scale, lower: lower, upper: upper, op: "Requantize", label: label,
                     floatName: floatName ?? name)
        ops.append(.requantize(Requantize(input: acc, output: id, multipliers: m, shift: k, channelAxis: uniform ? 0 : axis,
                                          lower: lower, upper: upper)))
        materialized[name] = id
        return id
    }

    /// M_c = round(r_c · 2^k) with the smallest shift that is still precise: the largest k with
    /// every M_c < 2^12 (a relative error ≤ 2^−12: at most 0.03 of an output step for outputs
    /// within ±127, and larger outputs saturate), raised while the smallest nonzero M_c is below
    /// 2^10 (channels with much smaller ratios), up to the largest k with M_c < 2^24; always
    /// bound · M_c < 2^62. Every bit of k costs one remainder bit per
    /// element in the circuit, so k is kept as small as the precision allows.
    static func multipliers(_ ratios: [Double], accumulatorBound: UInt64, file: String, what: String) throws -> ([Int64], Int) {
        let bound = Double(max(accumulatorBound, 1))
        func scaled(_ k: Int) -> [Double] {
            let p = Double(sign: .plus, exponent: k, significand: 1)
            return ratios.map { ($0 * p).rounded() }
        }
        func fits(_ m: [Double], below cap: Double) -> Bool { m.allSatisfy { $0 < cap && bound * $0 < 4.611686018427388e18 } }
        guard let widest = stride(from: 62, through: 0, by: -1).first(where: { fits(scaled($0), below: 16_777_216) }) else {
            let m = ratios.map { $0.rounded() }
            guard m.allSatisfy({ $0 < 1_099_511_627_776 && bound * $0 < 4.611686018427388e18 }) else {
                throw ONNXError(.quantization, file: file,
                                "'\(what)': the rescaling factors \(ratios) with accumulator bound \(accumulatorBound) do not fit 62-bit integer arithmetic")
            }
            return (m.map { Int64($0) }, 0)
        }
        var k = stride(from: widest, through: 0, by: -1).first(where: { fits(scaled($0), below: 4096) }) ?? 0
        while k < widest, let smallest = scaled(k).filter({ $0 > 0 }).min(), smallest < 1024 { k += 1 }
        return (scaled(k).map { Int64($0) }, k)
    }

    /// round(v) as Int64, saturating at ±2^62.
    static func saturated(_ v: Double) -> Int64 {
        let r = v.rounded()
        return r >= 4.6e18 ? 4_600_000_000_000_000_000 : r <= -4.6e18 ? -4_600_000_000_000_000_000 : Int64(r)
    }

    /// ⌊(v · M + 2^(k−1)) / 2^k⌋ (the Requantize rounding, without the clamp).
    static func requantized(_ v: Int64, _ m: Int64, _ k: Int) -> Int64 {
        let p = v * m + (k > 0 ? Int64(1) << (k - 1) : 0)
        return k > 0 ? p >> k : p
    }

    /// An activation rescaled to `scale` (same values when the scales agree), clamped into [lower, upper].
    private mutating func rescaled(_ id: TensorID, to scale: Double, lower: Int64, upper: Int64, name: String,
                                   label: String) throws -> TensorID {
        let info = tensors[id]
        if ImportMath.sameScale(info.scale, scale) {
            if info.lower >= lower && info.upper <= upper { return id }
            let lo = min(max(info.lower, lower), upper), hi = max(min(info.upper, upper), lo)
            let out = add(name, info.shape, scale: info.scale, lower: lo, upper: hi, op: "Clamp", label: label)
            ops.append(.clamp(Clamp(input: id, output: out, lower: lo, upper: hi)))
            return out
        }
        let bound = max(info.lower.magnitude, info.upper.magnitude)
        let (m, k) = try Self.multipliers([info.scale / scale], accumulatorBound: bound, file: file, what: name)
        let lo = max(lower, Self.requantized(info.lower, m[0], k)), hi = max(lo, min(upper, Self.requantized(info.upper, m[0], k)))
        let out = add(name, info.shape, scale: scale, lower: lo, upper: hi, op: "Requantize", label: label)
        ops.append(.requantize(Requantize(input: id, output: out, multipliers: m, shift: k, channelAxis: 0, lower: lo, upper: hi)))
        return out
    }

    // MARK: - Nodes

    private func soleFakeQuantConsumer(_ name: String) -> QParams? {
        guard let readers = consumers[name], readers.count == 1, !graph.outputs.contains(name),
              case .fakeQuant(let q) = graph.nodes[readers[0]].op else { return nil }
        return q
    }

    private mutating func lower(_ node: FNode, _ index: Int) throws {
        let out = node.output
        let shape = graph.shape(out)
        switch node.op {
        case .linear(let l):
            let x = try activation(node.inputs[0])
            let sx = tensors[x].scale
            let (w, sw) = try weights(l.weights, bias: l.bias, inputScale: sx, rows: l.n, pinned: l.pinned, node: node)
            let b = try bias(l.bias, pinned: l.pinnedBias, inputScale: sx, weightScales: sw, node: node)
            let (lo, hi) = try accumulatorBounds(w, bias: b, rows: l.n, input: tensors[x], includeZero: false, node: node)
            let acc = add(out + ".acc", shape, scale: sx * (sw.max() ?? 1), lower: lo, upper: hi, op: "Gemm", label: node.label,
                          floatName: out)
            ops.append(.gemm(Gemm(input: x, output: acc, n: l.n, k: l.k, weights: w, bias: b)))
            values[out] = .accumulator(id: acc, scales: sw.map { $0 * sx }, axis: shape.count - 1, lo: -.infinity, hi: .infinity)
        case .conv(let c):
            let x = try activation(node.inputs[0])
            let rows = c.weightShape[0]
            let sx = tensors[x].scale
            let (w, sw) = try weights(c.weights, bias: c.bias, inputScale: sx, rows: rows, pinned: c.pinned, node: node)
            let b = try bias(c.bias, pinned: c.pinnedBias, inputScale: sx, weightScales: sw, node: node)
            let (lo, hi) = try accumulatorBounds(w, bias: b, rows: rows, input: tensors[x], includeZero: c.pads.contains { $0 > 0 },
                                                 node: node)
            let acc = add(out + ".acc", shape, scale: sx * (sw.max() ?? 1), lower: lo, upper: hi, op: "Conv", label: node.label,
                          floatName: out)
            ops.append(.conv(Conv(input: x, output: acc, weightShape: c.weightShape, weights: w, bias: b, strides: c.strides,
                                  pads: c.pads, dilations: c.dilations, groups: c.groups)))
            values[out] = .accumulator(id: acc, scales: sw.map { $0 * sx }, axis: 1, lo: -.infinity, hi: .infinity)
        case .relu, .clip:
            let (lo, hi): (Double, Double)
            if case .clip(let a, let b) = node.op { (lo, hi) = (a, b) } else { (lo, hi) = (0, .infinity) }
            switch values[node.inputs[0]]! {
            case .accumulator(let id, let scales, let axis, let l0, let h0):
                values[out] = .accumulator(id: id, scales: scales, axis: axis, lo: max(l0, lo), hi: min(h0, hi))
            case .activation(let x):
                let s = tensors[x].scale
                let l = lo.isFinite ? Self.saturated(lo / s) : Int64.min
                let h = hi.isFinite ? Self.saturated(hi / s) : Int64.max
                values[out] = .activation(try rescaled(x, to: s, lower: l, upper: h, name: out, label: node.label))
            }
        case .fakeQuant(let q):
            switch values[node.inputs[0]]! {
            case .accumulator:
                // Not cached: the grid's bounds may clamp (a fused Relu), so other readers get their own.
                let saved = materialized[node.inputs[0]]
                values[out] = .activation(try materialize(node.inputs[0], scale: q.scale, lower: q.lower, upper: q.upper,
                                                          label: node.label, tensorName: out, floatName: out))
                materialized[node.inputs[0]] = saved
            case .activation(let x):
                values[out] = .activation(try rescaled(x, to: q.scale, lower: q.lower, upper: q.upper, name: out, label: node.label))
            }
        case .maxPool(let p), .avgPool(let p):
            let x = try activation(node.inputs[0])
            let info = tensors[x]
            let isMax: Bool
            if case .maxPool = node.op { isMax = true } else { isMax = false }
            let padded = p.pads.contains { $0 > 0 } && p.countIncludePad && !isMax
            let lo = padded ? min(info.lower, 0) : info.lower, hi = padded ? max(info.upper, 0) : info.upper
            let y = add(out, shape, scale: info.scale, lower: lo, upper: hi, op: isMax ? "MaxPool" : "AveragePool", label: node.label)
            let pool = Pool(input: x, output: y, kernel: p.kernel, strides: p.strides, pads: p.pads, countIncludePad: p.countIncludePad)
            ops.append(isMax ? .maxPool(pool) : .avgPool(pool))
            values[out] = .activation(y)
        case .reshape:
            let x = try activation(node.inputs[0])
            let y = add(out, shape, scale: tensors[x].scale, lower: tensors[x].lower, upper: tensors[x].upper, op: "Reshape", label: node.label)
            ops.append(.reshape(Reshape(input: x, output: y)))
            values[out] = .activation(y)
        case .transpose(let perm):
            let x = try activation(node.inputs[0])
            let y = add(out, shape, scale: tensors[x].scale, lower: tensors[x].lower, upper: tensors[x].upper, op: "Transpose", label: node.label)
            ops.append(.transpose(Transpose(input: x, output: y, perm: perm)))
            values[out] = .activation(y)
        case .concat(let axis):
            let xs = try node.inputs.map { try activation($0) }
            // One scale for all inputs: the grid of a QuantizeLinear that reads the result, else the coarsest input's.
            let target = soleFakeQuantConsumer(out)
            let scale = target?.scale ?? xs.map { tensors[$0].scale }.max()!
            let (lower, upper) = target.map { ($0.lower, $0.upper) } ?? (Int64.min, Int64.max)
            let parts = try xs.enumerated().map { i, x in
                try rescaled(x, to: scale, lower: lower, upper: upper, name: "\(out).in\(i)", label: node.label)
            }
            let lo = parts.map { tensors[$0].lower }.min()!, hi = parts.map { tensors[$0].upper }.max()!
            let y = add(out, shape, scale: scale, lower: lo, upper: hi, op: "Concat", label: node.label)
            ops.append(.concat(Concat(inputs: parts, output: y, axis: axis)))
            values[out] = .activation(y)
        case .add(let coefficients):
            let xs = try node.inputs.map { try activation($0) }
            let scales = xs.map { tensors[$0].scale }
            let smallest = scales.min()!
            var shift = 0
            if !scales.allSatisfy({ ImportMath.sameScale($0, smallest) }) {
                // Integer multipliers m_i = round(s_i / s_acc) with s_acc = min s_i / 2^j, m_i < 2^16.
                let ratio = scales.max()! / smallest
                while shift < 20 && (ratio * Double(1 << (shift + 1))).rounded() < 65536 { shift += 1 }
            }
            let sacc = smallest / Double(1 << shift)
            let m = zip(scales, coefficients).map { s, c in Int64((c * s / sacc).rounded()) }
            try elementwise(node, xs, multipliers: m, offset: 0, scale: sacc)
        case .affine(let a):
            guard a.isScalar else {
                throw ONNXError(.quantization, file: file, "internal: per-channel affine map left in '\(node.label)'")
            }
            let x = try activation(node.inputs[0])
            let c = a.scale[0], d = a.shift[0]
            guard c != 0 else {
                throw ONNXError(.unsupportedOp, file: file, "\(node.label): multiplying by zero gives a constant; remove the node")
            }
            let j = d == 0 ? 0 : 4
            let sacc = tensors[x].scale * abs(c) / Double(1 << j)
            let offset = (d / sacc).rounded()
            guard offset.magnitude < 1e15 else {
                throw ONNXError(.quantization, file: file, "\(node.label): the offset \(d) is too large for the input's scale")
            }
            try elementwise(node, [x], multipliers: [c < 0 ? -(1 << j) : (1 << j)], offset: Int64(offset), scale: sacc)
        }
    }

    private mutating func elementwise(_ node: FNode, _ xs: [TensorID], multipliers m: [Int64], offset: Int64, scale: Double) throws {
        var lo = offset, hi = offset
        for (x, mi) in zip(xs, m) {
            let a = try checkedMul(tensors[x].lower, mi, node), b = try checkedMul(tensors[x].upper, mi, node)
            lo = try checkedAdd(lo, min(a, b), node); hi = try checkedAdd(hi, max(a, b), node)
        }
        let out = node.output
        let acc = add(out + ".acc", graph.shape(out), scale: scale, lower: lo, upper: hi, op: "Elementwise", label: node.label,
                      floatName: out)
        ops.append(.elementwise(Elementwise(inputs: xs, output: acc, multipliers: m, offset: offset)))
        values[out] = .accumulator(id: acc, scales: [scale], axis: 0, lo: -.infinity, hi: .infinity)
    }

    // MARK: - Weights, bias, bounds

    /// Per-row int8 weights and scales (or the model's own integers).
    ///
    /// A row whose weights are (nearly) all zero would get a vanishing scale, and its bias a huge
    /// integer at scale s_x · s_w; its scale is therefore at least 2^-16 of the layer's largest and
    /// large enough for the bias to stay below 2^31.
    private func weights(_ w: [Double], bias: [Double], inputScale sx: Double, rows: Int, pinned: PinnedWeights?,
                         node: FNode) throws -> ([Int32], [Double]) {
        if let p = pinned { return (p.ints, p.scales) }
        guard w.allSatisfy(\.isFinite) else {
            throw ONNXError(.badTensor, file: file, "\(node.label): the weights are not all finite")
        }
        let per = w.count / rows
        let layerMax = w.map { abs($0) }.max() ?? 0
        var ints = [Int32](repeating: 0, count: w.count)
        var scales = [Double](repeating: 1, count: rows)
        for o in 0..<rows {
            let m = w[(o * per)..<((o + 1) * per)].map { abs($0) }.max() ?? 0
            let s = max(m / 127, layerMax / 127 / 65536, abs(bias[o]) / sx / 2_147_483_648)
            guard s > 0 else { continue }
            scales[o] = s
            for i in 0..<per { ints[o * per + i] = Int32(max(-127, min(127, (w[o * per + i] / s).rounded()))) }
        }
        return (ints, scales)
    }

    private func bias(_ b: [Double], pinned: PinnedBias?, inputScale sx: Double, weightScales sw: [Double], node: FNode) throws -> [Int64] {
        if let p = pinned, p.ints.count == b.count,
           zip(p.scales, sw).allSatisfy({ abs($0 - sx * $1) <= 1e-6 * $0 }) {
            return p.ints
        }
        return try b.enumerated().map { o, v in
            let q = (v / (sx * sw[o])).rounded()
            guard q.isFinite, q.magnitude < 1e15 else {
                throw ONNXError(.quantization, file: file, "\(node.label): bias \(v) of channel \(o) does not fit at scale \(sx * sw[o])")
            }
            return Int64(q)
        }
    }

    private func checkedMul(_ a: Int64, _ b: Int64, _ node: FNode) throws -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        guard !o else { throw ONNXError(.quantization, file: file, "\(node.label): accumulator bound overflows 64 bits") }
        return r
    }

    private func checkedAdd(_ a: Int64, _ b: Int64, _ node: FNode) throws -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        guard !o, r.magnitude < UInt64(1) << 62 else {
            throw ONNXError(.quantization, file: file, "\(node.label): accumulator bound exceeds 2^62")
        }
        return r
    }

    /// Sound per-channel bounds: bias + Σ w·[x_lo, x_hi] by the sign of w; zero padding widens [x_lo, x_hi] to include 0.
    private func accumulatorBounds(_ w: [Int32], bias: [Int64], rows: Int, input: TensorInfo, includeZero: Bool,
                                   node: FNode) throws -> (Int64, Int64) {
        let xl = includeZero ? min(input.lower, 0) : input.lower
        let xu = includeZero ? max(input.upper, 0) : input.upper
        let per = w.count / rows
        var lo = Int64.max, hi = Int64.min
        for o in 0..<rows {
            var l = bias[o], h = bias[o]
            for i in 0..<per {
                let wi = Int64(w[o * per + i])
                if wi == 0 { continue }
                let a = try checkedMul(wi, xl, node), b = try checkedMul(wi, xu, node)
                l = try checkedAdd(l, min(a, b), node); h = try checkedAdd(h, max(a, b), node)
            }
            lo = min(lo, l); hi = max(hi, h)
        }
        return (lo, hi)
    }
}
