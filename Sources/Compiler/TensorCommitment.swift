import Algebra
import Model

/// The commitment to a list of integer tensors (a shard's input or output activations), computed
/// the same way natively (`commit`) and in a circuit (`commit(_:_:salt:)`).
///
/// Packing: every tensor's values are shifted to u = v − lower ∈ [0, 2^b) with b the bit width
/// of upper − lower (at least 1), and packed ⌊248/b⌋ to a field element, little end first
/// (Σ uᵢ·2^(b·i)); each tensor starts a new element. The elements, preceded by the salt, go
/// through `PoseidonSponge` with the domain "zkshard/tensor-commitment/v1":
///
///     commitment = PoseidonSponge([salt, e₁, …, e_m], domain)
///
/// A salt of 0 makes the commitment a plain hash anyone holding the values can recompute; a
/// uniformly random secret salt hides the values (they are typically too few bits to resist a
/// search otherwise). In the circuit the packing is a linear combination (free); it is
/// injective because every value is range-checked to its tensor's bounds.
public enum TensorCommitment {
    /// "zkshard/tensor-commitment/v1" as a big-endian integer.
    public static let domain = Fr(reducing: BigUInt(bigEndianBytes: Array("zkshard/tensor-commitment/v1".utf8)))

    /// One tensor's layout in the commitment.
    public struct Layout: Sendable, Equatable {
        public var count: Int
        public var lower: Int64
        public var upper: Int64
        public init(count: Int, lower: Int64, upper: Int64) {
            precondition(lower <= upper && count >= 0)
            self.count = count; self.lower = lower; self.upper = upper
        }
        public init(_ t: TensorInfo) { self.init(count: t.count, lower: t.lower, upper: t.upper) }
        /// Bits per value.
        public var bits: Int { max(1, bitLength(upper - lower)) }
        /// Values per field element.
        public var perElement: Int { 248 / bits }
        public var elements: Int { (count + perElement - 1) / perElement }
    }

    /// The commitment of `tensors` (each within its layout's bounds).
    public static func commit(_ tensors: [[Int64]], layouts: [Layout], salt: Fr) throws -> Fr {
        guard tensors.count == layouts.count else { throw CompileError("commitment: \(tensors.count) tensors for \(layouts.count) layouts") }
        var elements: [Fr] = [salt]
        for (values, l) in zip(tensors, layouts) {
            guard values.count == l.count else { throw CompileError("commitment: a tensor of \(values.count) values where \(l.count) are expected") }
            var i = 0
            while i < values.count {
                var acc = BigUInt(0)
                let end = min(i + l.perElement, values.count)
                for k in stride(from: end - 1, through: i, by: -1) {
                    let v = values[k]
                    guard v >= l.lower && v <= l.upper else {
                        throw CompileError("commitment: value \(v) outside its tensor's bounds [\(l.lower), \(l.upper)]")
                    }
                    acc = (acc << l.bits) + BigUInt(UInt64(v - l.lower))
                }
                elements.append(Fr(reducing: acc))
                i = end
            }
        }
        return PoseidonSponge.hash(elements, domain: domain)
    }

    /// The same commitment in a circuit, over signals already proven to lie within the layouts'
    /// bounds; returns the linear combination equal to the commitment.
    public static func commit(_ cs: CircuitBuilder, _ tensors: [[Signal]], layouts: [Layout], salt: LinearCombination) -> LinearCombination {
        precondition(tensors.count == layouts.count)
        var elements: [LinearCombination] = [salt]
        for (values, l) in zip(tensors, layouts) {
            precondition(values.count == l.count)
            var i = 0
            while i < values.count {
                var lc = LinearCombination()
                let end = min(i + l.perElement, values.count)
                var weight = Fr.one
                let step = Fr(UInt64(1) << UInt64(l.bits))
                for k in i..<end {
                    lc = lc + values[k].lc.scaled(by: weight) + LinearCombination(wire: 0, coefficient: Fr(signed: -l.lower) * weight)
                    weight = weight * step
                }
                elements.append(lc)
                i = end
            }
        }
        // h₀ = Poseidon(domain, n) is a constant; then one 16-input hash per 15 elements.
        var h = LinearCombination(wire: 0, coefficient: Poseidon.hash(domain, Fr(UInt64(elements.count))))
        var k = 0
        repeat {
            var chunk = Array(elements[k..<min(k + PoseidonSponge.chunkSize, elements.count)])
            chunk += [LinearCombination](repeating: LinearCombination(), count: PoseidonSponge.chunkSize - chunk.count)
            h = PoseidonGadget.hash(cs, [h] + chunk)
            k += PoseidonSponge.chunkSize
        } while k < elements.count
        return h
    }
}
