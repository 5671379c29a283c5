/// Cutting a quantized model into sequential pieces (shards) along its op order.
///
/// A cut before op c crosses the *boundary tensors* of c: the tensors written before c (or model
/// inputs) that are read at or after c, or are model outputs. Shard [a, b) reads the boundary of
/// a and writes the boundary of b, so the shards chained in order compute exactly the model.
extension QuantizedModel {
    /// The tensors crossing a cut before op `c` (0 ≤ c ≤ ops.count), in tensor id order:
    /// `boundary(0)` is the model inputs, `boundary(ops.count)` the model outputs.
    public func boundary(_ c: Int) -> [TensorID] {
        precondition(c >= 0 && c <= ops.count)
        if c == 0 { return inputs }
        if c == ops.count { return outputs }
        var available = Set(inputs)
        for op in ops[..<c] { available.insert(op.output) }
        var needed = Set(outputs)
        for op in ops[c...] { needed.formUnion(op.inputs) }
        return available.intersection(needed).sorted()
    }

    /// Ops [range) as a model of their own, tensors renumbered: its inputs are `boundary(lower)`
    /// and its outputs `boundary(upper)`, names, shapes, scales and bounds kept. Throws when the
    /// range is empty or a tensor would pass through the piece unchanged (an input that is
    /// also an output), which a shard circuit cannot commit to on both sides.
    public func slice(_ range: Range<Int>) throws -> QuantizedModel {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= ops.count else {
            throw ModelValidationError("slice \(range) of a model with \(ops.count) ops")
        }
        let ins = boundary(range.lowerBound), outs = boundary(range.upperBound)
        if let t = Set(ins).intersection(outs).min() {
            throw ModelValidationError("ops \(range.lowerBound)..<\(range.upperBound): tensor \(tensors[t].name) would pass through unchanged")
        }
        var map: [TensorID: TensorID] = [:]
        var newTensors: [TensorInfo] = []
        func id(_ t: TensorID) -> TensorID {
            if let m = map[t] { return m }
            map[t] = newTensors.count
            newTensors.append(tensors[t])
            return newTensors.count - 1
        }
        let newInputs = ins.map(id)
        let newOps = ops[range].map { $0.renumbered(id) }
        let newOutputs = outs.map(id)
        let piece = QuantizedModel(tensors: newTensors, ops: newOps, inputs: newInputs, outputs: newOutputs,
                                   source: source + "#ops\(range.lowerBound)-\(range.upperBound)")
        try piece.validate()
        return piece
    }
}

extension Op {
    /// The same op reading and writing `f(t)` instead of each tensor t (f is called in order:
    /// inputs first, then the output).
    public func renumbered(_ f: (TensorID) -> TensorID) -> Op {
        switch self {
        case .gemm(var o): o.input = f(o.input); o.output = f(o.output); return .gemm(o)
        case .conv(var o): o.input = f(o.input); o.output = f(o.output); return .conv(o)
        case .requantize(var o): o.input = f(o.input); o.output = f(o.output); return .requantize(o)
        case .clamp(var o): o.input = f(o.input); o.output = f(o.output); return .clamp(o)
        case .maxPool(var o): o.input = f(o.input); o.output = f(o.output); return .maxPool(o)
        case .avgPool(var o): o.input = f(o.input); o.output = f(o.output); return .avgPool(o)
        case .elementwise(var o): o.inputs = o.inputs.map(f); o.output = f(o.output); return .elementwise(o)
        case .reshape(var o): o.input = f(o.input); o.output = f(o.output); return .reshape(o)
        case .transpose(var o): o.input = f(o.input); o.output = f(o.output); return .transpose(o)
        case .concat(var o): o.inputs = o.inputs.map(f); o.output = f(o.output); return .concat(o)
        }
    }
}
