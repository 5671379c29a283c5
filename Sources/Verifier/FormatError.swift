import Algebra

/// A file that could not be read as what it claims to be: names the file (or role), the
/// field inside it, and what is wrong. Commands map it to exit code 2.
public struct FormatError: Error, CustomStringConvertible, Equatable {
    /// The file path or its role ("proof.json", "circuit.r1cs").
    public var file: String
    /// Where inside the file ("pi_a", "header.nWires", "constraint 17").
    public var field: String
    public var message: String

    public init(file: String, field: String, _ message: String) {
        self.file = file; self.field = field; self.message = message
    }

    /// Wraps a point or field decoding error.
    public init(file: String, _ e: EncodingError) {
        self.init(file: file, field: e.context, e.description.replacing(e.context + ": ", with: ""))
    }

    public var description: String { field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }

    /// Re-labels the error with a real path once the caller knows it.
    public func at(file path: String) -> FormatError { FormatError(file: path, field: field, message) }
}
