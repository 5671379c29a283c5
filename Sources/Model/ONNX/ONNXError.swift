/// An ONNX model that cannot be read or imported: names the file and what is wrong with it.
///
/// One type for every stage (protobuf decoding, graph checks, import, quantization) so the CLI
/// has a single thing to print; `kind` tells the stages apart for callers and tests.
public struct ONNXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, open to new cases (compare with the static members).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        /// The file could not be read.
        public static let unreadable = Kind("unreadable file")
        /// The bytes are not a valid protobuf ModelProto (truncated, malformed, bad UTF-8, too deep).
        public static let malformed = Kind("malformed protobuf")
        /// The ModelProto has no graph.
        public static let missingGraph = Kind("missing graph")
        /// A graph that is structurally wrong (no opset, names used before definition, duplicates).
        public static let badGraph = Kind("bad graph")
        /// A tensor element type this importer does not read.
        public static let unsupportedDataType = Kind("unsupported data type")
        /// A tensor whose data does not match its shape and type, or that lives in an external file.
        public static let badTensor = Kind("bad tensor")
        /// A graph input without a fixed shape.
        public static let dynamicShape = Kind("dynamic shape")
        /// An operator (or an operator configuration) the importer does not support.
        public static let unsupportedOp = Kind("unsupported operator")
        /// An attribute or constant operand with a missing or wrong value.
        public static let badAttribute = Kind("bad attribute")
        /// Calibration or quantization cannot proceed (no samples, overflow, inconsistent scales).
        public static let quantization = Kind("quantization")
    }

    public var kind: Kind
    /// The model file (or the source name given to the decoder).
    public var file: String
    /// What is wrong, naming the node, tensor or field.
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind; self.file = file; self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
