/// A structural problem in a quantized model (from a file or an importer).
public struct ModelValidationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

extension QuantizedModel {
    /// Checks everything kernels and the circuit compiler rely on, so that a malformed or
    /// hostile model is an error and never a crash: tensor ids in range, every tensor written
    /// once before it is read, ops in topological order, shapes consistent with each op's
    /// parameters, bounds ordered, shifts and multipliers in range.
    public func validate() throws {
        func fail(_ m: String) -> ModelValidationError { ModelValidationError(m) }
        let n = tensors.count
        for (i, t) in tensors.enumerated() {
            guard !t.shape.isEmpty, t.shape.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { throw fail("tensor \(i) (\(t.name)): bad shape \(t.shape)") }
            guard t.shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 1 << 26 else { throw fail("tensor \(t.name): too many elements") }
            guard t.lower <= t.upper else { throw fail("tensor \(t.name): lower bound \(t.lower) above upper bound \(t.upper)") }
            guard t.scale.isFinite, t.scale > 0 else { throw fail("tensor \(t.name): scale \(t.scale) is not a positive number") }
        }
        var written = [Bool](repeating: false, count: n)
        for t in inputs {
            guard t >= 0 && t < n else { throw fail("input tensor id \(t) out of range") }
            written[t] = true
        }
        guard !inputs.isEmpty else { throw fail("the model has no inputs") }
        for (i, op) in ops.enumerated() {
            let where_ = "op \(i) (\(op.kind))"
            for t in op.inputs {
                guard t >= 0 && t < n else { throw fail("\(where_): tensor id \(t) out of range") }
                guard written[t] else { throw fail("\(where_): reads tensor \(tensors[t].name) before it is written") }
            }
            let o = op.output
            guard o >= 0 && o < n else { throw fail("\(where_): output tensor id \(o) out of range") }
            guard !written[o] else { throw fail("\(where_): tensor \(tensors[o].name) is written twice") }
            written[o] = true
            let inShape = op.inputs.first.map { tensors[$0].shape } ?? []
            let outShape = tensors[o].shape
            let inCount = inShape.reduce(1, *), outCount = outShape.reduce(1, *)
            switch op {
            case .gemm(let g):
                guard g.n > 0, g.k > 0, inCount % g.k == 0, outCount == inCount / g.k * g.n,
                      g.weights.count == g.n * g.k, g.bias.count == g.n else {
                    throw fail("\(where_): input \(inShape), output \(outShape) do not match n=\(g.n), k=\(g.k)")
                }
            case .conv(let c):
                guard inShape.count == 4, outShape.count == 4, inShape[0] == 1, outShape[0] == 1,
                      c.weightShape.count == 4, c.strides.count == 2, c.pads.count == 4, c.dilations.count == 2,
                      c.strides.allSatisfy({ $0 > 0 }), c.dilations.allSatisfy({ $0 > 0 }), c.pads.allSatisfy({ $0 >= 0 }),
                      c.groups > 0, c.weightShape[0] == outShape[1], c.weightShape[0] % c.groups == 0,
                      inShape[1] == c.weightShape[1] * c.groups,
                      c.weights.count == c.weightShape.reduce(1, *), c.bias.count == c.weightShape[0] else {
                    throw fail("\(where_): parameters do not match input \(inShape) and output \(outShape)")
                }
                let eh = (c.weightShape[2] - 1) * c.dilations[0] + 1, ew = (c.weightShape[3] - 1) * c.dilations[1] + 1
                let oh = (inShape[2] + c.pads[0] + c.pads[2] - eh) / c.strides[0] + 1
                let ow = (inShape[3] + c.pads[1] + c.pads[3] - ew) / c.strides[1] + 1
                guard oh == outShape[2], ow == outShape[3] else { throw fail("\(where_): output should be \(oh)×\(ow), is \(outShape)") }
            case .requantize(let q):
                guard outShape == inShape, q.shift >= 0, q.shift <= 62, q.lower <= q.upper,
                      q.channelAxis >= 0, q.channelAxis < inShape.count,
                      q.multipliers.count == 1 || q.multipliers.count == inShape[q.channelAxis],
                      q.multipliers.allSatisfy({ $0.magnitude < 1 << 40 }) else {
                    throw fail("\(where_): bad shift, multipliers, channel axis or bounds")
                }
                guard tensors[o].lower <= q.lower, tensors[o].upper >= q.upper else {
                    throw fail("\(where_): clamp bounds [\(q.lower), \(q.upper)] exceed tensor \(tensors[o].name)'s bounds")
                }
            case .clamp(let c):
                guard outShape == inShape, c.lower <= c.upper else { throw fail("\(where_): bad bounds or shape") }
            case .maxPool(let p), .avgPool(let p):
                guard inShape.count == 4, outShape.count == 4, inShape[0] == 1, outShape[0] == 1, inShape[1] == outShape[1],
                      p.kernel.count == 2, p.strides.count == 2, p.pads.count == 4,
                      p.kernel.allSatisfy({ $0 > 0 }), p.strides.allSatisfy({ $0 > 0 }), p.pads.allSatisfy({ $0 >= 0 }),
                      p.pads[0] < p.kernel[0], p.pads[2] < p.kernel[0], p.pads[1] < p.kernel[1], p.pads[3] < p.kernel[1] else {
                    throw fail("\(where_): bad kernel, strides or pads for input \(inShape)")
                }
                let oh = (inShape[2] + p.pads[0] + p.pads[2] - p.kernel[0]) / p.strides[0] + 1
                let ow = (inShape[3] + p.pads[1] + p.pads[3] - p.kernel[1]) / p.strides[1] + 1
                guard oh == outShape[2], ow == outShape[3] else { throw fail("\(where_): output should be \(oh)×\(ow), is \(outShape)") }
            case .elementwise(let e):
                guard !e.inputs.isEmpty, e.multipliers.count == e.inputs.count,
                      e.multipliers.allSatisfy({ $0.magnitude < 1 << 40 }),
                      e.inputs.allSatisfy({ tensors[$0].shape.reduce(1, *) == outCount }) else {
                    throw fail("\(where_): inputs, multipliers and output do not match")
                }
            case .reshape:
                guard inCount == outCount else { throw fail("\(where_): \(inShape) cannot become \(outShape)") }
            case .transpose(let t):
                guard t.perm.sorted() == Array(0..<inShape.count), t.perm.map({ inShape[$0] }) == outShape else {
                    throw fail("\(where_): permutation \(t.perm) does not take \(inShape) to \(outShape)")
                }
            case .concat(let c):
                let shapes = c.inputs.map { tensors[$0].shape }
                guard c.axis >= 0, c.axis < outShape.count, shapes.allSatisfy({ $0.count == outShape.count }),
                      shapes.allSatisfy({ s in (0..<s.count).allSatisfy { $0 == c.axis || s[$0] == outShape[$0] } }),
                      shapes.map({ $0[c.axis] }).reduce(0, +) == outShape[c.axis] else {
                    throw fail("\(where_): inputs \(shapes) do not concatenate to \(outShape) along axis \(c.axis)")
                }
            }
        }
        for t in outputs {
            guard t >= 0 && t < n, written[t] else { throw fail("output tensor id \(t) is never computed") }
        }
        guard !outputs.isEmpty else { throw fail("the model has no outputs") }
    }
}
