/// Why bytes or strings could not be decoded into a field element or a curve point.
///
/// Decoders never trap on bad input: they throw this, with a message naming what is wrong.
public struct EncodingError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case wrongLength(expected: Int, got: Int)
        case nonCanonical
        case notANumber
        case notOnCurve
        case notInSubgroup
        case invalidFlags
        case notSquare
    }

    public let kind: Kind
    /// What was being decoded, e.g. "Fq", "G2 x.c1", "proof.pi_a".
    public let context: String

    public init(_ kind: Kind, _ context: String) { self.kind = kind; self.context = context }

    public var description: String {
        switch kind {
        case let .wrongLength(e, g): return "\(context): expected \(e) bytes, got \(g)"
        case .nonCanonical: return "\(context): value is not below the field modulus"
        case .notANumber: return "\(context): not a decimal number"
        case .notOnCurve: return "\(context): point is not on the curve"
        case .notInSubgroup: return "\(context): point is not in the prime-order subgroup"
        case .invalidFlags: return "\(context): invalid flag bits"
        case .notSquare: return "\(context): x has no matching y on the curve"
        }
    }
}
