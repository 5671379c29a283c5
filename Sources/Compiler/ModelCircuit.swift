import Algebra
import Groth16
import Model

/// Constraint and variable counts of one IR op, for the manifest and `zkshard inspect`.
public struct LayerStats: Codable, Equatable, Sendable {
    public var op: String
    public var output: String
    public var shape: [Int]
    public var constraints: Int
    public var variables: Int
    /// Bits of the output's integer range.
    public var bits: Int
}

public struct CompileError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }

    /// A trace that breaks constraint `k` of layer `label`: the kernels and the circuit disagree.
    public init(traceViolation k: Int, label: String) {
        description = "the trace does not satisfy constraint \(k) (\(label)): the kernels' values disagree with the circuit"
    }
}

/// Whether the model's input tensors are private witness values or public inputs.
public enum InputVisibility: String, Codable, Sendable { case `private`, `public` }

/// What a circuit shows to its verifier.
public enum CircuitInterface: Equatable, Sendable {
    /// A whole model: the outputs are public, then the model digest, then the inputs if public.
    case model(InputVisibility)
    /// Shard `index` of a sharded model: the public inputs are exactly [model digest, shard
    /// index, input commitment, output commitment]; the activations stay private and are bound
    /// by `TensorCommitment`s with private salts.
    case shard(index: Int)
}

/// The salts of a shard circuit's two commitments (witness values; 0 = no hiding).
public struct CommitmentSalts: Equatable, Sendable {
    public var input: Fr
    public var output: Fr
    public init(input: Fr = .zero, output: Fr = .zero) { self.input = input; self.output = output }
}

/// The public values of a compiled model circuit, in circom order: the outputs (every element
/// of every model output, in order), then the model digest, then the inputs if public. For a
/// shard circuit: model digest, shard index, input commitment, output commitment.
public struct PublicLayout: Codable, Equatable, Sendable {
    public var outputCounts: [Int]
    public var inputCounts: [Int]
    public var inputVisibility: InputVisibility
    /// Set for a shard circuit.
    public var shardIndex: Int?
    public var numPublic: Int {
        if shardIndex != nil { return 4 }
        return outputCounts.reduce(0, +) + 1 + (inputVisibility == .public ? inputCounts.reduce(0, +) : 0)
    }
    enum CodingKeys: String, CodingKey { case outputCounts, inputCounts, inputVisibility, shardIndex = "shard_index" }
}

/// IR → R1CS. Constant-weight layers become linear combinations (no constraints); the
/// constraints are in the nonlinear steps: rescaling (division with a range-checked
/// remainder), clamps and ReLU (sign bits), max, average, and input range checks.
///
/// `synthesize` is run once without values to build the circuit, and once per proof with
/// the kernels' trace to fill the witness: same code, same wire order.
public enum ModelCircuit {
    public struct Result {
        public var r1cs: R1CS
        public var witness: [Fr]?
        public var layers: [LayerStats]
        public var layout: PublicLayout
        /// (first constraint, label) of each scope, in order, for naming a constraint's layer.
        public var scopes: [(start: Int, label: String)]

        /// The label of the layer constraint `k` belongs to.
        public func label(ofConstraint k: Int) -> String {
            CircuitBuilder.label(ofConstraint: k, in: scopes)
        }
    }

    /// - Parameters:
    ///   - digest: the field element that binds the circuit to one quantized model (a public input fixed by a constraint).
    ///   - values: every tensor's integer values from the kernels' trace (by TensorID), or nil to only build constraints.
    public static func synthesize(_ model: QuantizedModel, digest: Fr, inputVisibility: InputVisibility,
                                  values: [[Int64]]?) throws -> Result {
        try synthesize(model, digest: digest, interface: .model(inputVisibility), values: values)
    }

