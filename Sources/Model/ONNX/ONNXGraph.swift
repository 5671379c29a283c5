#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import SwiftProtobuf

/// An ONNX tensor element type (the `TensorProto.DataType` code), open to codes this file does not name.
public struct ONNXDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let undefined = ONNXDataType(rawValue: 0)
    public static let float = ONNXDataType(rawValue: 1)
    public static let uint8 = ONNXDataType(rawValue: 2)
    public static let int8 = ONNXDataType(rawValue: 3)
    public static let uint16 = ONNXDataType(rawValue: 4)
    public static let int16 = ONNXDataType(rawValue: 5)
    public static let int32 = ONNXDataType(rawValue: 6)
    public static let int64 = ONNXDataType(rawValue: 7)
    public static let string = ONNXDataType(rawValue: 8)
    public static let bool = ONNXDataType(rawValue: 9)
    public static let float16 = ONNXDataType(rawValue: 10)
    public static let double = ONNXDataType(rawValue: 11)
    public static let uint32 = ONNXDataType(rawValue: 12)
    public static let uint64 = ONNXDataType(rawValue: 13)
    public static let bfloat16 = ONNXDataType(rawValue: 16)

    private static let names: [Int32: String] = [
        0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
        8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
        15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
        20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
    ]
    public var description: String { Self.names[rawValue] ?? "data type \(rawValue)" }

    /// Whether values of this type decode to `ONNXTensor.Values.float`.
    public var isFloatingPoint: Bool { self == .float || self == .double }

    /// Inclusive value range of the integer types this decoder reads (nil for others).
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .int8: return -128...127
        case .uint8: return 0...255
        case .int16: return -32768...32767
        case .uint16: return 0...65535
        case .int32: return Int64(Int32.min)...Int64(Int32.max)
        case .int64: return Int64.min...Int64.max
        case .bool: return 0...1
        default: return nil
        }
    }

    /// Bytes per element in `raw_data` for the types this decoder reads.
    var rawElementSize: Int? {
        switch self {
        case .float: return 4
        case .double: return 8
        case .int8, .uint8, .bool: return 1
        case .int16, .uint16: return 2
        case .int32: return 4
        case .int64: return 8
        default: return nil
        }
    }
}

/// A dense tensor (an initializer, a `Constant` value or a tensor attribute) with decoded values.
public struct ONNXTensor: Equatable, Sendable {
    /// FLOAT and DOUBLE decode to `.float`; the integer types (and BOOL) to `.int`.
    public enum Values: Equatable, Sendable {
        case float([Float])
        case int([Int64])
    }

    public var name: String
    /// The shape; `[]` is a scalar.
    public var dims: [Int]
    public var dataType: ONNXDataType
    public var values: Values

    public init(name: String, dims: [Int], dataType: ONNXDataType, values: Values) {
        self.name = name; self.dims = dims; self.dataType = dataType; self.values = values
    }

    /// Number of elements (the product of `dims`).
    public var count: Int { dims.reduce(1, *) }

    /// The values as floats (integers converted).
    public var floats: [Float] {
        switch values {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    /// The values as doubles (integers converted exactly up to 2^53).
    public var doubles: [Double] {
        switch values {
        case .float(let v): return v.map { Double($0) }
        case .int(let v): return v.map { Double($0) }
        }
    }

    /// The integer values, nil for a floating-point tensor.
    public var ints: [Int64]? {
        if case .int(let v) = values { return v }
        return nil
    }
}

/// One dimension of a declared tensor shape.
public enum ONNXDimension: Equatable, Sendable, CustomStringConvertible {
    case fixed(Int)
    /// A named dimension (`dim_param`), e.g. a batch size "N".
    case symbolic(String)
    /// Neither a value nor a name.
    case unknown

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }
}

/// A declared graph input or output: name, element type and (possibly partial) shape.
public struct ONNXValueInfo: Equatable, Sendable {
    public var name: String
    /// `.undefined` when the value is not a tensor or has no element type.
    public var elementType: ONNXDataType
    /// nil when no shape is declared (unknown rank).
    public var dims: [ONNXDimension]?

