/// A failure of `ModelExecutor`: an invalid model, bad inputs, or an op result outside its
/// tensor's declared bounds. The message names the op, the tensor or the input.
public struct ExecutorError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything one run computed: the witness source for the circuit.
public struct Trace: Sendable, Equatable {
    /// Every tensor's values, by TensorID (empty for tensors a `trace: false` run released).
    public var values: [[Int64]]
    /// By op index. Requantize: the unclamped ⌊(acc·M + 2^(k−1)) / 2^k⌋; AveragePool: the output.
    public var quotients: [Int: [Int64]]
    /// By op index. Requantize: acc·M + 2^(k−1) − q·2^k ∈ [0, 2^k);
    /// AveragePool: 2·sum + n − 2n·y ∈ [0, 2n).
    public var remainders: [Int: [Int64]]

    public init(values: [[Int64]], quotients: [Int: [Int64]] = [:], remainders: [Int: [Int64]] = [:]) {
        self.values = values; self.quotients = quotients; self.remainders = remainders
    }
}

/// Runs a quantized model with the fast integer kernels (or, for tests, the reference kernels).
///
/// `init` validates the model once (ids, topological order, shapes, op parameters, and that no
/// Int64 intermediate can overflow given the declared tensor bounds) and packs the Gemm and Conv
/// weights; `run` checks the inputs against their bounds and every op's output against its
/// tensor's bounds, so those bounds hold for every value a run returns.
public final class ModelExecutor: @unchecked Sendable {
    public let model: QuantizedModel
    private let gemms: [Int: PreparedGemm]
    private let convs: [Int: PreparedConv]
    /// Index of the last op reading each tensor (-1: none).
    private let lastUse: [Int]

    public init(_ model: QuantizedModel) throws {
        self.model = model
        try ModelExecutor.validate(model)
        var gemms: [Int: PreparedGemm] = [:], convs: [Int: PreparedConv] = [:]
        var lastUse = [Int](repeating: -1, count: model.tensors.count)
        for (i, op) in model.ops.enumerated() {
            for t in op.inputs { lastUse[t] = i }
            do {
                switch op {
                case .gemm(let g): gemms[i] = try PreparedGemm(g)
                case .conv(let c): convs[i] = try PreparedConv(c, inputShape: model.tensors[c.input].shape)
                default: break
                }
            } catch let e as KernelError {
                throw ExecutorError("op \(i) (\(op.kind)): \(e.message)")
            }
        }
        self.gemms = gemms; self.convs = convs; self.lastUse = lastUse
    }

    /// Validates and runs `model` once with the fast kernels.
    public static func run(_ model: QuantizedModel, inputs: [[Int64]], threads: Int, trace: Bool) throws -> Trace {
        try ModelExecutor(model).run(inputs: inputs, threads: threads, trace: trace)
    }

    /// Validates and runs `model` with `ReferenceKernels` (always a full trace).
    public static func runReference(_ model: QuantizedModel, inputs: [[Int64]]) throws -> Trace {
        try ModelExecutor(model).runReference(inputs: inputs)
    }

    /// Runs the model. With `trace: false`, tensors are released after their last use (only the
    /// graph inputs and outputs keep their values) and no quotients or remainders are recorded.
    public func run(inputs: [[Int64]], threads: Int = 1, trace: Bool = true) throws -> Trace {
        try execute(inputs: inputs, threads: max(1, threads), trace: trace, reference: false)
    }

    /// Runs the model with `ReferenceKernels`.
    public func runReference(inputs: [[Int64]]) throws -> Trace {
        try execute(inputs: inputs, threads: 1, trace: true, reference: true)
    }

    // MARK: - Running