    /// - Parameters:
    ///   - interface: a whole-model circuit or one shard's (see `CircuitInterface`).
    ///   - salts: the commitment salts of a shard circuit (witness mode).
    ///   - checkTrace: in witness mode, refuse a trace that breaks a constraint, naming the layer.
    ///     A caller that hands the witness to the Groth16 prover, which checks every constraint
    ///     anyway, passes false and names the layer from the prover's error (`label(ofConstraint:)`).
    public static func synthesize(_ model: QuantizedModel, digest: Fr, interface: CircuitInterface,
                                  values: [[Int64]]?, salts: CommitmentSalts = CommitmentSalts(),
                                  checkTrace: Bool = true) throws -> Result {
        let inputVisibility: InputVisibility
        let shardIndex: Int?
        switch interface {
        case .model(let v): inputVisibility = v; shardIndex = nil
        case .shard(let k): inputVisibility = .private; shardIndex = k
        }
        let cs = CircuitBuilder(computesWitness: values != nil)
        if let values, values.count != model.tensors.count {
            throw CompileError("trace has \(values.count) tensors, the model \(model.tensors.count)")
        }
        func traced(_ t: TensorID, _ i: Int) -> Int64 { values?[t][i] ?? 0 }
        var signals = [[Signal]?](repeating: nil, count: model.tensors.count)
        var layers: [LayerStats] = []

        /// bias + Σ w·x with sound interval bounds (no constraints).
        func linear(_ terms: [(Int64, Signal)], bias: Int64, value: Int64, op: Int) throws -> Signal {
            var lc = LinearCombination(constant: bias)
            var lo = bias, hi = bias
            for (w, x) in terms where w != 0 {
                lc.add(x.lc, times: w)
                let (a, o1) = w.multipliedReportingOverflow(by: x.lower)
                let (b, o2) = w.multipliedReportingOverflow(by: x.upper)
                guard !o1, !o2 else { throw CompileError("op \(op): accumulator bound overflows 64 bits") }
                let (l2, o3) = lo.addingReportingOverflow(Swift.min(a, b))
                let (h2, o4) = hi.addingReportingOverflow(Swift.max(a, b))
                guard !o3, !o4, h2 < Int64(1) << 62, l2 > -(Int64(1) << 62) else {
                    throw CompileError("op \(op): accumulator bound exceeds 62 bits")
                }
                lo = l2; hi = h2
            }
            return Signal(lc: lc, value: value, lower: lo, upper: hi)
        }

        func convolve(_ c: Conv, x: [Signal], inShape: [Int], outShape: [Int], op: Int, value: (Int) -> Int64) throws -> [Signal] {
            guard inShape.count == 4, outShape.count == 4, c.weightShape.count == 4 else {
                throw CompileError("op \(op) Conv: expects NCHW tensors and OIHW weights")
            }
            let (cin, h, w) = (inShape[1], inShape[2], inShape[3])
            let (cout, oh, ow) = (outShape[1], outShape[2], outShape[3])
            let (cpg, kh, kw) = (c.weightShape[1], c.weightShape[2], c.weightShape[3])
            guard c.groups > 0, cin == cpg * c.groups, cout == c.weightShape[0], cout % c.groups == 0, c.bias.count == cout,
                  c.weights.count == cout * cpg * kh * kw else {
                throw CompileError("op \(op) Conv: weight shape \(c.weightShape) does not match input \(inShape) / output \(outShape)")
            }
            let opg = cout / c.groups
            var out: [Signal] = []
            out.reserveCapacity(cout * oh * ow)
            for o in 0..<cout {
                let g = o / opg
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var terms: [(Int64, Signal)] = []
                        for ci in 0..<cpg {
                            for i in 0..<kh {
                                let iy = y * c.strides[0] + i * c.dilations[0] - c.pads[0]
                                if iy < 0 || iy >= h { continue }
                                for j in 0..<kw {
                                    let ix = xo * c.strides[1] + j * c.dilations[1] - c.pads[1]
                                    if ix < 0 || ix >= w { continue }
                                    let wv = Int64(c.weights[((o * cpg + ci) * kh + i) * kw + j])
                                    terms.append((wv, x[((g * cpg + ci) * h + iy) * w + ix]))
                                }
                            }
                        }
                        out.append(try linear(terms, bias: c.bias[o], value: value(out.count), op: op))
                    }
                }
            }
            return out
        }

        func pool(_ p: Pool, x: [Signal], inShape: [Int], outShape: [Int], reduce: ([Signal], Int) throws -> Signal) throws -> [Signal] {
            guard inShape.count == 4, outShape.count == 4, inShape[1] == outShape[1] else {
                throw CompileError("pooling expects NCHW tensors with equal channels")
            }
            let (ch, h, w, oh, ow) = (inShape[1], inShape[2], inShape[3], outShape[2], outShape[3])
            var out: [Signal] = []
            out.reserveCapacity(ch * oh * ow)
            for cc in 0..<ch {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var window: [Signal] = []
                        for i in 0..<p.kernel[0] {
                            let iy = y * p.strides[0] + i - p.pads[0]
                            for j in 0..<p.kernel[1] {
                                let ix = xo * p.strides[1] + j - p.pads[1]
                                if iy < 0 || iy >= h || ix < 0 || ix >= w {
                                    if p.countIncludePad { window.append(.constant(0)) }
                                    continue
                                }
                                window.append(x[(cc * h + iy) * w + ix])
                            }
                        }
                        guard !window.isEmpty else { throw CompileError("a pooling window lies entirely in the padding") }
                        out.append(try reduce(window, window.count))
                    }
                }
            }
            return out
        }

        func record(_ op: String, _ t: TensorID, from c0: Int, _ w0: Int) {
            let info = model.tensors[t]
            let s = signals[t] ?? []
            let lo = s.map(\.lower).min() ?? 0, hi = s.map(\.upper).max() ?? 0
            layers.append(LayerStats(op: op, output: info.name, shape: info.shape, constraints: cs.numConstraints - c0,
                                     variables: cs.numWires - w0, bits: signedBits(lower: lo, upper: hi)))
        }

        // The model digest, as a public input pinned to its value.
        cs.beginScope("model digest")
        let d = cs.alloc(.publicInput, value: digest)
        cs.enforceZero(LinearCombination(wire: d) - LinearCombination(wire: 0, coefficient: digest))
        if let shardIndex {
            cs.beginScope("shard index")
            let k = cs.alloc(.publicInput, value: Fr(UInt64(shardIndex)))
            cs.enforceZero(LinearCombination(wire: k) - Int64(shardIndex))
        }

        for t in model.inputs {
            let info = model.tensors[t]
            let (c0, w0) = (cs.numConstraints, cs.numWires)
            cs.beginScope("input \(info.name)")
            var s: [Signal] = []
            s.reserveCapacity(info.count)
            for i in 0..<info.count {
                let v = traced(t, i)
                let w = cs.alloc(inputVisibility == .public ? .publicInput : .privateInput, signed: v)
                let sig = Signal(lc: LinearCombination(wire: w), value: v, lower: info.lower, upper: info.upper)
                Gadgets.rangeCheck(cs, sig, lower: info.lower, upper: info.upper)
                s.append(sig)
            }
            signals[t] = s
            record("Input", t, from: c0, w0)
        }

        for (index, op) in model.ops.enumerated() {
            let out = op.output
            let info = model.tensors[out]
            cs.beginScope("op \(index) \(op.kind) → \(info.name)")
            let (c0, w0) = (cs.numConstraints, cs.numWires)
            func input(_ t: TensorID) throws -> [Signal] {
                guard let s = signals[t] else { throw CompileError("op \(index) (\(op.kind)) reads tensor \(model.tensors[t].name) before it is computed") }
                return s
            }
            var result: [Signal]
            switch op {
            case .gemm(let g):
                let x = try input(g.input)
                guard g.k > 0, x.count % g.k == 0, g.weights.count == g.n * g.k, g.bias.count == g.n else {
                    throw CompileError("op \(index) Gemm: shapes do not match (input \(x.count), n \(g.n), k \(g.k))")
                }
                let m = x.count / g.k
                result = []
                result.reserveCapacity(m * g.n)
                for r in 0..<m {
                    for j in 0..<g.n {
                        var terms: [(Int64, Signal)] = []
                        terms.reserveCapacity(g.k)
                        for kk in 0..<g.k { terms.append((Int64(g.weights[j * g.k + kk]), x[r * g.k + kk])) }
                        result.append(try linear(terms, bias: g.bias[j], value: traced(out, result.count), op: index))
                    }
                }
            case .conv(let c):
                result = try convolve(c, x: try input(c.input), inShape: model.tensors[c.input].shape,
                                      outShape: info.shape, op: index) { traced(out, $0) }
            case .requantize(let q):
                let x = try input(q.input)
                let shape = model.tensors[q.input].shape
                result = []
                result.reserveCapacity(x.count)
                for (i, s) in x.enumerated() {
                    let m = q.multipliers.count == 1 ? q.multipliers[0] : q.multipliers[channel(of: i, axis: q.channelAxis, shape: shape)]
                    let h: Int64 = q.shift > 0 ? Int64(1) << Int64(q.shift - 1) : 0
                    let scaled = try linear([(m, s)], bias: h, value: s.value &* m &+ h, op: index)
                    let quotient = q.shift > 0 ? Gadgets.shiftRight(cs, scaled, shift: q.shift) : scaled
                    result.append(Gadgets.clamp(cs, quotient, lower: q.lower, upper: q.upper, proveRange: q.shift > 0))
                }
            case .clamp(let c):
                result = try input(c.input).map { Gadgets.clamp(cs, $0, lower: c.lower, upper: c.upper, proveRange: false) }
            case .maxPool(let p):
                result = try pool(p, x: try input(p.input), inShape: model.tensors[p.input].shape, outShape: info.shape) { window, _ in
                    window.dropFirst().reduce(window[0]) { Gadgets.max2(cs, $0, $1) }
                }
            case .avgPool(let p):
                result = try pool(p, x: try input(p.input), inShape: model.tensors[p.input].shape, outShape: info.shape) { window, n in
                    let lo = window.map(\.lower).min()!, hi = window.map(\.upper).max()!
                    let num = try linear(window.map { (2, $0) }, bias: Int64(n), value: 2 * window.reduce(0) { $0 + $1.value } + Int64(n), op: index)
                    return Gadgets.divide(cs, num, by: 2 * Int64(n), yLower: lo, yUpper: hi)
                }
            case .elementwise(let e):
                let xs = try e.inputs.map(input)
                guard e.multipliers.count == xs.count, xs.allSatisfy({ $0.count == info.count }) else {
                    throw CompileError("op \(index) Elementwise: inputs and multipliers do not match the output")
                }
                result = try (0..<info.count).map { i in
                    let terms = zip(e.multipliers, xs).map { ($0, $1[i]) }
                    return try linear(terms, bias: e.offset, value: terms.reduce(e.offset) { $0 + $1.0 * $1.1.value }, op: index)
                }
            case .reshape(let r):
                result = try input(r.input)
            case .transpose(let t):
                result = try permute(try input(t.input), shape: model.tensors[t.input].shape, perm: t.perm)
            case .concat(let c):
                result = try concatenate(try c.inputs.map(input), shapes: c.inputs.map { model.tensors[$0].shape }, axis: c.axis)
            }
            guard result.count == info.count else {
                throw CompileError("op \(index) (\(op.kind)) produced \(result.count) values for tensor \(info.name) of shape \(info.shape)")
            }
            if let values {
                // The gadgets recompute nonlinear results from the traced accumulators; the
                // kernels must agree element for element, or the trace is not this model's.
                if let i = result.indices.first(where: { result[$0].value != values[out][$0] }) {
                    throw CompileError("the trace does not match the circuit at op \(index) (\(op.kind)), tensor \(info.name)[\(i)]: kernels computed \(values[out][i]), the circuit \(result[i].value)")
                }
            }
            signals[out] = result
            record(op.kind, out, from: c0, w0)
        }

        for t in model.outputs where signals[t] == nil { throw CompileError("output \(model.tensors[t].name) is never computed") }
        if shardIndex == nil {
            // Outputs become public wires equal to their linear combinations.
            for t in model.outputs {
                cs.beginScope("output \(model.tensors[t].name)")
                let (c0, w0) = (cs.numConstraints, cs.numWires)
                for sig in signals[t]! {
                    let w = cs.alloc(.publicOutput, signed: sig.value)
                    cs.enforceZero(LinearCombination(wire: w) - sig.lc)
                }
                record("Output", t, from: c0, w0)
            }
        } else {
            // Input and output activations are bound by commitments with private salts; the
            // outputs are range-checked to their declared bounds where the gadgets' own bounds
            // do not already imply them (the packing is injective only within them).
            /// A public wire equal to the commitment of `ids` under a fresh private salt wire,
            /// recorded as one layer; `prepare` adds constraints that belong to it first.
            func commit(_ ids: [TensorID], salt: Fr, op: String, label: String, prepare: () -> Void = {}) {
                cs.beginScope(label)
                let (c0, w0) = (cs.numConstraints, cs.numWires)
                prepare()
                let saltWire = cs.alloc(.privateInput, value: salt)
                let lc = TensorCommitment.commit(cs, ids.map { signals[$0]! }, layouts: ids.map { .init(model.tensors[$0]) },
                                                 salt: LinearCombination(wire: saltWire))
                let wire = cs.alloc(.publicInput, value: cs.value(of: lc))
                cs.enforceZero(LinearCombination(wire: wire) - lc)
                layers.append(LayerStats(op: op, output: label, shape: [1], constraints: cs.numConstraints - c0,
                                         variables: cs.numWires - w0, bits: 254))
            }
            commit(model.inputs, salt: salts.input, op: "InputCommitment", label: "input commitment")
            commit(model.outputs, salt: salts.output, op: "OutputCommitment", label: "output commitment") {
                for t in model.outputs {
                    let info = model.tensors[t]
                    for sig in signals[t]! where sig.lower < info.lower || sig.upper > info.upper {
                        Gadgets.rangeCheck(cs, sig, lower: info.lower, upper: info.upper)
                    }
                }
            }
        }

        if cs.computesWitness && checkTrace, let bad = cs.firstViolation() {
            throw CompileError(traceViolation: bad.index, label: bad.label)
        }
        let (r1cs, witness, _) = cs.finish()
        let layout = PublicLayout(outputCounts: model.outputs.map { model.tensors[$0].count },
                                  inputCounts: model.inputs.map { model.tensors[$0].count },
                                  inputVisibility: inputVisibility, shardIndex: shardIndex)
        return Result(r1cs: r1cs, witness: witness, layers: layers, layout: layout,
                      scopes: cs.scopes)

    }

    /// Index of the channel of flat element i along `axis` of `shape`.
    static func channel(of i: Int, axis: Int, shape: [Int]) -> Int {
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (i / inner) % shape[axis]
    }

    static func permute(_ x: [Signal], shape: [Int], perm: [Int]) throws -> [Signal] {
        guard perm.sorted() == Array(0..<shape.count) else { throw CompileError("Transpose: bad permutation \(perm)") }
        let outShape = perm.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { inStrides[a] = inStrides[a + 1] * shape[a + 1] }
        var out: [Signal] = []
        out.reserveCapacity(x.count)
        var idx = [Int](repeating: 0, count: shape.count)
        for _ in 0..<x.count {
            var src = 0
            for a in 0..<perm.count { src += idx[a] * inStrides[perm[a]] }
            out.append(x[src])
            var a = shape.count - 1
            while a >= 0 { idx[a] += 1; if idx[a] < outShape[a] { break }; idx[a] = 0; a -= 1 }
        }
        return out
    }

    static func concatenate(_ xs: [[Signal]], shapes: [[Int]], axis: Int) throws -> [Signal] {
        guard let first = shapes.first, axis >= 0, axis < first.count else { throw CompileError("Concat: bad axis \(axis)") }
        let outer = first[..<axis].reduce(1, *)
        var out: [Signal] = []
        for o in 0..<outer {
            for (x, s) in zip(xs, shapes) {
                let block = s[axis...].reduce(1, *)
                out.append(contentsOf: x[(o * block)..<((o + 1) * block)])
            }
        }
        return out
    }
}