    public init(name: String, elementType: ONNXDataType, dims: [ONNXDimension]?) {
        self.name = name; self.elementType = elementType; self.dims = dims
    }

    /// The shape when every dimension is fixed.
    public var fixedShape: [Int]? {
        guard let dims else { return nil }
        var shape: [Int] = []
        for d in dims {
            guard case .fixed(let n) = d else { return nil }
            shape.append(n)
        }
        return shape
    }

    /// "[1, N, 64]" style text for messages.
    public var shapeDescription: String {
        guard let dims else { return "unknown shape" }
        return "[" + dims.map(\.description).joined(separator: ", ") + "]"
    }
}

/// A node attribute value.
public enum ONNXAttribute: Equatable, Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    case tensors([ONNXTensor])
    /// A kind this decoder does not read (graphs, sparse tensors, type protos); the payload names it.
    case unsupported(String)

    public var intValue: Int64? { if case .int(let v) = self { return v }; return nil }
    public var floatValue: Float? {
        switch self {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: return nil
        }
    }
    public var stringValue: String? { if case .string(let v) = self { return v }; return nil }
    public var intsValue: [Int64]? {
        switch self {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: return nil
        }
    }
    public var floatsValue: [Float]? {
        switch self {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: return nil
        }
    }
    public var tensorValue: ONNXTensor? { if case .tensor(let v) = self { return v }; return nil }
}

/// One operator application. Empty input names are omitted optional inputs (they keep their position).
public struct ONNXNode: Equatable, Sendable {
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain ("ai.onnx" is normalised to "").
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: ONNXAttribute]

    public init(name: String, opType: String, domain: String, inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute]) {
        self.name = name; self.opType = opType; self.domain = domain; self.inputs = inputs
        self.outputs = outputs; self.attributes = attributes
    }

    /// "Conv 'conv1'" (or just the op type for an unnamed node), for messages.
    public var label: String { name.isEmpty ? opType : "\(opType) '\(name)'" }
}

