import Algebra

/// A Groth16 verification key for BN254 (the elements snarkjs's verification_key.json holds).
public struct VerifyingKey: Sendable, Equatable {
    public var alpha: G1Affine
    public var beta: G2Affine
    public var gamma: G2Affine
    public var delta: G2Affine
    /// IC₀…ICₗ: one per public value plus one for the constant wire.
    public var ic: [G1Affine]

    public init(alpha: G1Affine, beta: G2Affine, gamma: G2Affine, delta: G2Affine, ic: [G1Affine]) {
        self.alpha = alpha; self.beta = beta; self.gamma = gamma; self.delta = delta; self.ic = ic
    }

    /// Number of public values the key expects.
    public var numPublic: Int { ic.count - 1 }
}

/// A Groth16 proof: A ∈ G1, B ∈ G2, C ∈ G1 (256 bytes uncompressed).
public struct Proof: Sendable, Equatable {
    public var a: G1Affine
    public var b: G2Affine
    public var c: G1Affine

    public init(a: G1Affine, b: G2Affine, c: G1Affine) { self.a = a; self.b = b; self.c = c }

    /// The 256 bytes Ethereum verifier contracts take: A ‖ B ‖ C with G2 in EIP-197 order.
    public var ethereumCalldata: [UInt8] { a.ethereumBytes + b.ethereumBytes + c.ethereumBytes }

    public init(ethereumCalldata d: [UInt8]) throws {
        guard d.count == 256 else { throw EncodingError(.wrongLength(expected: 256, got: d.count), "proof calldata") }
        a = try G1Affine(ethereumBytes: Array(d[0..<64]), context: "proof.A")
        b = try G2Affine(ethereumBytes: Array(d[64..<192]), context: "proof.B")
        c = try G1Affine(ethereumBytes: Array(d[192..<256]), context: "proof.C")
    }
}

/// A verification key with e(α, β) computed and −γ, −δ's Miller-loop lines precomputed,
/// so that each verification is one three-pair Miller loop and one final exponentiation.
public struct PreparedVerifyingKey: Sendable {
    public let key: VerifyingKey
    public let alphaBeta: Fq12
    let negGamma: Pairing.G2Prepared
    let negDelta: Pairing.G2Prepared

    public init(_ key: VerifyingKey) {
        self.key = key
        alphaBeta = Pairing.pairing(key.alpha, key.beta)
        negGamma = Pairing.G2Prepared(-key.gamma)
        negDelta = Pairing.G2Prepared(-key.delta)
    }
}

/// Why a proof could not be checked at all (as opposed to "checked and invalid").
public struct VerificationError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

public enum Groth16Verifier {
    /// Checks e(A, B) = e(α, β)·e(Σ xᵢ·ICᵢ, γ)·e(C, δ).
    ///
    /// Throws when the input is malformed (wrong number of public values); returns false for a
    /// well-formed proof that does not verify. Points are assumed decoded by the checking
    /// decoders (on the curve, in the subgroup); public values are field elements, so they are
    /// canonical by construction.
    public static func verify(_ pvk: PreparedVerifyingKey, proof: Proof, publicInputs: [Fr]) throws -> Bool {
        let acc = try publicCombination(pvk.key.ic, publicInputs)
        let f = Pairing.millerLoop([
            (proof.a, Pairing.G2Prepared(proof.b)),
            (acc, pvk.negGamma),
            (proof.c, pvk.negDelta),
        ])
        return Pairing.finalExponentiation(f) == pvk.alphaBeta
    }

    /// One-off verification: e(A, B)·e(−α, β)·e(vk_x, −γ)·e(C, −δ) = 1 as one four-pair
    /// Miller loop and one final exponentiation (cheaper than preparing the key first).
    public static func verify(_ vk: VerifyingKey, proof: Proof, publicInputs: [Fr]) throws -> Bool {
        let acc = try publicCombination(vk.ic, publicInputs)
        let f = Pairing.millerLoop([
            (proof.a, Pairing.G2Prepared(proof.b)),
            (-vk.alpha, Pairing.G2Prepared(vk.beta)),
            (acc, Pairing.G2Prepared(-vk.gamma)),
            (proof.c, Pairing.G2Prepared(-vk.delta)),
        ])
        return Pairing.finalExponentiation(f) == .one
    }

    /// vk_x = IC₀ + Σ xᵢ·ICᵢ.
    static func publicCombination(_ ic: [G1Affine], _ inputs: [Fr]) throws -> G1Affine {
        guard inputs.count == ic.count - 1 else {
            throw VerificationError("expected \(ic.count - 1) public values, got \(inputs.count)")
        }
        var acc = G1(ic[0])
        if !inputs.isEmpty { acc = acc + MSM.multiply(bases: Array(ic[1...]), scalars: inputs, threads: 1) }
        return acc.affine
    }
}