    private func execute(inputs: [[Int64]], threads: Int, trace: Bool, reference: Bool) throws -> Trace {
        let m = model
        guard inputs.count == m.inputs.count else {
            throw ExecutorError("model \(m.source) takes \(m.inputs.count) input(s), got \(inputs.count)")
        }
        var values = [[Int64]](repeating: [], count: m.tensors.count)
        for (slot, (id, x)) in zip(m.inputs, inputs).enumerated() {
            let t = m.tensors[id]
            guard x.count == t.count else {
                throw ExecutorError("input \(slot) '\(t.name)' has \(x.count) values, shape \(t.shape) needs \(t.count)")
            }
            if let bad = x.firstIndex(where: { $0 < t.lower || $0 > t.upper }) {
                throw ExecutorError("input \(slot) '\(t.name)': value \(x[bad]) at index \(bad) is outside the declared bounds [\(t.lower), \(t.upper)]")
            }
            values[id] = x
        }
        var result = Trace(values: [])
        let keep = Set(m.outputs).union(m.inputs)
        for (i, op) in m.ops.enumerated() {
            let out: [Int64]
            do {
                out = try apply(op, index: i, values: values, threads: threads, trace: trace || reference,
                                reference: reference, record: &result)
            } catch let e as KernelError {
                throw ExecutorError("op \(i) (\(op.kind)): \(e.message)")
            }
            let t = m.tensors[op.output]
            if let bad = ModelExecutor.firstOutside(out, t.lower, t.upper) {
                throw ExecutorError("op \(i) (\(op.kind)) produced \(out[bad]) at index \(bad) of tensor '\(t.name)', outside its declared bounds [\(t.lower), \(t.upper)]")
            }
            values[op.output] = out
            if !trace && !reference {
                for input in op.inputs where lastUse[input] == i && !keep.contains(input) { values[input] = [] }
            }
        }
        result.values = values
        return result
    }

    private func apply(_ op: Op, index i: Int, values: [[Int64]], threads: Int, trace: Bool, reference: Bool,
                       record: inout Trace) throws -> [Int64] {
        let tensors = model.tensors
        switch op {
        case .gemm(let g):
            return reference ? try ReferenceKernels.gemm(values[g.input], g) : try gemms[i]!.run(values[g.input], threads: threads)
        case .conv(let c):
            return reference ? try ReferenceKernels.conv(values[c.input], inputShape: tensors[c.input].shape, c)
                             : try convs[i]!.run(values[c.input], threads: threads)
        case .requantize(let r):
            let shape = tensors[r.input].shape
            if reference {
                let (v, q, rem) = try ReferenceKernels.requantize(values[r.input], shape: shape, r)
                record.quotients[i] = q; record.remainders[i] = rem
                return v
            }
            let (v, q, rem) = try Kernels.requantize(values[r.input], shape: shape, r, trace: trace)
            if trace { record.quotients[i] = q; record.remainders[i] = rem }
            return v
        case .clamp(let c):
            return reference ? ReferenceKernels.clamp(values[c.input], lower: c.lower, upper: c.upper)
                             : Kernels.clamp(values[c.input], lower: c.lower, upper: c.upper)
        case .maxPool(let p):
            return reference ? try ReferenceKernels.maxPool(values[p.input], inputShape: tensors[p.input].shape, p)
                             : try Kernels.maxPool(values[p.input], inputShape: tensors[p.input].shape, p)
        case .avgPool(let p):
            if reference {
                let (v, rem) = try ReferenceKernels.avgPool(values[p.input], inputShape: tensors[p.input].shape, p)
                record.quotients[i] = v; record.remainders[i] = rem
                return v
            }
            let (v, rem) = try Kernels.avgPool(values[p.input], inputShape: tensors[p.input].shape, p, trace: trace)
            if trace { record.quotients[i] = v; record.remainders[i] = rem }
            return v
        case .elementwise(let e):
            let xs = e.inputs.map { values[$0] }
            return reference ? try ReferenceKernels.elementwise(xs, multipliers: e.multipliers, offset: e.offset)
                             : try Kernels.elementwise(xs, multipliers: e.multipliers, offset: e.offset)
        case .reshape(let r):
            return values[r.input]
        case .transpose(let t):
            return reference ? try ReferenceKernels.transpose(values[t.input], shape: tensors[t.input].shape, perm: t.perm)
                             : try Kernels.transpose(values[t.input], shape: tensors[t.input].shape, perm: t.perm)
        case .concat(let c):
            let xs = c.inputs.map { values[$0] }, shapes = c.inputs.map { tensors[$0].shape }
            return reference ? try ReferenceKernels.concat(xs, shapes: shapes, axis: c.axis)
                             : try Kernels.concat(xs, shapes: shapes, axis: c.axis)
        }
    }

