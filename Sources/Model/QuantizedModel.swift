/// The quantized model IR: a DAG of integer ops whose semantics are exact (docs/QUANTIZED_IR.md).
///
/// The CPU kernels compute these semantics, the circuit compiler constrains exactly them, and the
/// kernels' trace is the witness. Every tensor holds integers with a per-tensor scale
/// (real ≈ integer · scale) and declared inclusive bounds that every value lies in; the bounds are
/// what the circuit range-checks, so they are part of the semantics, not a hint.

/// Index of a tensor in `QuantizedModel.tensors`.
public typealias TensorID = Int

public struct TensorInfo: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    /// real value ≈ integer · scale.
    public var scale: Double
    /// Inclusive bounds on every value (inputs are clamped into them; ops guarantee them).
    public var lower: Int64
    public var upper: Int64

    public init(name: String, shape: [Int], scale: Double, lower: Int64, upper: Int64) {
        self.name = name; self.shape = shape; self.scale = scale; self.lower = lower; self.upper = upper
    }

    public var count: Int { shape.reduce(1, *) }
    /// Bits of a two's-complement integer type that holds [lower, upper].
    public var bits: Int { signedBits(lower: lower, upper: upper) }
}

/// Bits of the smallest two's-complement type holding every value in [lower, upper].
public func signedBits(lower: Int64, upper: Int64) -> Int {
    var b = 1
    while b < 64 {
        let lo = -(Int64(1) << (b - 1)), hi = (Int64(1) << (b - 1)) - 1
        if lower >= lo && upper <= hi { return b }
        b += 1
    }
    return 64
}

/// acc[m][n] = bias[n] + Σ_k x[m][k] · weights[n][k]   (x is [M, K], weights row-major [N, K]).
public struct Gemm: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public var n: Int
    public var k: Int
    public var weights: [Int32]
    public var bias: [Int64]
    public init(input: TensorID, output: TensorID, n: Int, k: Int, weights: [Int32], bias: [Int64]) {
        self.input = input; self.output = output; self.n = n; self.k = k; self.weights = weights; self.bias = bias
    }
}

/// 2-D convolution over an NCHW tensor with N = 1, zero padding (the zero point is 0).
/// acc[o][y][x] = bias[o] + Σ_{c in group(o), i, j} in[c][y·sh + i·dh − padTop][x·sw + j·dw − padLeft] · w[o][c'][i][j]
public struct Conv: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    /// [outChannels, inChannels / groups, kernelH, kernelW], row-major.
    public var weightShape: [Int]
    public var weights: [Int32]
    public var bias: [Int64]
    public var strides: [Int]       // [sh, sw]
    public var pads: [Int]          // [top, left, bottom, right]
    public var dilations: [Int]     // [dh, dw]
    public var groups: Int
    public init(input: TensorID, output: TensorID, weightShape: [Int], weights: [Int32], bias: [Int64],
                strides: [Int], pads: [Int], dilations: [Int], groups: Int) {
        self.input = input; self.output = output; self.weightShape = weightShape; self.weights = weights
        self.bias = bias; self.strides = strides; self.pads = pads; self.dilations = dilations; self.groups = groups
    }
}

/// The one rescaling primitive: y = clamp(⌊(acc · M_c + 2^(k−1)) / 2^k⌋, lower, upper)
/// (round half up; for k = 0 simply acc · M_c), with M_c the multiplier of the element's
/// channel along `channelAxis` (one multiplier for the whole tensor when `multipliers.count == 1`).
public struct Requantize: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public var multipliers: [Int64]
    public var shift: Int
    public var channelAxis: Int
    public var lower: Int64
    public var upper: Int64
    public init(input: TensorID, output: TensorID, multipliers: [Int64], shift: Int, channelAxis: Int, lower: Int64, upper: Int64) {
        self.input = input; self.output = output; self.multipliers = multipliers; self.shift = shift
        self.channelAxis = channelAxis; self.lower = lower; self.upper = upper
    }
}

/// y = min(max(x, lower), upper): ReLU is clamp(0, upper of x), Clip maps to it directly.
public struct Clamp: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public var lower: Int64
    public var upper: Int64
    public init(input: TensorID, output: TensorID, lower: Int64, upper: Int64) {
        self.input = input; self.output = output; self.lower = lower; self.upper = upper
    }
}

