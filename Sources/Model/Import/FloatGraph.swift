/// The importer's float graph: ONNX lowered to a handful of ops over fixed shapes, with
/// QuantizeLinear/DequantizeLinear pairs and the QLinear ops' requantization kept as explicit
/// fake-quantization nodes. The float interpreter evaluates it (calibration, reference outputs);
/// the quantizer turns it into the integer IR.

/// Integer weights that a quantized ONNX model prescribes: real weight = ints · scales[output channel].
struct PinnedWeights: Equatable {
    var ints: [Int32]
    /// One positive scale per output channel.
    var scales: [Double]
}

/// An integer bias that a quantized ONNX model prescribes: real bias = ints[c] · scales[c].
struct PinnedBias: Equatable {
    var ints: [Int64]
    var scales: [Double]
}

/// y[.., n] = bias[n] + Σ_k x[.., k] · weights[n][k] over the last axis.
struct FLinear {
    var n: Int
    var k: Int
    var weights: [Double]   // [n, k]
    var bias: [Double]      // [n]
    var pinned: PinnedWeights?
    var pinnedBias: PinnedBias?
}

/// 2-D convolution over NCHW with N = 1 and zero padding.
struct FConv {
    var weightShape: [Int]  // [O, C/groups, kh, kw]
    var weights: [Double]
    var bias: [Double]      // [O]
    var strides: [Int]
    var pads: [Int]         // [top, left, bottom, right]
    var dilations: [Int]
    var groups: Int
    var pinned: PinnedWeights?
    var pinnedBias: PinnedBias?
}

struct FPool {
    var kernel: [Int]
    var strides: [Int]
    var pads: [Int]         // [top, left, bottom, right]
    var countIncludePad: Bool
}

/// y = x · scale[c] + shift[c] with c the index along `axis` (one value each: a scalar affine map).
struct FAffine {
    var scale: [Double]
    var shift: [Double]
    var axis: Int
    var isScalar: Bool { scale.count == 1 && shift.count == 1 }
}

/// Quantization parameters of an ONNX integer tensor: real = (q − zeroPoint) · scale, q in [qmin, qmax].
struct QParams: Equatable {
    var scale: Double
    var zeroPoint: Int64
    var qmin: Int64
    var qmax: Int64
    /// Bounds of the zero-point-free integer q − zeroPoint.
    var lower: Int64 { qmin - zeroPoint }
    var upper: Int64 { qmax - zeroPoint }

    func sameGrid(_ o: QParams) -> Bool {
        zeroPoint == o.zeroPoint && qmin == o.qmin && qmax == o.qmax && ImportMath.sameScale(scale, o.scale)
    }
}


enum FOp {
    case linear(FLinear)
    case conv(FConv)
    case relu
    case clip(Double, Double)
    case maxPool(FPool)
    case avgPool(FPool)
    /// Same values, the output's shape.
    case reshape
    case transpose([Int])
    case concat(Int)
    /// y = Σ_i coefficients[i] · x_i (Add and Sub of two tensors of one shape).
    case add([Double])
    case affine(FAffine)
    /// y = (clamp(round_half_even(x / s) + z, qmin, qmax) − z) · s: QuantizeLinear then DequantizeLinear.
    case fakeQuant(QParams)

    var kind: String {
        switch self {
        case .linear: return "Gemm"
        case .conv: return "Conv"
        case .relu: return "Relu"
        case .clip: return "Clip"
        case .maxPool: return "MaxPool"
        case .avgPool: return "AveragePool"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .concat: return "Concat"
        case .add: return "Add"
        case .affine: return "Affine"
        case .fakeQuant: return "QuantizeLinear"
        }
    }
}

struct FNode {
    /// The ONNX node this came from, for messages ("Conv 'conv1'").
    var label: String
    var op: FOp
    var inputs: [String]
    var output: String
}

