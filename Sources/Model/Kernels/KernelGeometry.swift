/// A shape or parameter problem found while setting up a kernel (the message names the field).
public struct KernelError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// ⌊a / b⌋ for b > 0 (Swift's `/` truncates toward zero; the IR always rounds toward −∞).
@inlinable
public func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Spatial dimensions of an NCHW tensor with N = 1: shape [1, C, H, W] or [C, H, W].
@usableFromInline
func chwDimensions(_ shape: [Int], what: String) throws -> (c: Int, h: Int, w: Int) {
    if shape.count == 4 {
        guard shape[0] == 1 else { throw KernelError("\(what): batch dimension must be 1, shape is \(shape)") }
        return (shape[1], shape[2], shape[3])
    }
    if shape.count == 3 { return (shape[0], shape[1], shape[2]) }
    throw KernelError("\(what): expected shape [1, C, H, W], got \(shape)")
}

/// The index arithmetic of one Conv op on one input shape, validated.
public struct ConvGeometry: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var outChannels: Int, kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var groups: Int
    public var outHeight: Int, outWidth: Int

    /// Input channels per group (the weights' second dimension).
    public var groupChannels: Int { channels / groups }
    /// Output channels per group.
    public var groupOutChannels: Int { outChannels / groups }
    /// Products summed per output value (the GEMM K of one group).
    public var reduction: Int { groupChannels * kernelH * kernelW }
    public var outputShape: [Int] { [1, outChannels, outHeight, outWidth] }
    /// Multiply-accumulates of one run.
    public var macs: Int { outChannels * outHeight * outWidth * reduction }

    public init(_ op: Conv, inputShape: [Int]) throws {
        let (c, h, w) = try chwDimensions(inputShape, what: "Conv input")
        guard op.weightShape.count == 4, op.weightShape.allSatisfy({ $0 > 0 }) else {
            throw KernelError("Conv weightShape must be [outChannels, inChannels/groups, kH, kW] with positive entries, got \(op.weightShape)")
        }
        guard op.strides.count == 2, op.strides.allSatisfy({ $0 > 0 }) else { throw KernelError("Conv strides must be two positive integers, got \(op.strides)") }
        guard op.dilations.count == 2, op.dilations.allSatisfy({ $0 > 0 }) else { throw KernelError("Conv dilations must be two positive integers, got \(op.dilations)") }
        guard op.pads.count == 4, op.pads.allSatisfy({ $0 >= 0 }) else { throw KernelError("Conv pads must be four non-negative integers [top, left, bottom, right], got \(op.pads)") }
        guard op.groups > 0 else { throw KernelError("Conv groups must be positive, got \(op.groups)") }
        guard c > 0, h > 0, w > 0 else { throw KernelError("Conv input shape \(inputShape) has an empty dimension") }
        channels = c; height = h; width = w
        outChannels = op.weightShape[0]; kernelH = op.weightShape[2]; kernelW = op.weightShape[3]
        strideH = op.strides[0]; strideW = op.strides[1]; dilationH = op.dilations[0]; dilationW = op.dilations[1]
        padTop = op.pads[0]; padLeft = op.pads[1]; padBottom = op.pads[2]; padRight = op.pads[3]
        groups = op.groups
        guard c % groups == 0, outChannels % groups == 0 else {
            throw KernelError("Conv groups \(groups) must divide input channels \(c) and output channels \(outChannels)")
        }
        guard op.weightShape[1] == c / groups else {
            throw KernelError("Conv weightShape[1] is \(op.weightShape[1]) but input channels / groups is \(c / groups)")
        }
        guard op.weights.count == outChannels * (c / groups) * kernelH * kernelW else {
            throw KernelError("Conv has \(op.weights.count) weights, weightShape \(op.weightShape) needs \(outChannels * (c / groups) * kernelH * kernelW)")
        }
        guard op.bias.isEmpty || op.bias.count == outChannels else {
            throw KernelError("Conv has \(op.bias.count) biases for \(outChannels) output channels")
        }
        let spanH = dilationH * (kernelH - 1) + 1, spanW = dilationW * (kernelW - 1) + 1
        guard h + padTop + padBottom >= spanH, w + padLeft + padRight >= spanW else {
            throw KernelError("Conv kernel (with dilation) \(spanH)×\(spanW) is larger than the padded input \(h + padTop + padBottom)×\(w + padLeft + padRight)")
        }
        outHeight = (h + padTop + padBottom - spanH) / strideH + 1
        outWidth = (w + padLeft + padRight - spanW) / strideW + 1
    }

    /// Output columns ox whose input column ox·sw + j·dw − padLeft lies in [0, width).
    @inlinable
    public func validColumns(kernelColumn j: Int) -> Range<Int> {
        let off = j * dilationW - padLeft                  // ix = ox·sw + off
        let lo = off >= 0 ? 0 : (-off + strideW - 1) / strideW
        let hiExclusive = width - off <= 0 ? 0 : (width - off - 1) / strideW + 1
        let hi = min(outWidth, hiExclusive)
        return lo < hi ? lo..<hi : lo..<lo
    }
}

/// The index arithmetic of one pooling op on one input shape, validated.
public struct PoolGeometry: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var outHeight: Int, outWidth: Int
    public var outputShape: [Int] { [1, channels, outHeight, outWidth] }

    public init(_ op: Pool, inputShape: [Int]) throws {
        let (c, h, w) = try chwDimensions(inputShape, what: "pooling input")
        guard op.kernel.count == 2, op.kernel.allSatisfy({ $0 > 0 }) else { throw KernelError("pooling kernel must be two positive integers, got \(op.kernel)") }
        guard op.strides.count == 2, op.strides.allSatisfy({ $0 > 0 }) else { throw KernelError("pooling strides must be two positive integers, got \(op.strides)") }
        guard op.pads.count == 4, op.pads.allSatisfy({ $0 >= 0 }) else { throw KernelError("pooling pads must be four non-negative integers, got \(op.pads)") }
        guard c > 0, h > 0, w > 0 else { throw KernelError("pooling input shape \(inputShape) has an empty dimension") }
        channels = c; height = h; width = w
        kernelH = op.kernel[0]; kernelW = op.kernel[1]; strideH = op.strides[0]; strideW = op.strides[1]
        padTop = op.pads[0]; padLeft = op.pads[1]; padBottom = op.pads[2]; padRight = op.pads[3]
        // Every window then overlaps the input, so max and the in-bounds count are defined.
        guard padTop < kernelH, padBottom < kernelH, padLeft < kernelW, padRight < kernelW else {
            throw KernelError("pooling pads \(op.pads) must be smaller than the kernel \(op.kernel)")
        }
        guard h + padTop + padBottom >= kernelH, w + padLeft + padRight >= kernelW else {
            throw KernelError("pooling kernel \(op.kernel) is larger than the padded input")
        }
        outHeight = (h + padTop + padBottom - kernelH) / strideH + 1
        outWidth = (w + padLeft + padRight - kernelW) / strideW + 1
    }

    /// Input rows [lo, hi) of output row oy (clipped to the input).
    @inlinable public func rows(_ oy: Int) -> Range<Int> {
        let y0 = oy * strideH - padTop
        return max(0, y0)..<min(height, y0 + kernelH)
    }
    /// Input columns [lo, hi) of output column ox (clipped to the input).
    @inlinable public func columns(_ ox: Int) -> Range<Int> {
        let x0 = ox * strideW - padLeft
        return max(0, x0)..<min(width, x0 + kernelW)
    }
}

/// Row-major strides of `shape`.
@inlinable
public func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
    return s
}