    /// Index of the first value outside [lower, upper], if any.
    static func firstOutside(_ x: [Int64], _ lower: Int64, _ upper: Int64) -> Int? {
        var lo = Int64.max, hi = Int64.min
        x.withUnsafeBufferPointer { p in
            for v in p { lo = min(lo, v); hi = max(hi, v) }
        }
        guard lo < lower || hi > upper else { return nil }
        return x.firstIndex { $0 < lower || $0 > upper }
    }

    // MARK: - Validation

    /// Magnitude bound of a tensor's values.
    private static func magnitude(_ t: TensorInfo) -> UInt64 { max(t.lower.magnitude, t.upper.magnitude) }

    /// Σ a_i·b_i + c over magnitudes, or nil when it may exceed Int64.max.
    private static func fitsInt64(_ terms: [(UInt64, UInt64)], plus c: UInt64 = 0) -> Bool {
        var total = c
        for (a, b) in terms {
            let (p, o1) = a.multipliedReportingOverflow(by: b)
            let (s, o2) = total.addingReportingOverflow(p)
            if o1 || o2 { return false }
            total = s
        }
        return total <= UInt64(Int64.max)
    }

    static func validate(_ m: QuantizedModel) throws {
        let n = m.tensors.count
        func checkID(_ id: TensorID, _ what: String) throws {
            guard id >= 0 && id < n else { throw ExecutorError("\(what) refers to tensor \(id), the model has \(n) tensors") }
        }
        for (id, t) in m.tensors.enumerated() {
            guard t.lower <= t.upper else { throw ExecutorError("tensor \(id) '\(t.name)': lower bound \(t.lower) > upper bound \(t.upper)") }
            guard t.shape.allSatisfy({ $0 >= 0 }) else { throw ExecutorError("tensor \(id) '\(t.name)': negative dimension in \(t.shape)") }
        }
        var available = [Bool](repeating: false, count: n)
        for (slot, id) in m.inputs.enumerated() {
            try checkID(id, "graph input \(slot)")
            guard !available[id] else { throw ExecutorError("tensor \(id) '\(m.tensors[id].name)' is listed twice as a graph input") }
            available[id] = true
        }
        for (slot, id) in m.outputs.enumerated() { try checkID(id, "graph output \(slot)") }
        for (i, op) in m.ops.enumerated() {
            let name = "op \(i) (\(op.kind))"
            for t in op.inputs {
                try checkID(t, name)
                guard available[t] else { throw ExecutorError("\(name) reads tensor \(t) '\(m.tensors[t].name)' before any op produces it") }
            }
            try checkID(op.output, name)
            guard !available[op.output] else { throw ExecutorError("\(name) writes tensor \(op.output) '\(m.tensors[op.output].name)', which already has values") }
            do {
                try validateOp(op, m)
            } catch let e as KernelError {
                throw ExecutorError("\(name): \(e.message)")
            }
            available[op.output] = true
        }
        for (slot, id) in m.outputs.enumerated() where !available[id] {
            throw ExecutorError("graph output \(slot) '\(m.tensors[id].name)' is never produced")
        }
    }

