#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A constant tensor during lowering: an initializer, a `Constant` value or a folded result.
struct CTensor {
    /// real = ints[i] · scales[channel of i along axis]: the integers a DequantizeLinear of a constant had.
    struct Pinned {
        var ints: [Int64]
        var scales: [Double]
        var axis: Int
    }

    var shape: [Int]
    var values: [Double]
    /// Exact values of an integer tensor.
    var ints: [Int64]?
    var dataType: ONNXDataType
    var pinned: Pinned?
    /// Grid of an integer constant made by QuantizeLinear (for QLinear ops reading constants).
    var qparams: QParams?

    var count: Int { values.count }

    init(shape: [Int], values: [Double], ints: [Int64]? = nil, dataType: ONNXDataType, pinned: Pinned? = nil) {
        self.shape = shape; self.values = values; self.ints = ints; self.dataType = dataType; self.pinned = pinned
    }

    init(_ t: ONNXTensor) {
        shape = t.dims
        dataType = t.dataType
        switch t.values {
        case .float(let v): values = v.map(Double.init); ints = nil
        case .int(let v): values = v.map(Double.init); ints = v
        }
    }
}

/// ONNX graph → float graph: lowers each supported node, folds constant subgraphs, turns
/// QuantizeLinear/DequantizeLinear and the QLinear/Integer ops into float ops with explicit
/// fake-quantization and pinned integer weights.
struct ONNXLowering {
    static let supportedOps = [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "ConvInteger",
        "DequantizeLinear", "Div", "Dropout", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool",
        "Identity", "MatMul", "MatMulInteger", "MaxPool", "Mul", "QLinearConv", "QLinearMatMul", "QuantizeLinear",
        "Relu", "Reshape", "Shape", "Squeeze", "Sub", "Transpose", "Unsqueeze",
        "com.microsoft.QGemm", "com.microsoft.QLinearAdd", "com.microsoft.QLinearAveragePool",
        "com.microsoft.QLinearConcat", "com.microsoft.QLinearGlobalAveragePool", "com.microsoft.QLinearMul",
    ]

    let graph: ONNXGraph
    let inputShapes: [String: [Int]]
    var file: String { graph.source }
    var consts: [String: CTensor] = [:]
    /// ONNX tensor name → float graph tensor name.
    var alias: [String: String] = [:]
    /// Float graph tensors that are ONNX integer tensors on this grid (their float value is (q − z)·s).
    var grids: [String: QParams] = [:]
    var nodes: [FNode] = []
    var shapes: [String: [Int]] = [:]
    var notes: [String] = []
    private var counter = 0

    init(graph: ONNXGraph, inputShapes: [String: [Int]]) {
        self.graph = graph
        self.inputShapes = inputShapes
    }

    // MARK: - Driver

    mutating func lower() throws -> (FGraph, notes: [String]) {
        for (name, t) in graph.initializers { consts[name] = CTensor(t) }
        for (name, t) in graph.constants { consts[name] = CTensor(t) }
        guard !graph.inputs.isEmpty else {
            throw ONNXError(.badGraph, file: file, "the graph has no inputs (every input is an initializer)")
        }
        var inputs: [String] = []
        for vi in graph.inputs {
            guard vi.elementType == .float || vi.elementType == .double else {
                throw ONNXError(.unsupportedDataType, file: file,
                                "graph input '\(vi.name)' has element type \(vi.elementType); only FLOAT inputs are supported")
            }
            shapes[vi.name] = try fixedShape(of: vi)
            alias[vi.name] = vi.name
            inputs.append(vi.name)
        }
        for node in graph.nodes {
            try lower(node)
        }
        var outputs: [String] = []
        for vi in graph.outputs {
            if consts[vi.name] != nil {
                throw ONNXError(.unsupportedOp, file: file, "graph output '\(vi.name)' is a constant; nothing to prove")
            }
            guard let name = alias[vi.name] else {
                throw ONNXError(.badGraph, file: file, "graph output '\(vi.name)' is not computed by a supported node")
            }
            outputs.append(name)
        }
        return (FGraph(source: file, inputs: inputs, outputs: outputs, nodes: nodes, shapes: shapes), notes)
    }

    private mutating func fixedShape(of vi: ONNXValueInfo) throws -> [Int] {
        if let s = inputShapes[vi.name] {
            guard !s.isEmpty, s.allSatisfy({ $0 > 0 }) else {
                throw ONNXError(.dynamicShape, file: file, "the shape \(s) given for input '\(vi.name)' is not a valid fixed shape")
            }
            if let dims = vi.dims {
                let fits = dims.count == s.count && zip(dims, s).allSatisfy { d, n in
                    if case .fixed(let f) = d { return f == n }
                    return true
                }
                guard fits else {
                    throw ONNXError(.dynamicShape, file: file,
                                    "the shape \(s) given for input '\(vi.name)' does not match its declared shape \(vi.shapeDescription)")
                }
            }
            return s
        }
        guard let dims = vi.dims, !dims.isEmpty else {
            throw ONNXError(.dynamicShape, file: file,
                            "graph input '\(vi.name)' declares no shape; give it a fixed shape (ImportOptions.inputShapes)")
        }
        var shape: [Int] = []
        for (i, d) in dims.enumerated() {
            switch d {
            case .fixed(let n) where n > 0:
                shape.append(n)
            case .symbolic, .unknown:
                if i == 0 && dims.count > 1 {
                    shape.append(1)
                    notes.append("input '\(vi.name)': dynamic batch dimension '\(d)' fixed to 1")
                } else {
                    throw ONNXError(.dynamicShape, file: file,
                                    "graph input '\(vi.name)' has the dynamic shape \(vi.shapeDescription) without a fixed shape; give one (ImportOptions.inputShapes)")
                }
            default:
                throw ONNXError(.dynamicShape, file: file, "graph input '\(vi.name)' has the empty dimension in \(vi.shapeDescription)")
            }
        }
        return shape
    }

    // MARK: - Helpers

    private func fail(_ node: ONNXNode, _ kind: ONNXError.Kind, _ what: String) -> ONNXError {
        ONNXError(kind, file: file, "\(node.label): \(what)")
    }

    private func fail(_ node: ONNXNode, _ what: String) -> ONNXError { fail(node, .unsupportedOp, what) }

    private func input(_ node: ONNXNode, _ i: Int) -> String? {
        i < node.inputs.count && !node.inputs[i].isEmpty ? node.inputs[i] : nil
    }

    private func isConst(_ name: String) -> Bool { consts[name] != nil }

    private func const(_ node: ONNXNode, _ i: Int, _ what: String) throws -> CTensor {
        guard let name = input(node, i) else { throw fail(node, .badAttribute, "input \(i) (\(what)) is missing") }
        guard let c = consts[name] else {
            throw fail(node, "input \(i) (\(what)) '\(name)' must be a constant (an initializer or a Constant)")
        }
        return c
    }

    private func optionalConst(_ node: ONNXNode, _ i: Int, _ what: String) throws -> CTensor? {
        guard input(node, i) != nil else { return nil }
        return try const(node, i, what)
    }