/// A decoded ONNX model: the main graph as plain Swift values (no protobuf types).
///
/// Decoding checks the structure the importer relies on: a graph and a default-domain opset are
/// present, every tensor name is defined once and before it is used (nodes in topological order),
/// and every dense tensor's data matches its type and shape. Anything else malformed — truncated
/// or random bytes — is a thrown `ONNXError`, never a crash.
public struct ONNXGraph: Sendable {
    /// The file (or name) the bytes came from, for messages.
    public var source: String
    public var name: String
    public var irVersion: Int64
    public var producerName: String
    /// Version of the default ("ai.onnx") operator set.
    public var opsetVersion: Int
    /// Every imported operator set, by domain ("" for the default domain).
    public var opsetImports: [String: Int]
    public var nodes: [ONNXNode]
    public var initializers: [String: ONNXTensor]
    /// The values of `Constant` nodes, by output name (the nodes stay in `nodes`).
    public var constants: [String: ONNXTensor]
    /// Graph inputs that are not initializers.
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    /// Decodes the model file at `url`; messages name the file by its last path component.
    public init(contentsOf url: URL) throws {
        let file = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ONNXError(.unreadable, file: file, "cannot read the model file (\(errorText(error)))")
        }
        try self.init(data: data, source: file)
    }

    /// Decodes a serialized ModelProto; `source` names it in messages.
    public init(bytes: [UInt8], source: String) throws {
        try self.init(data: Data(bytes), source: source)
    }

    /// Decodes a serialized ModelProto; `source` names it in messages.
    public init(data bytes: Data, source: String) throws {
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        options.messageDepthLimit = 64
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw ONNXError(.malformed, file: source, "not a valid ONNX protobuf (\(Self.describe(error)))")
        }
        try self.init(model: model, source: source)
    }

    /// Looks `name` up among the initializers and `Constant` outputs.
    public func constant(named name: String) -> ONNXTensor? {
        initializers[name] ?? constants[name]
    }

    /// The graph input (not an initializer) called `name`.
    public func input(named name: String) -> ONNXValueInfo? { inputs.first { $0.name == name } }

    private init(model: Onnx_ModelProto, source: String) throws {
        self.source = source
        guard model.hasGraph else {
            throw ONNXError(.missingGraph, file: source, "the model has no graph (ModelProto.graph is missing)")
        }
        guard model.irVersion > 0 else {
            throw ONNXError(.badGraph, file: source, "the model has no IR version (ModelProto.ir_version is missing)")
        }
        irVersion = model.irVersion
        producerName = model.producerName
        var imports: [String: Int] = [:]
        for opset in model.opsetImport {
            let domain = opset.domain == "ai.onnx" ? "" : opset.domain
            guard opset.version > 0, opset.version < Int64(Int32.max) else {
                throw ONNXError(.badGraph, file: source, "opset import for domain '\(opset.domain)' has version \(opset.version)")
            }
            imports[domain] = Int(opset.version)
        }
        guard let defaultOpset = imports[""] else {
            throw ONNXError(.badGraph, file: source, "the model imports no opset for the default ONNX domain (ModelProto.opset_import)")
        }
        opsetImports = imports
        opsetVersion = defaultOpset

        let graph = model.graph
        name = graph.name
        var initializers: [String: ONNXTensor] = [:]
        for t in graph.initializer {
            guard !t.name.isEmpty else {
                throw ONNXError(.badGraph, file: source, "an initializer has no name")
            }
            guard initializers[t.name] == nil else {
                throw ONNXError(.badGraph, file: source, "initializer '\(t.name)' is defined twice")
            }
            initializers[t.name] = try Self.tensor(t, file: source, context: "initializer '\(t.name)'")
        }
        self.initializers = initializers

        var inputs: [ONNXValueInfo] = []
        var defined = Set(initializers.keys)
        for vi in graph.input {
            guard !vi.name.isEmpty else { throw ONNXError(.badGraph, file: source, "a graph input has no name") }
            if initializers[vi.name] != nil { continue }
            guard !defined.contains(vi.name) else {
                throw ONNXError(.badGraph, file: source, "graph input '\(vi.name)' is declared twice")
            }
            defined.insert(vi.name)
            inputs.append(Self.valueInfo(vi))
        }
        self.inputs = inputs

        var nodes: [ONNXNode] = []
        var constants: [String: ONNXTensor] = [:]
        nodes.reserveCapacity(graph.node.count)
        for (index, n) in graph.node.enumerated() {
            let label = n.name.isEmpty ? "node #\(index) (\(n.opType))" : "node '\(n.name)' (\(n.opType))"
            guard !n.opType.isEmpty else {
                throw ONNXError(.badGraph, file: source, "\(label) has no op_type")
            }
            var attributes: [String: ONNXAttribute] = [:]
            for a in n.attribute {
                guard !a.name.isEmpty else { throw ONNXError(.badGraph, file: source, "\(label) has an attribute without a name") }
                guard attributes[a.name] == nil else {
                    throw ONNXError(.badGraph, file: source, "\(label) has attribute '\(a.name)' twice")
                }
                attributes[a.name] = try Self.attribute(a, file: source, context: "attribute '\(a.name)' of \(label)")
            }
            for input in n.input where !input.isEmpty {
                guard defined.contains(input) else {
                    throw ONNXError(.badGraph, file: source,
                                    "\(label) reads '\(input)', which no earlier node, graph input or initializer defines (nodes must be in topological order)")
                }
            }
            for output in n.output where !output.isEmpty {
                guard !defined.contains(output) else {
                    throw ONNXError(.badGraph, file: source, "\(label) defines '\(output)', which is already defined")
                }
                defined.insert(output)
            }
            let domain = n.domain == "ai.onnx" ? "" : n.domain
            guard imports[domain] != nil else {
                throw ONNXError(.badGraph, file: source, "\(label) is in domain '\(n.domain)', which the model does not import")
            }
            let node = ONNXNode(name: n.name, opType: n.opType, domain: domain, inputs: n.input, outputs: n.output,
                                attributes: attributes)
            if domain == "" && n.opType == "Constant" {
                guard let out = n.output.first, !out.isEmpty, n.output.count == 1 else {
                    throw ONNXError(.badGraph, file: source, "\(label) must have exactly one output")
                }
                constants[out] = try Self.constantValue(node, output: out, file: source, label: label)
            }
            nodes.append(node)
        }
        self.nodes = nodes
        self.constants = constants

        var outputs: [ONNXValueInfo] = []
        for vi in graph.output {
            guard defined.contains(vi.name) else {
                throw ONNXError(.badGraph, file: source, "graph output '\(vi.name)' is not computed by any node")
            }
            outputs.append(Self.valueInfo(vi))
        }
        guard !outputs.isEmpty else { throw ONNXError(.badGraph, file: source, "the graph has no outputs") }
        self.outputs = outputs
    }

    // MARK: - Pieces

    private static func describe(_ error: Error) -> String {
        if let e = error as? BinaryDecodingError {
            switch e {
            case .truncated: return "truncated data"
            case .malformedProtobuf: return "malformed protobuf"
            case .invalidUTF8: return "a string field is not valid UTF-8"
            case .messageDepthLimit: return "messages nested too deeply"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }

    private static func valueInfo(_ vi: Onnx_ValueInfoProto) -> ONNXValueInfo {
        guard vi.hasType, case .tensorType(let t)? = vi.type.value else {
            return ONNXValueInfo(name: vi.name, elementType: .undefined, dims: nil)
        }
        var dims: [ONNXDimension]? = nil
        if t.hasShape {
            dims = t.shape.dim.map { d -> ONNXDimension in
                switch d.value {
                case .dimValue(let v)?:
                    return v >= 0 && v <= Int64(Int32.max) ? .fixed(Int(v)) : .unknown
                case .dimParam(let s)?:
                    return s.isEmpty ? .unknown : .symbolic(s)
                case nil:
                    return .unknown
                }
            }
        }
        return ONNXValueInfo(name: vi.name, elementType: ONNXDataType(rawValue: t.elemType), dims: dims)
    }

    private static func attribute(_ a: Onnx_AttributeProto, file: String, context: String) throws -> ONNXAttribute {
        if !a.refAttrName.isEmpty {
            return .unsupported("reference to function attribute '\(a.refAttrName)'")
        }
        func string(_ bytes: Data) -> String { String(decoding: bytes, as: UTF8.self) }
        switch a.type {
        case .float: return .float(a.f)
        case .int: return .int(a.i)
        case .string: return .string(string(a.s))
        case .tensor: return .tensor(try tensor(a.t, file: file, context: context))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints)
        case .strings: return .strings(a.strings.map(string))
        case .tensors: return .tensors(try a.tensors.map { try tensor($0, file: file, context: context) })
        case .graph, .graphs: return .unsupported("GRAPH")
        case .sparseTensor, .sparseTensors: return .unsupported("SPARSE_TENSOR")
        case .typeProto, .typeProtos: return .unsupported("TYPE_PROTO")
        case .undefined:
            // Old writers leave `type` unset: infer it from the field that carries a value.
            if !a.ints.isEmpty { return .ints(a.ints) }
            if !a.floats.isEmpty { return .floats(a.floats) }
            if !a.strings.isEmpty { return .strings(a.strings.map(string)) }
            if a.hasT { return .tensor(try tensor(a.t, file: file, context: context)) }
            if !a.tensors.isEmpty { return .tensors(try a.tensors.map { try tensor($0, file: file, context: context) }) }
            if !a.s.isEmpty { return .string(string(a.s)) }
            if a.f != 0 { return .float(a.f) }
            return .int(a.i)
        case .UNRECOGNIZED(let code):
            return .unsupported("attribute type \(code)")
        }
    }

    /// The value of a `Constant` node (`value`, `value_float(s)` or `value_int(s)`).
    private static func constantValue(_ node: ONNXNode, output: String, file: String, label: String) throws -> ONNXTensor {
        guard node.attributes.count == 1, let (key, attr) = node.attributes.first else {
            throw ONNXError(.badAttribute, file: file, "\(label) must have exactly one value attribute")
        }
        switch (key, attr) {
        case ("value", .tensor(var t)):
            t.name = output
            return t
        case ("value_float", .float(let f)):
            return ONNXTensor(name: output, dims: [], dataType: .float, values: .float([f]))
        case ("value_floats", .floats(let f)):
            return ONNXTensor(name: output, dims: [f.count], dataType: .float, values: .float(f))
        case ("value_int", .int(let i)):
            return ONNXTensor(name: output, dims: [], dataType: .int64, values: .int([i]))
        case ("value_ints", .ints(let i)):
            return ONNXTensor(name: output, dims: [i.count], dataType: .int64, values: .int(i))
        default:
            throw ONNXError(.unsupportedOp, file: file,
                            "\(label): Constant attribute '\(key)' is not supported (use value, value_float(s) or value_int(s))")
        }
    }

    /// Decodes a dense tensor from its typed field or little-endian `raw_data`.
    static func tensor(_ t: Onnx_TensorProto, file: String, context: String) throws -> ONNXTensor {
        let type = ONNXDataType(rawValue: t.dataType)
        func bad(_ what: String) -> ONNXError { ONNXError(.badTensor, file: file, "\(context): \(what)") }
        if t.dataLocation == .external || !t.externalData.isEmpty {
            throw bad("data is stored in an external file, which is not supported (save the model with its data inside)")
        }
        if t.hasSegment { throw bad("segmented tensors are not supported") }
        guard let elementSize = type.rawElementSize else {
            throw ONNXError(.unsupportedDataType, file: file,
                            "\(context): element type \(type) is not supported (FLOAT, DOUBLE, INT8, UINT8, INT16, UINT16, INT32, INT64 and BOOL are)")
        }
        var count = 1
        var dims: [Int] = []
        for d in t.dims {
            guard d >= 0, d <= Int64(Int32.max) else { throw bad("dimension \(d) is invalid") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= 1 << 31 else { throw bad("shape \(t.dims) has too many elements") }
            count = product
            dims.append(Int(d))
        }
        let raw = t.rawData
        let typedCount: Int
        switch type {
        case .float: typedCount = t.floatData.count
        case .double: typedCount = t.doubleData.count
        case .int64: typedCount = t.int64Data.count
        default: typedCount = t.int32Data.count
        }
        if !raw.isEmpty && typedCount > 0 { throw bad("has both raw_data and typed data") }
        if raw.isEmpty {
            guard typedCount == count else {
                throw bad("shape \(dims) needs \(count) \(type) values but the tensor holds \(typedCount)")
            }
        } else {
            guard raw.count == count * elementSize else {
                throw bad("shape \(dims) needs \(count * elementSize) bytes of \(type) raw_data but the tensor holds \(raw.count)")
            }
        }

        let values: ONNXTensor.Values
        if raw.isEmpty {
            switch type {
            case .float: values = .float(t.floatData)
            case .double: values = .float(t.doubleData.map { Float($0) })
            case .int64: values = .int(t.int64Data)
            default:
                let range = type.integerRange!
                var out = [Int64](); out.reserveCapacity(count)
                for v in t.int32Data {
                    guard range.contains(Int64(v)) else { throw bad("value \(v) is out of range for \(type)") }
                    out.append(Int64(v))
                }
                values = .int(out)
            }
        } else {
            values = raw.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> ONNXTensor.Values in
                func le<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                    T(littleEndian: buf.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                }
                switch type {
                case .float: return .float((0..<count).map { Float(bitPattern: le($0, UInt32.self)) })
                case .double: return .float((0..<count).map { Float(Double(bitPattern: le($0, UInt64.self))) })
                case .int8: return .int((0..<count).map { Int64(le($0, Int8.self)) })
                case .uint8: return .int((0..<count).map { Int64(le($0, UInt8.self)) })
                case .bool: return .int((0..<count).map { le($0, UInt8.self) != 0 ? 1 : 0 })
                case .int16: return .int((0..<count).map { Int64(le($0, Int16.self)) })
                case .uint16: return .int((0..<count).map { Int64(le($0, UInt16.self)) })
                case .int32: return .int((0..<count).map { Int64(le($0, Int32.self)) })
                default: return .int((0..<count).map { le($0, Int64.self) })
                }
            }
        }
        return ONNXTensor(name: t.name, dims: dims, dataType: type, values: values)
    }
}