struct FGraph {
    var source: String
    var inputs: [String]
    var outputs: [String]
    var nodes: [FNode]
    var shapes: [String: [Int]]

    func shape(_ name: String) -> [Int] { shapes[name]! }

    /// How many nodes read each tensor, plus one per graph output.
    func consumerCounts() -> [String: Int] {
        var c: [String: Int] = [:]
        for n in nodes { for i in n.inputs { c[i, default: 0] += 1 } }
        for o in outputs { c[o, default: 0] += 1 }
        return c
    }
}

// MARK: - Shapes

/// Shape arithmetic shared by the importer's passes.
enum ImportMath {
    /// Scales equal up to float32 rounding of the same value.
    static func sameScale(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-7 * max(abs(a), abs(b)) }

    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Output size of a pooling or convolution window along one axis (floor mode), nil if empty.
    static func windowOutput(_ input: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, dilation: Int = 1) -> Int? {
        let effective = (kernel - 1) * dilation + 1
        let span = input + padBegin + padEnd - effective
        guard span >= 0, stride > 0 else { return nil }
        return span / stride + 1
    }

    /// output[i_perm[0], …] = input[i_0, …] (ONNX Transpose), for any element type.
    static func transpose<T>(_ x: [T], shape: [Int], perm: [Int]) -> [T] {
        let outShape = perm.map { shape[$0] }
        let inStrides = strides(shape)
        let permStrides = perm.map { inStrides[$0] }
        guard !x.isEmpty else { return [] }
        var y: [T] = []
        y.reserveCapacity(x.count)
        var index = [Int](repeating: 0, count: outShape.count)
        var offset = 0
        for _ in 0..<x.count {
            y.append(x[offset])
            var d = outShape.count - 1
            while d >= 0 {
                index[d] += 1
                offset += permStrides[d]
                if index[d] < outShape[d] { break }
                offset -= permStrides[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
        return y
    }
}

// MARK: - Float interpreter

/// Evaluates a float graph in Double precision. `observe` sees every tensor as it is computed.
struct FloatInterpreter {
    let graph: FGraph

    func run(_ inputs: [[Double]], observe: ((String, [Double]) -> Void)? = nil) -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for (name, v) in zip(graph.inputs, inputs) {
            values[name] = v
            observe?(name, v)
        }
        let consumers = graph.consumerCounts()
        var remaining = consumers
        for node in graph.nodes {
            let xs = node.inputs.map { values[$0]! }
            let y = evaluate(node, xs)
            values[node.output] = y
            observe?(node.output, y)
            for i in node.inputs {
                remaining[i, default: 0] -= 1
                if remaining[i] == 0 && observe != nil { values[i] = nil }
            }
        }
        return values
    }

    /// The graph outputs for one sample.
    func outputs(_ inputs: [[Double]]) -> [[Double]] {
        let v = run(inputs)
        return graph.outputs.map { v[$0]! }
    }

    private func evaluate(_ node: FNode, _ xs: [[Double]]) -> [Double] {
        let inShape = graph.shape(node.inputs[0])
        let outShape = graph.shape(node.output)
        let x = xs[0]
        switch node.op {
        case .linear(let l):
            let rows = x.count / l.k
            var y = [Double](repeating: 0, count: rows * l.n)
            for m in 0..<rows {
                for n in 0..<l.n {
                    var s = l.bias[n]
                    let wo = n * l.k, xo = m * l.k
                    for k in 0..<l.k { s += x[xo + k] * l.weights[wo + k] }
                    y[m * l.n + n] = s
                }
            }
            return y
        case .conv(let c):
            return convolve(x, inShape: inShape, outShape: outShape, c)
        case .relu:
            return x.map { max($0, 0) }
        case .clip(let lo, let hi):
            return x.map { min(max($0, lo), hi) }
        case .maxPool(let p):
            return pool(x, inShape: inShape, outShape: outShape, p, max: true)
        case .avgPool(let p):
            return pool(x, inShape: inShape, outShape: outShape, p, max: false)
        case .reshape:
            return x
        case .transpose(let perm):
            return ImportMath.transpose(x, shape: inShape, perm: perm)
        case .concat(let axis):
            let shapes = node.inputs.map { graph.shape($0) }
            let outer = ImportMath.count(Array(outShape[..<axis]))
            var y: [Double] = []
            y.reserveCapacity(ImportMath.count(outShape))
            for o in 0..<outer {
                for (xi, s) in zip(xs, shapes) {
                    let block = ImportMath.count(Array(s[axis...]))
                    y.append(contentsOf: xi[(o * block)..<((o + 1) * block)])
                }
            }
            return y
        case .add(let coefficients):
            var y = [Double](repeating: 0, count: x.count)
            for (xi, c) in zip(xs, coefficients) {
                for i in 0..<y.count { y[i] += c * xi[i] }
            }
            return y
        case .affine(let a):
            if a.isScalar { return x.map { $0 * a.scale[0] + a.shift[0] } }
            let inner = ImportMath.count(Array(inShape[(a.axis + 1)...]))
            let channels = inShape[a.axis]
            var y = x
            for i in 0..<x.count {
                let c = (i / inner) % channels
                y[i] = x[i] * a.scale[c] + a.shift[c]
            }
            return y
        case .fakeQuant(let q):
            return x.map { v in
                let r = (v / q.scale).rounded(.toNearestOrEven)
                let c = min(max(r + Double(q.zeroPoint), Double(q.qmin)), Double(q.qmax))
                return (c - Double(q.zeroPoint)) * q.scale
            }
        }
    }

    private func convolve(_ x: [Double], inShape: [Int], outShape: [Int], _ c: FConv) -> [Double] {
        let (cin, h, w) = (inShape[1], inShape[2], inShape[3])
        let (cout, oh, ow) = (outShape[1], outShape[2], outShape[3])
        let cpg = c.weightShape[1], kh = c.weightShape[2], kw = c.weightShape[3]
        let opg = cout / c.groups
        _ = cin
        var y = [Double](repeating: 0, count: cout * oh * ow)
        for o in 0..<cout {
            let g = o / opg
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s = c.bias[o]
                    for ci in 0..<cpg {
                        let ch = g * cpg + ci
                        for i in 0..<kh {
                            let iy = oy * c.strides[0] + i * c.dilations[0] - c.pads[0]
                            if iy < 0 || iy >= h { continue }
                            for j in 0..<kw {
                                let ix = ox * c.strides[1] + j * c.dilations[1] - c.pads[1]
                                if ix < 0 || ix >= w { continue }
                                s += x[(ch * h + iy) * w + ix] * c.weights[((o * cpg + ci) * kh + i) * kw + j]
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = s
                }
            }
        }
        return y
    }

    private func pool(_ x: [Double], inShape: [Int], outShape: [Int], _ p: FPool, max isMax: Bool) -> [Double] {
        let (ch, h, w) = (inShape[1], inShape[2], inShape[3])
        let (oh, ow) = (outShape[2], outShape[3])
        var y = [Double](repeating: 0, count: ch * oh * ow)
        for c in 0..<ch {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Double.infinity, sum = 0.0, n = 0
                    for i in 0..<p.kernel[0] {
                        let iy = oy * p.strides[0] + i - p.pads[0]
                        if iy < 0 || iy >= h { continue }
                        for j in 0..<p.kernel[1] {
                            let ix = ox * p.strides[1] + j - p.pads[1]
                            if ix < 0 || ix >= w { continue }
                            let v = x[(c * h + iy) * w + ix]
                            best = Swift.max(best, v); sum += v; n += 1
                        }
                    }
                    let count = p.countIncludePad ? p.kernel[0] * p.kernel[1] : n
                    y[(c * oh + oy) * ow + ox] = isMax ? best : sum / Double(count)
                }
            }
        }
        return y
    }
}