    /// The float graph tensor for a non-constant input.
    private func tensor(_ node: ONNXNode, _ i: Int) throws -> String {
        guard let name = input(node, i) else { throw fail(node, .badAttribute, "input \(i) is missing") }
        if consts[name] != nil {
            throw fail(node, "input '\(name)' is a constant; this operator is supported on computed tensors only")
        }
        guard let f = alias[name] else {
            throw fail(node, .badGraph, "input '\(name)' is not computed by a supported node")
        }
        return f
    }

    private func intAttr(_ node: ONNXNode, _ name: String, _ def: Int) throws -> Int {
        guard let a = node.attributes[name] else { return def }
        guard let v = a.intValue, v >= Int64(Int32.min), v <= Int64(Int32.max) else {
            throw fail(node, .badAttribute, "attribute '\(name)' must be an integer")
        }
        return Int(v)
    }

    private func intsAttr(_ node: ONNXNode, _ name: String) throws -> [Int]? {
        guard let a = node.attributes[name] else { return nil }
        guard let v = a.intsValue, v.allSatisfy({ $0 >= Int64(Int32.min) && $0 <= Int64(Int32.max) }) else {
            throw fail(node, .badAttribute, "attribute '\(name)' must be a list of integers")
        }
        return v.map { Int($0) }
    }

    private func floatAttr(_ node: ONNXNode, _ name: String, _ def: Double) throws -> Double {
        guard let a = node.attributes[name] else { return def }
        guard let v = a.floatValue else { throw fail(node, .badAttribute, "attribute '\(name)' must be a float") }
        return Double(v)
    }

    private func stringAttr(_ node: ONNXNode, _ name: String, _ def: String) throws -> String {
        guard let a = node.attributes[name] else { return def }
        guard let v = a.stringValue else { throw fail(node, .badAttribute, "attribute '\(name)' must be a string") }
        return v
    }

