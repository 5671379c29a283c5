/// The Poseidon hash over the BN254 scalar field, exactly circomlib's `Poseidon(nInputs)` and
/// circomlibjs' `poseidon` (Grassi, Khovratovich, Rechberger, Roy, Schofnegger, "Poseidon: A New
/// Hash Function for Zero-Knowledge Proof Systems", USENIX Security 2021).
///
/// For n inputs (1 ≤ n ≤ 16) the state has width t = n + 1: `state = [0, x₁, …, xₙ]`, then the
/// permutation runs R_F = 8 full rounds (4 before, 4 after) around R_P partial rounds
/// (R_P = 56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68 for t = 2…17), each
/// round being "add the round constants, apply x⁵ (to every element in a full round, to
/// element 0 in a partial round), multiply by the MDS matrix"; the hash is `state[0]` after
/// the permutation. The constants are derived in code, the way the paper's reference
/// generator does (see `PoseidonParameters`), and the known-answer vectors in
/// `vectors/poseidon_vectors.json` pin them to circomlib's.
///
/// Not constant-time: the field multiply's final subtraction branches on data. Meant for
/// commitments and circuit witnesses, not for hashing secrets under a timing adversary.
public enum Poseidon {
    /// The largest number of inputs of one call (state width 17), as in circomlib.
    public static let maxInputs = 16
    /// The state widths with parameters: t = 2…17.
    public static let widths: ClosedRange<Int> = 2...17
    /// R_F, the same for every width.
    public static let fullRounds = 8
    /// R_P for t = 2…17 (index t − 2): the paper's round numbers for 128-bit security with
    /// x⁵ over a 254-bit field, rounded up as circomlib does.
    public static let partialRoundsByWidth: [Int] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]

    /// The constants of width `width` (2…17), derived on first use and cached for the process
    /// (thread-safe: each width is a lazily initialised global).
    public static func parameters(width: Int) throws -> PoseidonParameters {
        guard widths.contains(width) else { throw PoseidonError(.stateWidth(width)) }
        return PoseidonParameterCache.parameters(width: width)
    }

    /// circomlib's `Poseidon(n)` of `inputs`, 1 ≤ n ≤ 16; throws `PoseidonError.inputCount`
    /// for an empty array or more than 16 elements (use `PoseidonSponge` for longer vectors).
    public static func hash(_ inputs: [Fr]) throws -> Fr {
        guard (1...maxInputs).contains(inputs.count) else { throw PoseidonError(.inputCount(inputs.count)) }
        return inputs.withUnsafeBufferPointer { hashUnchecked($0) }
    }

    /// circomlib's `Poseidon(2)` of `(a, b)`, the Merkle-tree node hash; cannot fail.
    public static func hash(_ a: Fr, _ b: Fr) -> Fr {
        let p = PoseidonParameterCache.parameters(width: 3)
        return withUnsafeTemporaryAllocation(of: Fr.self, capacity: 6) { buf in
            let s = buf.baseAddress!
            s.initialize(to: .zero); (s + 1).initialize(to: a); (s + 2).initialize(to: b)
            (s + 3).initialize(repeating: .zero, count: 3)
            p.permuteFast(s, scratch: s + 3)
            return s[0]
        }
    }

    /// Applies the Poseidon permutation of width `state.count` (2…17) in place, with exactly
    /// the constants `hash` uses; `hash(x)` is `permute([0] + x)[0]`. Throws
    /// `PoseidonError.stateWidth` for any other width.
    public static func permute(_ state: inout [Fr]) throws {
        try parameters(width: state.count).permute(&state)
    }

    /// The same permutation computed round by round from `roundConstants` and `mds` as the
    /// paper writes it (several times slower); the reference the fast path is tested against.
    public static func permuteReference(_ state: inout [Fr]) throws {
        try parameters(width: state.count).permuteReference(&state)
    }

    /// Hashes 1…16 inputs without checking the count.
    static func hashUnchecked(_ inputs: UnsafeBufferPointer<Fr>) -> Fr {
        let t = inputs.count + 1
        let p = PoseidonParameterCache.parameters(width: t)
        return withUnsafeTemporaryAllocation(of: Fr.self, capacity: 2 * t) { buf in
            let s = buf.baseAddress!
            s.initialize(to: .zero)
            (s + 1).initialize(from: inputs.baseAddress!, count: inputs.count)
            (s + t).initialize(repeating: .zero, count: t)
            p.permuteFast(s, scratch: s + t)
            return s[0]
        }
    }
}

/// Why a Poseidon call was rejected. Poseidon never traps on a bad count: it throws this.
public struct PoseidonError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// `Poseidon.hash` takes 1…16 inputs.
        case inputCount(Int)
        /// Permutations and parameters exist for widths 2…17.
        case stateWidth(Int)
        /// A `PoseidonSponge` was finalized after absorbing a different number of elements
        /// than the length it was created with.
        case lengthMismatch(declared: Int, absorbed: Int)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case let .inputCount(n):
            return "Poseidon: \(n) inputs; one call takes 1 to \(Poseidon.maxInputs) (use PoseidonSponge for longer vectors)"
        case let .stateWidth(t):
            return "Poseidon: no parameters for state width \(t); widths are 2 to 17"
        case let .lengthMismatch(d, a):
            return "PoseidonSponge: created for \(d) elements but absorbed \(a)"
        }
    }
}

/// One lazily initialised global per width: Swift initialises each at most once, thread-safely,
/// on first access, so a process pays only for the widths it uses.
enum PoseidonParameterCache {
    static let t2 = PoseidonParameters(derivingWidth: 2)
    static let t3 = PoseidonParameters(derivingWidth: 3)
    static let t4 = PoseidonParameters(derivingWidth: 4)
    static let t5 = PoseidonParameters(derivingWidth: 5)
    static let t6 = PoseidonParameters(derivingWidth: 6)
    static let t7 = PoseidonParameters(derivingWidth: 7)
    static let t8 = PoseidonParameters(derivingWidth: 8)
    static let t9 = PoseidonParameters(derivingWidth: 9)
    static let t10 = PoseidonParameters(derivingWidth: 10)
    static let t11 = PoseidonParameters(derivingWidth: 11)
    static let t12 = PoseidonParameters(derivingWidth: 12)
    static let t13 = PoseidonParameters(derivingWidth: 13)
    static let t14 = PoseidonParameters(derivingWidth: 14)
    static let t15 = PoseidonParameters(derivingWidth: 15)
    static let t16 = PoseidonParameters(derivingWidth: 16)
    static let t17 = PoseidonParameters(derivingWidth: 17)

    /// The parameters of width `width`, which must be in 2…17.
    static func parameters(width: Int) -> PoseidonParameters {
        switch width {
        case 2: return t2
        case 3: return t3
        case 4: return t4
        case 5: return t5
        case 6: return t6
        case 7: return t7
        case 8: return t8
        case 9: return t9
        case 10: return t10
        case 11: return t11
        case 12: return t12
        case 13: return t13
        case 14: return t14
        case 15: return t15
        case 16: return t16
        case 17: return t17
        default: preconditionFailure("Poseidon width \(width) outside 2...17")
        }
    }
}