    /// Shapes and parameters of one op against its tensors, and no Int64 overflow in its arithmetic.
    private static func validateOp(_ op: Op, _ m: QuantizedModel) throws {
        let t = m.tensors
        let out = t[op.output]
        func sameCount(_ input: TensorID) throws {
            guard t[input].count == out.count else {
                throw KernelError("input '\(t[input].name)' has \(t[input].count) values, output '\(out.name)' has \(out.count)")
            }
        }
        func shape(_ expected: [Int]) throws {
            let got = out.shape.count == expected.count - 1 && expected.first == 1 ? [1] + out.shape : out.shape
            guard got == expected else { throw KernelError("output '\(out.name)' has shape \(out.shape), the op produces \(expected)") }
        }
        switch op {
        case .gemm(let g):
            let x = t[g.input]
            guard g.k > 0, g.n > 0, x.shape.last == g.k else { throw KernelError("input '\(x.name)' of shape \(x.shape) does not end in k = \(g.k)") }
            guard out.shape.last == g.n, out.count == x.count / g.k * g.n else {
                throw KernelError("output '\(out.name)' of shape \(out.shape) is not \(x.count / g.k) rows of n = \(g.n)")
            }
            guard g.weights.count == g.n * g.k else { throw KernelError("\(g.weights.count) weights, n·k = \(g.n * g.k)") }
            guard g.bias.isEmpty || g.bias.count == g.n else { throw KernelError("\(g.bias.count) biases for n = \(g.n)") }
            let rowSum = (0..<g.n).map { r in g.weights[(r * g.k)..<((r + 1) * g.k)].reduce(UInt64(0)) { $0 + UInt64($1.magnitude) } }.max() ?? 0
            let bias = g.bias.map(\.magnitude).max() ?? 0
            guard fitsInt64([(magnitude(x), rowSum)], plus: bias) else { throw KernelError("accumulators may exceed 64 bits") }
        case .conv(let c):
            let x = t[c.input]
            let g = try ConvGeometry(c, inputShape: x.shape)
            try shape(g.outputShape)
            let k = g.reduction
            let rowSum = (0..<g.outChannels).map { o in c.weights[(o * k)..<((o + 1) * k)].reduce(UInt64(0)) { $0 + UInt64($1.magnitude) } }.max() ?? 0
            let bias = c.bias.map(\.magnitude).max() ?? 0
            guard fitsInt64([(magnitude(x), rowSum)], plus: bias) else { throw KernelError("accumulators may exceed 64 bits") }
        case .requantize(let r):
            try sameCount(r.input)
            _ = try ReferenceKernels.requantizeChannels(shape: t[r.input].shape, count: t[r.input].count, r)
            let mult = r.multipliers.map(\.magnitude).max() ?? 0
            let half: UInt64 = r.shift == 0 ? 0 : UInt64(1) << (r.shift - 1)
            guard fitsInt64([(magnitude(t[r.input]), mult)], plus: half) else { throw KernelError("acc·M + 2^(k−1) may exceed 64 bits") }
        case .clamp(let c):
            try sameCount(c.input)
            guard c.lower <= c.upper else { throw KernelError("lower \(c.lower) > upper \(c.upper)") }
        case .maxPool(let p), .avgPool(let p):
            let g = try PoolGeometry(p, inputShape: t[p.input].shape)
            try shape(g.outputShape)
            let area = UInt64(g.kernelH * g.kernelW)
            guard fitsInt64([(magnitude(t[p.input]), 2 * area)], plus: area) else { throw KernelError("pooling sums may exceed 64 bits") }
        case .elementwise(let e):
            guard !e.inputs.isEmpty, e.multipliers.count == e.inputs.count else {
                throw KernelError("\(e.inputs.count) inputs, \(e.multipliers.count) multipliers")
            }
            for input in e.inputs { try sameCount(input) }
            guard fitsInt64(zip(e.inputs, e.multipliers).map { (magnitude(t[$0]), $1.magnitude) }, plus: e.offset.magnitude) else {
                throw KernelError("the weighted sum may exceed 64 bits")
            }
        case .reshape(let r):
            try sameCount(r.input)
        case .transpose(let tr):
            let s = t[tr.input].shape
            guard tr.perm.count == s.count, Set(tr.perm) == Set(0..<s.count) else { throw KernelError("perm \(tr.perm) is not a permutation of \(s.count) axes") }
            guard out.shape == tr.perm.map({ s[$0] }) else { throw KernelError("output '\(out.name)' has shape \(out.shape), the op produces \(tr.perm.map { s[$0] })") }
        case .concat(let c):
            let expected = try ReferenceKernels.concatShape(c.inputs.map { t[$0].shape }, axis: c.axis)
            guard out.shape == expected else { throw KernelError("output '\(out.name)' has shape \(out.shape), the op produces \(expected)") }
        }
    }
}