    private mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)#\(counter)"
    }

    @discardableResult
    private mutating func emit(_ node: ONNXNode, _ op: FOp, _ inputs: [String], _ output: String, _ shape: [Int]) -> String {
        nodes.append(FNode(label: node.label, op: op, inputs: inputs, output: output))
        shapes[output] = shape
        return output
    }

    /// Binds the node's first output to a float tensor (and its grid if it has one).
    private mutating func bind(_ node: ONNXNode, _ f: String, grid: QParams? = nil) {
        if let out = node.outputs.first, !out.isEmpty { alias[out] = f }
        if let grid { grids[f] = grid }
    }

    private func scalar(_ node: ONNXNode, _ c: CTensor, _ what: String) throws -> Double {
        guard c.count == 1 else { throw fail(node, "\(what) must be a single value (per-tensor), has \(c.count)") }
        return c.values[0]
    }

    /// Grid of a QuantizeLinear/QLinear output from its scale and zero-point operands.
    private func qparams(_ node: ONNXNode, scale: CTensor, zeroPoint: CTensor?, outputType: ONNXDataType? = nil) throws -> QParams {
        let s = try scalar(node, scale, "the quantization scale")
        guard s.isFinite, s > 0 else { throw fail(node, .badAttribute, "quantization scale \(s) is not a positive number") }
        let type = zeroPoint?.dataType ?? outputType ?? .uint8
        guard let range = type.integerRange, type != .int64, type != .bool else {
            throw fail(node, "quantized type \(type) is not supported (INT8, UINT8, INT16, UINT16, INT32 are)")
        }
        let z = try zeroPoint.map { try scalar(node, $0, "the zero point") } ?? 0
        return QParams(scale: s, zeroPoint: Int64(z), qmin: range.lowerBound, qmax: range.upperBound)
    }

    /// A float tensor holding (q − zeroPoint) · scale for the ONNX integer tensor at input `i`.
    private mutating func dequantized(_ node: ONNXNode, _ i: Int, scale: CTensor, zeroPoint: CTensor?) throws -> String {
        let f = try tensor(node, i)
        guard let grid = grids[f] else {
            throw fail(node, "input '\(node.inputs[i])' is an integer tensor whose quantization parameters are unknown (it must come from QuantizeLinear or a QLinear operator)")
        }
        let want = try qparams(node, scale: scale, zeroPoint: zeroPoint, outputType: zeroPoint?.dataType ?? .uint8)
        if ImportMath.sameScale(want.scale, grid.scale) && want.zeroPoint == grid.zeroPoint { return f }
        // Read the same integers on another grid: (q − z')·s' = x · s'/s + (z − z')·s'.
        let a = FAffine(scale: [want.scale / grid.scale], shift: [Double(grid.zeroPoint - want.zeroPoint) * want.scale], axis: 0)
        return emit(node, .affine(a), [f], fresh(f), shapes[f]!)
    }

    /// Appends fake quantization onto `grid` after `f` and binds the node's output to it.
    private mutating func requantized(_ node: ONNXNode, _ f: String, grid: QParams) {
        let out = emit(node, .fakeQuant(grid), [f], node.outputs[0], shapes[f]!)
        bind(node, out, grid: grid)
    }

    /// Integers q − zeroPoint of a quantized constant and per-channel scales along `axis` (of `count` channels).
    private func pinned(_ node: ONNXNode, _ q: CTensor, scale: CTensor, zeroPoint: CTensor?, axis: Int, what: String) throws -> CTensor.Pinned {
        guard let ints = q.ints else { throw fail(node, "\(what) must be an integer tensor") }
        let channels = q.shape.isEmpty ? 1 : q.shape[axis]
        guard scale.count == 1 || scale.count == channels else {
            throw fail(node, "\(what): \(scale.count) scales for \(channels) channels along axis \(axis)")
        }
        guard scale.values.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw fail(node, .badAttribute, "\(what): scales must be positive") }
        let zp = zeroPoint?.ints ?? [0]
        guard zp.count == 1 || zp.count == channels else {
            throw fail(node, "\(what): \(zp.count) zero points for \(channels) channels along axis \(axis)")
        }
        let inner = q.shape.isEmpty ? 1 : ImportMath.count(Array(q.shape[(axis + 1)...]))
        var out = ints
        for i in 0..<ints.count {
            let c = (i / inner) % channels
            out[i] = ints[i] - zp[zp.count == 1 ? 0 : c]
        }
        return CTensor.Pinned(ints: out, scales: scale.values, axis: scale.count == 1 ? 0 : axis)
    }

    private func normalizedAxis(_ node: ONNXNode, _ axis: Int, rank: Int) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < max(rank, 1) else { throw fail(node, .badAttribute, "axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    // MARK: - Nodes

    private mutating func lower(_ node: ONNXNode) throws {
        let op = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
        if op == "Constant" { return }
        guard let first = node.outputs.first, !first.isEmpty else {
            throw fail(node, .badGraph, "the node has no output")
        }
        if (op == "QuantizeLinear" || op == "DequantizeLinear"), let b = node.attributes["block_size"]?.intValue, b != 0 {
            throw fail(node, "blocked quantization (block_size \(b)) is not supported")
        }
        let live = node.inputs.filter { !$0.isEmpty }
        if !live.isEmpty && live.allSatisfy(isConst), try fold(node, op) { return }
        if op == "Shape" { return try shapeOf(node) }
        switch op {
        case "Identity", "Dropout":
            if node.outputs.count > 1 && !node.outputs[1].isEmpty && op == "Dropout" {
                throw fail(node, "the Dropout mask output is not supported")
            }
            let f = try tensor(node, 0)
            bind(node, f, grid: grids[f])
        case "Cast":
            let to = try intAttr(node, "to", 0)
            let f = try tensor(node, 0)
            guard to == Int(ONNXDataType.float.rawValue) || to == Int(ONNXDataType.double.rawValue) else {
                throw fail(node, "Cast to \(ONNXDataType(rawValue: Int32(to))) is supported only on constants")
            }
            bind(node, f)
        case "Relu":
            let f = try tensor(node, 0)
            bind(node, emit(node, .relu, [f], node.outputs[0], shapes[f]!))
        case "Clip":
            let f = try tensor(node, 0)
            var lo = -Double.infinity, hi = Double.infinity
            if graph.opsetVersion < 11 {
                lo = try floatAttr(node, "min", -Double(Float.greatestFiniteMagnitude))
                hi = try floatAttr(node, "max", Double(Float.greatestFiniteMagnitude))
            } else {
                if let c = try optionalConst(node, 1, "min") { lo = try scalar(node, c, "min") }
                if let c = try optionalConst(node, 2, "max") { hi = try scalar(node, c, "max") }
            }
            guard lo <= hi else { throw fail(node, .badAttribute, "min \(lo) is above max \(hi)") }
            bind(node, emit(node, .clip(lo, hi), [f], node.outputs[0], shapes[f]!))
        case "Gemm":
            try gemm(node)
        case "MatMul":
            let f = try tensor(node, 0)
            let b = try const(node, 1, "B")
            try matmul(node, f, b, pinnedB: b.pinned, bias: nil, output: node.outputs[0])
        case "Conv":
            let f = try tensor(node, 0)
            let w = try const(node, 1, "W")
            let b = try optionalConst(node, 2, "B")
            var pb: PinnedBias? = nil
            if let b, let p = b.pinned, p.scales.count == b.count || p.scales.count == 1 {
                pb = PinnedBias(ints: p.ints, scales: p.scales.count == 1 ? Array(repeating: p.scales[0], count: b.count) : p.scales)
            }
            let out = try conv(node, f, weights: w.values, weightShape: w.shape, pinned: pinnedRows(w, axis: 0),
                               bias: b?.values, pinnedBias: pb, output: node.outputs[0])
            bind(node, out)
        case "BatchNormalization":
            try batchNorm(node)
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool":
            try pool(node, op)
        case "Flatten":
            let f = try tensor(node, 0)
            let s = shapes[f]!
            let axis = try normalizedAxis(node, try intAttr(node, "axis", 1), rank: s.count + 1)
            let shape = [ImportMath.count(Array(s[..<axis])), ImportMath.count(Array(s[axis...]))]
            reshape(node, f, shape)
        case "Reshape":
            let f = try tensor(node, 0)
            let target = try const(node, 1, "shape")
            let shape = try reshapeTarget(node, from: shapes[f]!, target.ints ?? [],
                                          allowZero: try intAttr(node, "allowzero", 0) != 0)
            reshape(node, f, shape)
        case "Squeeze", "Unsqueeze":
            let f = try tensor(node, 0)
            let axes: [Int]?
            if let a = try intsAttr(node, "axes") { axes = a } else { axes = try optionalConst(node, 1, "axes")?.ints?.map { Int($0) } }
            reshape(node, f, try squeeze(node, shapes[f]!, axes: axes, unsqueeze: op == "Unsqueeze"))
        case "Transpose":
            let f = try tensor(node, 0)
            let s = shapes[f]!
            let perm = try intsAttr(node, "perm") ?? Array((0..<s.count).reversed())
            guard perm.sorted() == Array(0..<s.count) else { throw fail(node, .badAttribute, "perm \(perm) is not a permutation of the \(s.count) axes") }
            let out = emit(node, .transpose(perm), [f], node.outputs[0], perm.map { s[$0] })
            bind(node, out, grid: grids[f])
        case "Concat":
            guard !node.inputs.isEmpty else { throw fail(node, .badAttribute, "Concat needs at least one input") }
            let fs = try (0..<node.inputs.count).map { try tensor(node, $0) }
            try concat(node, fs, output: node.outputs[0])
            if let g = grids[fs[0]], fs.allSatisfy({ grids[$0].map { $0.sameGrid(g) } ?? false }) {
                grids[alias[node.outputs[0]]!] = g
            }
        case "Add", "Sub", "Mul", "Div":
            try arithmetic(node, op)
        case "QuantizeLinear":
            let f = try tensor(node, 0)
            let scale = try const(node, 1, "y_scale")
            let zp = try optionalConst(node, 2, "y_zero_point")
            let outType = node.attributes["output_dtype"]?.intValue.map { ONNXDataType(rawValue: Int32(truncatingIfNeeded: $0)) }
            let grid = try qparams(node, scale: scale, zeroPoint: zp, outputType: outType)
            requantized(node, f, grid: grid)
        case "DequantizeLinear":
            let scale = try const(node, 1, "x_scale")
            let zp = try optionalConst(node, 2, "x_zero_point")
            bind(node, try dequantized(node, 0, scale: scale, zeroPoint: zp))
        case "QLinearConv":
            try qlinearConv(node)
        case "QLinearMatMul":
            let a = try dequantized(node, 0, scale: try const(node, 1, "a_scale"), zeroPoint: try optionalConst(node, 2, "a_zero_point"))
            let b = try const(node, 3, "b")
            let p = try pinned(node, b, scale: try const(node, 4, "b_scale"), zeroPoint: try optionalConst(node, 5, "b_zero_point"),
                               axis: max(b.shape.count - 1, 0), what: "b")
            let grid = try qparams(node, scale: try const(node, 6, "y_scale"), zeroPoint: try optionalConst(node, 7, "y_zero_point"))
            let tmp = fresh(node.outputs[0])
            try matmul(node, a, dequantize(b, p), pinnedB: p, bias: nil, output: tmp)
            requantized(node, tmp, grid: grid)
        case "MatMulInteger":
            let (a, s) = try integerOperand(node, 0, zeroPointInput: 2)
            let b = try const(node, 1, "B")
            let p = try pinned(node, b, scale: CTensor(shape: [], values: [1 / s], dataType: .float),
                               zeroPoint: try optionalConst(node, 3, "b_zero_point"), axis: max(b.shape.count - 1, 0), what: "B")
            try matmul(node, a, dequantize(b, p), pinnedB: p, bias: nil, output: node.outputs[0])
        case "ConvInteger":
            let (x, s) = try integerOperand(node, 0, zeroPointInput: 2)
            let w = try const(node, 1, "w")
            guard w.shape.count == 4 else { throw fail(node, "w must be 4-D [O, C/group, kH, kW], has shape \(w.shape)") }
            let p = try pinned(node, w, scale: CTensor(shape: [], values: [1 / s], dataType: .float),
                               zeroPoint: try optionalConst(node, 3, "w_zero_point"), axis: 0, what: "w")
            let out = try conv(node, x, weights: dequantize(w, p).values, weightShape: w.shape,
                               pinned: pinnedRows(CTensor(shape: w.shape, values: [], dataType: .int32, pinned: p), axis: 0),
                               bias: nil, pinnedBias: nil, output: node.outputs[0])
            bind(node, out)
        case "com.microsoft.QGemm":
            try qgemm(node)
        case "com.microsoft.QLinearAdd", "com.microsoft.QLinearMul":
            try qlinearBinary(node, mul: op.hasSuffix("Mul"))
        case "com.microsoft.QLinearConcat":
            let grid = try qparams(node, scale: try const(node, 0, "Y_scale"), zeroPoint: try optionalConst(node, 1, "Y_zero_point"))
            guard (node.inputs.count - 2) % 3 == 0, node.inputs.count > 2 else {
                throw fail(node, .badAttribute, "expects Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples")
            }
            var fs: [String] = []
            for i in stride(from: 2, to: node.inputs.count, by: 3) {
                fs.append(try dequantized(node, i, scale: try const(node, i + 1, "X_scale"), zeroPoint: try optionalConst(node, i + 2, "X_zero_point")))
            }
            let tmp = fresh(node.outputs[0])
            try concat(node, fs, output: tmp)
            requantized(node, alias[tmp] ?? tmp, grid: grid)
        case "com.microsoft.QLinearAveragePool", "com.microsoft.QLinearGlobalAveragePool":
            guard try intAttr(node, "channels_last", 0) == 0 else { throw fail(node, "channels_last layout is not supported") }
            let x = try dequantized(node, 0, scale: try const(node, 1, "x_scale"), zeroPoint: try optionalConst(node, 2, "x_zero_point"))
            let grid = try qparams(node, scale: try const(node, 3, "y_scale"), zeroPoint: try optionalConst(node, 4, "y_zero_point"))
            let tmp = fresh(node.outputs[0])
            let pooled = try poolTensor(node, x, global: op.hasSuffix("GlobalAveragePool"), isMax: false, output: tmp)
            requantized(node, pooled, grid: grid)
        default:
            throw fail(node, "operator \(op) is not supported. Supported operators: \(Self.supportedOps.joined(separator: ", "))")
        }
    }

    // MARK: - Linear layers

    /// Per-row (output channel) pinned weights of a [O, ...] constant, when its scales run along axis 0.
    private func pinnedRows(_ w: CTensor, axis: Int) -> PinnedWeights? {
        guard let p = w.pinned, let rows = w.shape.first else { return nil }
        guard p.scales.count == 1 || (p.axis == axis && p.scales.count == rows) else { return nil }
        guard let ints = int32(p.ints) else { return nil }
        return PinnedWeights(ints: ints, scales: p.scales.count == 1 ? Array(repeating: p.scales[0], count: rows) : p.scales)
    }

    private func int32(_ v: [Int64]) -> [Int32]? {
        var out = [Int32](); out.reserveCapacity(v.count)
        for x in v {
            guard let y = Int32(exactly: x) else { return nil }
            out.append(y)
        }
        return out
    }

    private func dequantize(_ c: CTensor, _ p: CTensor.Pinned) -> CTensor {
        let channels = c.shape.isEmpty ? 1 : c.shape[p.axis]
        let inner = c.shape.isEmpty ? 1 : ImportMath.count(Array(c.shape[(p.axis + 1)...]))
        var values = [Double](repeating: 0, count: p.ints.count)
        for i in 0..<values.count {
            let s = p.scales.count == 1 ? p.scales[0] : p.scales[(i / inner) % channels]
            values[i] = Double(p.ints[i]) * s
        }
        return CTensor(shape: c.shape, values: values, dataType: .float, pinned: p)
    }

    /// y = x · B (+ bias) with B a constant [K, N]; x [..., K].
    private mutating func matmul(_ node: ONNXNode, _ x: String, _ b: CTensor, pinnedB: CTensor.Pinned?, bias: [Double]?,
                                 output: String) throws {
        let s = shapes[x]!
        guard b.shape.count == 2 else { throw fail(node, "B must be a 2-D constant, has shape \(b.shape)") }
        let (k, n) = (b.shape[0], b.shape[1])
        guard s.count >= 2, s.last == k else { throw fail(node, "input shape \(s) does not match B's shape \(b.shape)") }
        let w = ImportMath.transpose(b.values, shape: [k, n], perm: [1, 0])
        var pinned: PinnedWeights? = nil
        if let p = pinnedB, p.scales.count == 1 || (p.axis == 1 && p.scales.count == n),
           let ints = int32(ImportMath.transpose(p.ints, shape: [k, n], perm: [1, 0])) {
            pinned = PinnedWeights(ints: ints, scales: p.scales.count == 1 ? Array(repeating: p.scales[0], count: n) : p.scales)
        }
        let l = FLinear(n: n, k: k, weights: w, bias: bias ?? Array(repeating: 0, count: n), pinned: pinned, pinnedBias: nil)
        emit(node, .linear(l), [x], output, Array(s.dropLast()) + [n])
        if output == node.outputs[0] { bind(node, output) }
    }

    private mutating func gemm(_ node: ONNXNode) throws {
        var x = try tensor(node, 0)
        let b = try const(node, 1, "B")
        let c = try optionalConst(node, 2, "C")
        let alpha = try floatAttr(node, "alpha", 1), beta = try floatAttr(node, "beta", 1)
        let transA = try intAttr(node, "transA", 0), transB = try intAttr(node, "transB", 0)
        guard b.shape.count == 2 else { throw fail(node, "B must be 2-D, has shape \(b.shape)") }
        let s = shapes[x]!
        guard s.count == 2 else { throw fail(node, "input A must be 2-D, has shape \(s)") }
        if transA != 0 {
            guard s[1] == 1 else { throw fail(node, "transA = 1 is supported only for a single column A") }
            x = emit(node, .reshape, [x], fresh(x), [1, s[0]])
        }
        // B as [K, N].
        var bk = b
        if transB != 0 {
            bk.shape = [b.shape[1], b.shape[0]]
            bk.values = ImportMath.transpose(b.values, shape: b.shape, perm: [1, 0])
            if var p = b.pinned {
                p.ints = ImportMath.transpose(p.ints, shape: b.shape, perm: [1, 0])
                p.axis = 1 - p.axis
                bk.pinned = p
            }
        }
        bk.values = bk.values.map { $0 * alpha }
        if var p = bk.pinned {
            if alpha < 0 { p.ints = p.ints.map { -$0 } }
            p.scales = p.scales.map { $0 * abs(alpha) }
            bk.pinned = alpha == 0 ? nil : p
        }
        let n = bk.shape[1]
        var bias = [Double](repeating: 0, count: n)
        var pinnedBias: PinnedBias? = nil
        if let c {
            guard c.count == 1 || c.count == n, c.shape.count <= 2, c.shape.dropLast().allSatisfy({ $0 == 1 }) else {
                throw fail(node, "C of shape \(c.shape) must broadcast along the \(n) outputs")
            }
            bias = c.count == 1 ? Array(repeating: c.values[0] * beta, count: n) : c.values.map { $0 * beta }
            if let p = c.pinned, beta > 0, c.count == n, p.scales.count == 1 || p.scales.count == n {
                pinnedBias = PinnedBias(ints: p.ints, scales: (p.scales.count == 1 ? Array(repeating: p.scales[0], count: n) : p.scales).map { $0 * beta })
            }
        }
        let out = node.outputs[0]
        try matmul(node, x, bk, pinnedB: bk.pinned, bias: bias, output: out)
        if let pinnedBias, case .linear(var l)? = nodes.last?.op {
            l.pinnedBias = pinnedBias
            nodes[nodes.count - 1].op = .linear(l)
        }
    }

    private mutating func qgemm(_ node: ONNXNode) throws {
        let a = try dequantized(node, 0, scale: try const(node, 1, "A_scale"), zeroPoint: try optionalConst(node, 2, "A_zero_point"))
        let aScale = try scalar(node, try const(node, 1, "A_scale"), "A_scale")
        let b = try const(node, 3, "B")
        let alpha = try floatAttr(node, "alpha", 1)
        let transA = try intAttr(node, "transA", 0), transB = try intAttr(node, "transB", 0)
        guard transA == 0 else { throw fail(node, "transA = 1 is not supported") }
        guard b.shape.count == 2, alpha > 0 else { throw fail(node, "B must be 2-D and alpha positive") }
        let n = transB != 0 ? b.shape[0] : b.shape[1]
        let p = try pinned(node, b, scale: try const(node, 4, "B_scale"), zeroPoint: try optionalConst(node, 5, "B_zero_point"),
                           axis: transB != 0 ? 0 : 1, what: "B")
        var bk = dequantize(b, p)
        if transB != 0 {
            bk.shape = [b.shape[1], b.shape[0]]
            bk.values = ImportMath.transpose(bk.values, shape: b.shape, perm: [1, 0])
            var q = p
            q.ints = ImportMath.transpose(p.ints, shape: b.shape, perm: [1, 0])
            q.axis = 1 - q.axis
            bk.pinned = q
        }
        bk.values = bk.values.map { $0 * alpha }
        var pk = bk.pinned!
        pk.scales = pk.scales.map { $0 * alpha }
        bk.pinned = pk
        let wScales = pk.scales.count == 1 ? Array(repeating: pk.scales[0], count: n) : pk.scales
        // C is int32 at scale alpha · A_scale · B_scale.
        var bias = [Double](repeating: 0, count: n)
        var pinnedBias: PinnedBias? = nil
        if let c = try optionalConst(node, 6, "C") {
            guard let ints = c.ints, c.count == n || c.count == 1 else { throw fail(node, "C must be an int32 tensor of \(n) values") }
            let full = c.count == 1 ? Array(repeating: ints[0], count: n) : ints
            let scales = wScales.map { $0 * aScale }
            bias = zip(full, scales).map { Double($0) * $1 }
            pinnedBias = PinnedBias(ints: full, scales: scales)
        }
        let hasOutputScale = input(node, 7) != nil
        let tmp = hasOutputScale ? fresh(node.outputs[0]) : node.outputs[0]
        try matmul(node, a, bk, pinnedB: bk.pinned, bias: bias, output: tmp)
        if case .linear(var l)? = nodes.last?.op {
            l.pinnedBias = pinnedBias
            nodes[nodes.count - 1].op = .linear(l)
        }
        if hasOutputScale {
            let grid = try qparams(node, scale: try const(node, 7, "y_scale"), zeroPoint: try optionalConst(node, 8, "y_zero_point"))
            requantized(node, tmp, grid: grid)
        }
    }

    /// The input of MatMulInteger/ConvInteger as a float tensor equal to (q − zero point) · s, and s.
    private mutating func integerOperand(_ node: ONNXNode, _ i: Int, zeroPointInput: Int) throws -> (String, Double) {
        let f = try tensor(node, i)
        guard let grid = grids[f] else {
            throw fail(node, "input '\(node.inputs[i])' is an integer tensor whose quantization parameters are unknown (it must come from QuantizeLinear with constant parameters; DynamicQuantizeLinear is not supported)")
        }
        let zp = try optionalConst(node, zeroPointInput, "zero point")
        let z = try zp.map { Int64(try scalar(node, $0, "the zero point")) } ?? 0
        if z == grid.zeroPoint { return (f, grid.scale) }
        let a = FAffine(scale: [1], shift: [Double(grid.zeroPoint - z) * grid.scale], axis: 0)
        return (emit(node, .affine(a), [f], fresh(f), shapes[f]!), grid.scale)
    }

    // MARK: - Convolution and pooling

    private mutating func convGeometry(_ node: ONNXNode, input s: [Int], kernel: [Int]) throws -> (strides: [Int], pads: [Int], dilations: [Int]) {
        let strides = try intsAttr(node, "strides") ?? [1, 1]
        let dilations = try intsAttr(node, "dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw fail(node, .badAttribute, "strides \(strides) and dilations \(dilations) must be two positive values")
        }
        let autoPad = try stringAttr(node, "auto_pad", "NOTSET")
        var pads: [Int]
        switch autoPad {
        case "NOTSET":
            let p = try intsAttr(node, "pads") ?? [0, 0, 0, 0]
            guard p.count == 4, p.allSatisfy({ $0 >= 0 }) else { throw fail(node, .badAttribute, "pads \(p) must be four non-negative values") }
            pads = [p[0], p[1], p[2], p[3]]   // ONNX order: [top, left, bottom, right]
        case "VALID":
            pads = [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            pads = [0, 0, 0, 0]
            for d in 0..<2 {
                let out = (s[2 + d] + strides[d] - 1) / strides[d]
                let total = max(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - s[2 + d])
                let small = total / 2, large = total - small
                pads[d] = autoPad == "SAME_UPPER" ? small : large
                pads[2 + d] = autoPad == "SAME_UPPER" ? large : small
            }
        default:
            throw fail(node, .badAttribute, "auto_pad '\(autoPad)' is not supported")
        }
        return (strides, pads, dilations)
    }

    private mutating func conv(_ node: ONNXNode, _ x: String, weights: [Double], weightShape ws: [Int], pinned: PinnedWeights?,
                               bias: [Double]?, pinnedBias: PinnedBias?, output: String) throws -> String {
        let s = shapes[x]!
        guard s.count == 4, s[0] == 1 else { throw fail(node, "only 2-D convolution of a batch of 1 (NCHW, N = 1) is supported; input shape \(s)") }
        guard ws.count == 4 else { throw fail(node, "weights must be 4-D [O, C/group, kH, kW], have shape \(ws)") }
        let groups = try intAttr(node, "group", 1)
        guard groups > 0, ws[0] % groups == 0, s[1] == ws[1] * groups else {
            throw fail(node, "\(s[1]) input channels do not match weights \(ws) with group \(groups)")
        }
        if let k = try intsAttr(node, "kernel_shape"), k != [ws[2], ws[3]] {
            throw fail(node, .badAttribute, "kernel_shape \(k) differs from the weights' \(ws)")
        }
        let (strides, pads, dilations) = try convGeometry(node, input: s, kernel: [ws[2], ws[3]])
        guard let oh = ImportMath.windowOutput(s[2], kernel: ws[2], stride: strides[0], padBegin: pads[0], padEnd: pads[2], dilation: dilations[0]),
              let ow = ImportMath.windowOutput(s[3], kernel: ws[3], stride: strides[1], padBegin: pads[1], padEnd: pads[3], dilation: dilations[1]) else {
            throw fail(node, "the kernel does not fit the padded input \(s)")
        }
        let b = bias ?? Array(repeating: 0, count: ws[0])
        guard b.count == ws[0] else { throw fail(node, "bias has \(b.count) values for \(ws[0]) output channels") }
        let c = FConv(weightShape: ws, weights: weights, bias: b, strides: strides, pads: pads, dilations: dilations, groups: groups,
                      pinned: pinned, pinnedBias: pinnedBias)
        return emit(node, .conv(c), [x], output, [1, ws[0], oh, ow])
    }

    private mutating func qlinearConv(_ node: ONNXNode) throws {
        let xScale = try const(node, 1, "x_scale")
        let x = try dequantized(node, 0, scale: xScale, zeroPoint: try optionalConst(node, 2, "x_zero_point"))
        let w = try const(node, 3, "w")
        guard w.shape.count == 4 else { throw fail(node, "w must be 4-D [O, C/group, kH, kW], has shape \(w.shape)") }
        let p = try pinned(node, w, scale: try const(node, 4, "w_scale"), zeroPoint: try optionalConst(node, 5, "w_zero_point"),
                           axis: 0, what: "w")
        let grid = try qparams(node, scale: try const(node, 6, "y_scale"), zeroPoint: try optionalConst(node, 7, "y_zero_point"))
        let wq = dequantize(w, p)
        guard let rows = pinnedRows(wq, axis: 0) else { throw fail(node, "w must hold 8- to 32-bit integers with per-output-channel scales") }
        var bias: [Double]? = nil
        var pinnedBias: PinnedBias? = nil
        if let b = try optionalConst(node, 8, "B") {
            guard let ints = b.ints, b.count == w.shape[0] else { throw fail(node, "B must be an int32 tensor of \(w.shape[0]) values") }
            let sx = try scalar(node, xScale, "x_scale")
            let scales = rows.scales.map { $0 * sx }
            bias = zip(ints, scales).map { Double($0) * $1 }
            pinnedBias = PinnedBias(ints: ints, scales: scales)
        }
        let tmp = fresh(node.outputs[0])
        let out = try conv(node, x, weights: wq.values, weightShape: w.shape, pinned: rows, bias: bias, pinnedBias: pinnedBias, output: tmp)
        requantized(node, out, grid: grid)
    }

    private mutating func batchNorm(_ node: ONNXNode) throws {
        let f = try tensor(node, 0)
        let s = shapes[f]!
        if node.outputs.count > 1 && node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw fail(node, "training mode (running statistics outputs) is not supported")
        }
        guard try intAttr(node, "training_mode", 0) == 0 else { throw fail(node, "training_mode = 1 is not supported") }
        guard s.count >= 2 else { throw fail(node, "input must have a channel axis, has shape \(s)") }
        let c = s[1]
        let gamma = try const(node, 1, "scale"), beta = try const(node, 2, "B")
        let mean = try const(node, 3, "input_mean"), variance = try const(node, 4, "input_var")
        guard [gamma, beta, mean, variance].allSatisfy({ $0.count == c }) else {
            throw fail(node, "scale, B, mean and var must have \(c) values (one per channel)")
        }
        let eps = try floatAttr(node, "epsilon", 1e-5)
        var scale = [Double](repeating: 0, count: c), shift = scale
        for i in 0..<c {
            guard variance.values[i] + eps > 0 else { throw fail(node, .badAttribute, "variance + epsilon is not positive in channel \(i)") }
            scale[i] = gamma.values[i] / (variance.values[i] + eps).squareRoot()
            shift[i] = beta.values[i] - mean.values[i] * scale[i]
        }
        bind(node, emit(node, .affine(FAffine(scale: scale, shift: shift, axis: 1)), [f], node.outputs[0], s))
    }

    private mutating func pool(_ node: ONNXNode, _ op: String) throws {
        let f = try tensor(node, 0)
        if node.outputs.count > 1 && !node.outputs[1].isEmpty { throw fail(node, "the Indices output is not supported") }
        let global = op.hasPrefix("Global")
        let out = try poolTensor(node, f, global: global, isMax: op.hasSuffix("MaxPool"), output: node.outputs[0])
        bind(node, out, grid: op.hasSuffix("MaxPool") ? grids[f] : nil)
    }

    private mutating func poolTensor(_ node: ONNXNode, _ f: String, global: Bool, isMax: Bool, output: String) throws -> String {
        let s = shapes[f]!
        guard s.count == 4, s[0] == 1 else { throw fail(node, "only 2-D pooling of a batch of 1 (NCHW, N = 1) is supported; input shape \(s)") }
        var p: FPool
        if global {
            p = FPool(kernel: [s[2], s[3]], strides: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false)
        } else {
            guard let kernel = try intsAttr(node, "kernel_shape"), kernel.count == 2, kernel.allSatisfy({ $0 > 0 }) else {
                throw fail(node, .badAttribute, "kernel_shape must be two positive values (2-D pooling)")
            }
            if let d = try intsAttr(node, "dilations"), d.contains(where: { $0 != 1 }) {
                throw fail(node, "dilated pooling is not supported")
            }
            let (strides, pads, _) = try convGeometry(node, input: s, kernel: kernel)
            guard pads[0] < kernel[0], pads[2] < kernel[0], pads[1] < kernel[1], pads[3] < kernel[1] else {
                throw fail(node, "pads \(pads) must be smaller than the kernel \(kernel)")
            }
            p = FPool(kernel: kernel, strides: strides, pads: pads, countIncludePad: try intAttr(node, "count_include_pad", 0) != 0)
            if try intAttr(node, "ceil_mode", 0) != 0 {
                // Supported when ceil and floor give the same output size.
                for d in 0..<2 {
                    let span = s[2 + d] + pads[d] + pads[2 + d] - kernel[d]
                    if span % strides[d] != 0 { throw fail(node, "ceil_mode = 1 changes the output size here; it is not supported") }
                }
            }
        }
        guard let oh = ImportMath.windowOutput(s[2], kernel: p.kernel[0], stride: p.strides[0], padBegin: p.pads[0], padEnd: p.pads[2]),
              let ow = ImportMath.windowOutput(s[3], kernel: p.kernel[1], stride: p.strides[1], padBegin: p.pads[1], padEnd: p.pads[3]) else {
            throw fail(node, "the pooling window does not fit the input \(s)")
        }
        return emit(node, isMax ? .maxPool(p) : .avgPool(p), [f], output, [1, s[1], oh, ow])
    }

    // MARK: - Shape ops

    private mutating func reshape(_ node: ONNXNode, _ f: String, _ shape: [Int]) {
        let out = emit(node, .reshape, [f], node.outputs[0], shape)
        bind(node, out, grid: grids[f])
    }

    private func reshapeTarget(_ node: ONNXNode, from s: [Int], _ target: [Int64], allowZero: Bool) throws -> [Int] {
        var shape: [Int] = []
        var inferred: Int? = nil
        for (i, d) in target.enumerated() {
            if d == 0 && !allowZero {
                guard i < s.count else { throw fail(node, .badAttribute, "shape \(target): 0 at axis \(i) has no input dimension to copy") }
                shape.append(s[i])
            } else if d == -1 {
                guard inferred == nil else { throw fail(node, .badAttribute, "shape \(target) has more than one -1") }
                inferred = i
                shape.append(1)
            } else {
                guard d > 0, d <= Int64(Int32.max) else { throw fail(node, .badAttribute, "shape \(target) has the invalid dimension \(d)") }
                shape.append(Int(d))
            }
        }
        let total = ImportMath.count(s), known = ImportMath.count(shape)
        if let i = inferred {
            guard known > 0, total % known == 0 else { throw fail(node, .badAttribute, "cannot reshape \(s) to \(target)") }
            shape[i] = total / known
        }
        guard ImportMath.count(shape) == total else { throw fail(node, .badAttribute, "cannot reshape \(s) (\(total) values) to \(target)") }
        return shape
    }

    private func squeeze(_ node: ONNXNode, _ s: [Int], axes: [Int]?, unsqueeze: Bool) throws -> [Int] {
        if unsqueeze {
            guard let axes else { throw fail(node, .badAttribute, "axes are missing") }
            let rank = s.count + axes.count
            let norm = try axes.map { try normalizedAxis(node, $0, rank: rank) }.sorted()
            var out = s
            for a in norm { out.insert(1, at: a) }
            return out
        }
        guard let axes else { return s.filter { $0 != 1 } }
        let norm = Set(try axes.map { try normalizedAxis(node, $0, rank: s.count) })
        for a in norm where s[a] != 1 { throw fail(node, .badAttribute, "cannot squeeze axis \(a) of size \(s[a])") }
        return s.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
    }

    private mutating func concat(_ node: ONNXNode, _ fs: [String], output: String) throws {
        let shapesIn = fs.map { shapes[$0]! }
        let rank = shapesIn[0].count
        let axis = try normalizedAxis(node, try intAttr(node, "axis", 0), rank: rank)
        for s in shapesIn {
            guard s.count == rank, (0..<rank).allSatisfy({ $0 == axis || s[$0] == shapesIn[0][$0] }) else {
                throw fail(node, "inputs of shapes \(shapesIn) cannot be joined along axis \(axis)")
            }
        }
        var out = shapesIn[0]
        out[axis] = shapesIn.map { $0[axis] }.reduce(0, +)
        let name = emit(node, .concat(axis), fs, output, out)
        if output == node.outputs[0] { bind(node, name) }
    }

    // MARK: - Elementwise

    /// Axis along which a constant of shape `c` varies when broadcast against `s` (nil: a scalar).
    private func broadcastAxis(_ node: ONNXNode, constant c: [Int], tensor s: [Int]) throws -> Int? {
        guard c.count <= s.count else { throw fail(node, "a constant of shape \(c) would broadcast the tensor \(s) to a larger shape") }
        var axis: Int? = nil
        for (i, d) in c.enumerated() where d != 1 {
            let a = s.count - c.count + i
            guard d == s[a], axis == nil else {
                throw fail(node, "a constant of shape \(c) combined elementwise with a tensor of shape \(s) is not supported (scalars and per-channel constants are)")
            }
            axis = a
        }
        return axis
    }

    private mutating func arithmetic(_ node: ONNXNode, _ op: String) throws {
        let a = node.inputs.count > 0 ? node.inputs[0] : "", b = node.inputs.count > 1 ? node.inputs[1] : ""
        if !isConst(a) && !isConst(b) {
            let fa = try tensor(node, 0), fb = try tensor(node, 1)
            guard op == "Add" || op == "Sub" else {
                throw fail(node, "\(op) of two computed tensors is not supported (only by a constant)")
            }
            guard shapes[fa]! == shapes[fb]! else {
                throw fail(node, "\(op) of tensors of shapes \(shapes[fa]!) and \(shapes[fb]!) (broadcasting) is not supported")
            }
            bind(node, emit(node, .add([1, op == "Sub" ? -1 : 1]), [fa, fb], node.outputs[0], shapes[fa]!))
            return
        }
        let constFirst = isConst(a)
        let f = try tensor(node, constFirst ? 1 : 0)
        let c = consts[constFirst ? a : b]!
        let s = shapes[f]!
        let axis = try broadcastAxis(node, constant: c.shape, tensor: s)
        let v = c.values
        var scale = [Double](repeating: 1, count: v.count), shift = [Double](repeating: 0, count: v.count)
        switch (op, constFirst) {
        case ("Add", _): shift = v
        case ("Sub", false): shift = v.map { -$0 }
        case ("Sub", true): scale = Array(repeating: -1, count: v.count); shift = v
        case ("Mul", _): scale = v
        case ("Div", false):
            guard v.allSatisfy({ $0 != 0 }) else { throw fail(node, .badAttribute, "division by zero") }
            scale = v.map { 1 / $0 }
        default:
            throw fail(node, "dividing a constant by a computed tensor is not supported")
        }
        guard scale.allSatisfy(\.isFinite), shift.allSatisfy(\.isFinite) else { throw fail(node, .badAttribute, "the constant is not finite") }
        let affine = FAffine(scale: scale, shift: shift, axis: axis ?? 0)
        bind(node, emit(node, .affine(affine), [f], node.outputs[0], s))
    }

    private mutating func qlinearBinary(_ node: ONNXNode, mul: Bool) throws {
        let grid = try qparams(node, scale: try const(node, 6, "C_scale"), zeroPoint: try optionalConst(node, 7, "C_zero_point"))
        // Operands: (A, A_scale, A_zero_point) at 0...2, (B, B_scale, B_zero_point) at 3...5; one may be a constant.
        func operand(_ i: Int) throws -> (String?, CTensor?) {
            let name = node.inputs[i]
            if let c = consts[name] {
                guard let ints = c.ints else { throw fail(node, "constant operand '\(name)' must be an integer tensor") }
                let s = try scalar(node, try const(node, i + 1, "scale"), "the operand scale")
                let z = try optionalConst(node, i + 2, "zero point").map { Int64(try scalar(node, $0, "the zero point")) } ?? 0
                return (nil, CTensor(shape: c.shape, values: ints.map { Double($0 - z) * s }, dataType: .float))
            }
            return (try dequantized(node, i, scale: try const(node, i + 1, "scale"), zeroPoint: try optionalConst(node, i + 2, "zero point")), nil)
        }
        let (fa, ca) = try operand(0)
        let (fb, cb) = try operand(3)
        let tmp = fresh(node.outputs[0])
        if let fa, let fb {
            guard !mul else { throw fail(node, "QLinearMul of two computed tensors is not supported (only by a constant)") }
            guard shapes[fa]! == shapes[fb]! else { throw fail(node, "QLinearAdd with broadcasting is not supported") }
            emit(node, .add([1, 1]), [fa, fb], tmp, shapes[fa]!)
        } else if let f = fa ?? fb, let c = ca ?? cb {
            let s = shapes[f]!
            let axis = try broadcastAxis(node, constant: c.shape, tensor: s)
            let a = mul ? FAffine(scale: c.values, shift: Array(repeating: 0, count: c.count), axis: axis ?? 0)
                        : FAffine(scale: Array(repeating: 1, count: c.count), shift: c.values, axis: axis ?? 0)
            emit(node, .affine(a), [f], tmp, s)
        } else {
            throw fail(node, "both operands are constants")
        }
        requantized(node, tmp, grid: grid)
    }

    // MARK: - Constant folding

    private mutating func shapeOf(_ node: ONNXNode) throws {
        let f = try tensor(node, 0)
        let s = shapes[f]!.map { Int64($0) }
        let start = try intAttr(node, "start", 0), end = try intAttr(node, "end", s.count)
        let lo = max(0, min(s.count, start < 0 ? start + s.count : start)), hi = max(lo, min(s.count, end < 0 ? end + s.count : end))
        let v = Array(s[lo..<hi])
        consts[node.outputs[0]] = CTensor(shape: [v.count], values: v.map(Double.init), ints: v, dataType: .int64)
    }

    /// Evaluates a node whose inputs are all constants; false when the op is not foldable here.
    private mutating func fold(_ node: ONNXNode, _ op: String) throws -> Bool {
        let ins = node.inputs.map { $0.isEmpty ? nil : consts[$0] }
        guard let x = ins.first ?? nil else { return false }
        var out: CTensor
        switch op {
        case "Identity", "Cast":
            out = x
            if op == "Cast" {
                let to = ONNXDataType(rawValue: Int32(try intAttr(node, "to", 1)))
                if to.isFloatingPoint {
                    out.ints = nil
                } else if to.integerRange != nil {
                    let v = x.values.map { Int64($0.rounded(.towardZero)) }
                    out.ints = v; out.values = v.map(Double.init)
                } else {
                    return false
                }
                out.dataType = to
                out.pinned = nil
            }
        case "Reshape":
            guard let t = ins.count > 1 ? ins[1]?.ints : nil else { return false }
            out = x
            out.shape = try reshapeTarget(node, from: x.shape, t, allowZero: try intAttr(node, "allowzero", 0) != 0)
            out.pinned = nil
        case "Flatten":
            let axis = try normalizedAxis(node, try intAttr(node, "axis", 1), rank: x.shape.count + 1)
            out = x
            out.shape = [ImportMath.count(Array(x.shape[..<axis])), ImportMath.count(Array(x.shape[axis...]))]
            out.pinned = nil
        case "Squeeze", "Unsqueeze":
            let axes = try intsAttr(node, "axes") ?? (ins.count > 1 ? ins[1]?.ints?.map { Int($0) } : nil)
            out = x
            out.shape = try squeeze(node, x.shape, axes: axes, unsqueeze: op == "Unsqueeze")
            out.pinned = nil
        case "Transpose":
            let perm = try intsAttr(node, "perm") ?? Array((0..<x.shape.count).reversed())
            guard perm.sorted() == Array(0..<x.shape.count) else { throw fail(node, .badAttribute, "perm \(perm) is not a permutation") }
            out = x
            out.shape = perm.map { x.shape[$0] }
            out.values = ImportMath.transpose(x.values, shape: x.shape, perm: perm)
            out.ints = x.ints.map { ImportMath.transpose($0, shape: x.shape, perm: perm) }
            if var p = x.pinned {
                p.ints = ImportMath.transpose(p.ints, shape: x.shape, perm: perm)
                p.axis = perm.firstIndex(of: p.axis) ?? 0
                out.pinned = p
            }
        case "Concat":
            let parts = ins.compactMap { $0 }
            guard parts.count == ins.count, parts.allSatisfy({ $0.shape.count == 1 }) else { return false }
            let v = parts.flatMap(\.values)
            out = CTensor(shape: [v.count], values: v, ints: parts.allSatisfy({ $0.ints != nil }) ? parts.flatMap { $0.ints! } : nil,
                          dataType: x.dataType)
        case "Gather":
            guard let idx = ins.count > 1 ? ins[1]?.ints : nil, try intAttr(node, "axis", 0) == 0, x.shape.count == 1 else { return false }
            var v: [Double] = [], iv: [Int64] = []
            for i in idx {
                let j = Int(i < 0 ? i + Int64(x.count) : i)
                guard j >= 0 && j < x.count else { throw fail(node, .badAttribute, "index \(i) out of range") }
                v.append(x.values[j]); iv.append(x.ints?[j] ?? 0)
            }
            out = CTensor(shape: ins[1]!.shape, values: v, ints: x.ints == nil ? nil : iv, dataType: x.dataType)
        case "Add", "Sub", "Mul", "Div":
            guard ins.count == 2, let y = ins[1], let r = broadcast(x, y, op) else { return false }
            out = r
        case "DequantizeLinear":
            guard let scale = ins.count > 1 ? ins[1] : nil else { return false }
            let zp = ins.count > 2 ? ins[2] : nil
            // The axis matters only for per-channel scales.
            let axis = scale.count == 1 ? 0 : try normalizedAxis(node, try intAttr(node, "axis", 1), rank: max(x.shape.count, 1))
            let p = try pinned(node, x, scale: scale, zeroPoint: zp, axis: x.shape.isEmpty ? 0 : axis, what: "x")
            out = dequantize(x, p)
        case "QuantizeLinear":
            guard let scale = ins.count > 1 ? ins[1] : nil else { return false }
            let zp = ins.count > 2 ? ins[2] : nil
            let grid = try qparams(node, scale: scale, zeroPoint: zp)
            let q = x.values.map { v -> Int64 in
                let r = (v / grid.scale).rounded(.toNearestOrEven) + Double(grid.zeroPoint)
                return Int64(min(max(r, Double(grid.qmin)), Double(grid.qmax)))
            }
            out = CTensor(shape: x.shape, values: q.map(Double.init), ints: q, dataType: zp?.dataType ?? .uint8)
            out.qparams = grid
        default:
            return false
        }
        if let o = node.outputs.first, !o.isEmpty { consts[o] = out }
        return true
    }

    /// Elementwise op of two constants with ONNX (numpy) broadcasting.
    private func broadcast(_ a: CTensor, _ b: CTensor, _ op: String) -> CTensor? {
        let rank = max(a.shape.count, b.shape.count)
        let sa = Array(repeating: 1, count: rank - a.shape.count) + a.shape
        let sb = Array(repeating: 1, count: rank - b.shape.count) + b.shape
        var shape: [Int] = []
        for (x, y) in zip(sa, sb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(max(x, y))
        }
        guard shape.allSatisfy({ $0 <= 1 << 24 }), shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 1 << 24
        else { return nil }
        let count = ImportMath.count(shape)
        let st = ImportMath.strides(shape), ta = ImportMath.strides(sa), tb = ImportMath.strides(sb)
        var v = [Double](repeating: 0, count: count)
        let integer = a.ints != nil && b.ints != nil
        for i in 0..<count {
            var ia = 0, ib = 0, r = i
            for d in 0..<rank {
                let idx = r / st[d]; r %= st[d]
                if sa[d] != 1 { ia += idx * ta[d] }
                if sb[d] != 1 { ib += idx * tb[d] }
            }
            let x = a.values[ia], y = b.values[ib]
            switch op {
            case "Add": v[i] = x + y
            case "Sub": v[i] = x - y
            case "Mul": v[i] = x * y
            default:
                if integer {
                    guard y != 0 else { return nil }
                    v[i] = (x / y).rounded(.down)
                } else {
                    v[i] = x / y
                }
            }
        }
        return CTensor(shape: shape, values: v, ints: integer ? v.map { Int64($0) } : nil, dataType: integer ? a.dataType : .float)
    }
}