/// Max or average pooling over NCHW (N = 1). Max ignores padded positions. Average is
/// y = ⌊(2·sum + n) / (2n)⌋ (sum rounded half up), n = kernel area if `countIncludePad`, else
/// the number of in-bounds positions. Global average pooling is a kernel covering H×W.
public struct Pool: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public var kernel: [Int]        // [kh, kw]
    public var strides: [Int]
    public var pads: [Int]          // [top, left, bottom, right]
    public var countIncludePad: Bool
    public init(input: TensorID, output: TensorID, kernel: [Int], strides: [Int], pads: [Int], countIncludePad: Bool = false) {
        self.input = input; self.output = output; self.kernel = kernel; self.strides = strides; self.pads = pads
        self.countIncludePad = countIncludePad
    }
}

/// acc = offset + Σ_i multipliers[i] · inputs[i] elementwise (all inputs of the output's shape):
/// Add of two tensors brought to a common scale, or Mul by a constant; a Requantize follows.
public struct Elementwise: Codable, Equatable, Sendable {
    public var inputs: [TensorID]
    public var output: TensorID
    public var multipliers: [Int64]
    public var offset: Int64
    public init(inputs: [TensorID], output: TensorID, multipliers: [Int64], offset: Int64 = 0) {
        self.inputs = inputs; self.output = output; self.multipliers = multipliers; self.offset = offset
    }
}

/// Same values, new shape (Reshape, Flatten, Squeeze, Unsqueeze).
public struct Reshape: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public init(input: TensorID, output: TensorID) { self.input = input; self.output = output }
}

/// output[i_perm[0], …] = input[i_0, …]: the axes of the input permuted by `perm` (ONNX semantics).
public struct Transpose: Codable, Equatable, Sendable {
    public var input: TensorID
    public var output: TensorID
    public var perm: [Int]
    public init(input: TensorID, output: TensorID, perm: [Int]) { self.input = input; self.output = output; self.perm = perm }
}

/// Inputs (of one scale) joined along `axis`.
public struct Concat: Codable, Equatable, Sendable {
    public var inputs: [TensorID]
    public var output: TensorID
    public var axis: Int
    public init(inputs: [TensorID], output: TensorID, axis: Int) { self.inputs = inputs; self.output = output; self.axis = axis }
}

public enum Op: Codable, Equatable, Sendable {
    case gemm(Gemm)
    case conv(Conv)
    case requantize(Requantize)
    case clamp(Clamp)
    case maxPool(Pool)
    case avgPool(Pool)
    case elementwise(Elementwise)
    case reshape(Reshape)
    case transpose(Transpose)
    case concat(Concat)

    public var inputs: [TensorID] {
        switch self {
        case .gemm(let o): return [o.input]
        case .conv(let o): return [o.input]
        case .requantize(let o): return [o.input]
        case .clamp(let o): return [o.input]
        case .maxPool(let o), .avgPool(let o): return [o.input]
        case .elementwise(let o): return o.inputs
        case .reshape(let o): return [o.input]
        case .transpose(let o): return [o.input]
        case .concat(let o): return o.inputs
        }
    }

    public var output: TensorID {
        switch self {
        case .gemm(let o): return o.output
        case .conv(let o): return o.output
        case .requantize(let o): return o.output
        case .clamp(let o): return o.output
        case .maxPool(let o), .avgPool(let o): return o.output
        case .elementwise(let o): return o.output
        case .reshape(let o): return o.output
        case .transpose(let o): return o.output
        case .concat(let o): return o.output
        }
    }

    /// Short name for tables and errors.
    public var kind: String {
        switch self {
        case .gemm: return "Gemm"
        case .conv: return "Conv"
        case .requantize: return "Requantize"
        case .clamp: return "Clamp"
        case .maxPool: return "MaxPool"
        case .avgPool: return "AveragePool"
        case .elementwise: return "Elementwise"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .concat: return "Concat"
        }
    }
}

/// A quantized model: tensors, the ops in topological order, the graph inputs and outputs.
public struct QuantizedModel: Codable, Equatable, Sendable {
    public var tensors: [TensorInfo]
    public var ops: [Op]
    public var inputs: [TensorID]
    public var outputs: [TensorID]
    /// Where the model came from (file name of the ONNX model), for messages and manifests.
    public var source: String

    public init(tensors: [TensorInfo], ops: [Op], inputs: [TensorID], outputs: [TensorID], source: String) {
        self.tensors = tensors; self.ops = ops; self.inputs = inputs; self.outputs = outputs; self.source = source
    }
}
