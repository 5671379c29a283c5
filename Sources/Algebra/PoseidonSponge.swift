/// A Poseidon hash of a vector of any length (tensor commitments), as a hash chain of
/// circomlib `Poseidon(16)` calls, so that a circuit recomputes it with the stock gadget:
///
///     h₀      = Poseidon([domain, n])                       // n = number of elements
///     hₖ₊₁    = Poseidon([hₖ, x₁₅ₖ₊₁, …, x₁₅ₖ₊₁₅])            // 16 inputs, width 17
///     digest  = h_m,  m = ⌈n / 15⌉
///
/// Absorb convention: the elements are taken in order, 15 per step; the last step's missing
/// elements are zeros. Zero padding is unambiguous because n is bound into h₀ (so [x] and
/// [x, 0] differ); for n = 0 the digest is h₀. The domain defaults to `defaultDomain` (the
/// ASCII bytes of "zkshard/poseidon-sponge/v1" as a big-endian integer); pass another one to
/// keep different uses of the hash apart. h₀ is a 2-input hash and every chain step a
/// 16-input one, so the two kinds of step never collide in width.
///
/// Either all at once, `PoseidonSponge.hash(elements)`, or streaming: create with the length,
/// `absorb` the elements, `finalize()`; `finalize` throws `PoseidonError.lengthMismatch`
/// unless exactly `length` elements were absorbed.
///
/// Not constant-time (see `Poseidon`).
public struct PoseidonSponge: Sendable {
    /// Elements absorbed per chain step (the 16th input carries the chain value).
    public static let chunkSize = 15

    /// "zkshard/poseidon-sponge/v1" in ASCII, read as a big-endian integer.
    public static let defaultDomain: Fr = Fr(reducing: BigUInt(bigEndianBytes: Array("zkshard/poseidon-sponge/v1".utf8)))

    /// The number of elements this sponge was created for.
    public let length: Int
    /// The domain-separation value hashed into h₀.
    public let domain: Fr
    /// How many elements have been absorbed so far.
    public private(set) var absorbed = 0

    /// [0, h, x₁ … x₁₅]: the next chain step's state, filled up to `2 + pending`.
    var state: [Fr]
    var pending = 0

    /// A sponge for exactly `length` elements (length ≥ 0).
    public init(length: Int, domain: Fr = PoseidonSponge.defaultDomain) {
        precondition(length >= 0, "PoseidonSponge length must not be negative")
        self.length = length
        self.domain = domain
        state = [Fr](repeating: .zero, count: PoseidonSponge.chunkSize + 2)
        state[1] = Poseidon.hash(domain, Fr(UInt64(length)))
    }

    /// Absorbs one element.
    public mutating func absorb(_ x: Fr) {
        state[2 + pending] = x
        pending += 1
        absorbed += 1
        if pending == PoseidonSponge.chunkSize { step() }
    }

    /// Absorbs the elements in order.
    public mutating func absorb<S: Sequence>(contentsOf elements: S) where S.Element == Fr {
        for x in elements { absorb(x) }
    }

    /// The digest; throws `PoseidonError.lengthMismatch` unless exactly `length` elements
    /// were absorbed. Does not change the sponge.
    public func finalize() throws -> Fr {
        guard absorbed == length else { throw PoseidonError(.lengthMismatch(declared: length, absorbed: absorbed)) }
        var copy = self
        if copy.pending > 0 {
            for i in (2 + copy.pending)..<copy.state.count { copy.state[i] = .zero }
            copy.step()
        }
        return copy.state[1]
    }

    /// The digest of `elements` (see the type's documentation).
    public static func hash(_ elements: [Fr], domain: Fr = PoseidonSponge.defaultDomain) -> Fr {
        var sponge = PoseidonSponge(length: elements.count, domain: domain)
        sponge.absorb(contentsOf: elements)
        return try! sponge.finalize()
    }

    /// h ← Poseidon([h, chunk]); the chunk is state[2…16].
    mutating func step() {
        let p = PoseidonParameterCache.parameters(width: PoseidonSponge.chunkSize + 2)
        state[0] = .zero
        let t = state.count
        state.withUnsafeMutableBufferPointer { s in
            withUnsafeTemporaryAllocation(of: Fr.self, capacity: t) { tmp in
                tmp.initialize(repeating: .zero)
                p.permuteFast(s.baseAddress!, scratch: tmp.baseAddress!)
            }
        }
        state[1] = state[0]
        pending = 0
    }
}
