import Algebra
import Verifier

/// A Groth16 proving key (Groth 2016, §3.2; the layout arkworks and snarkjs use), together with
/// the constraint system it was made for, since the prover needs the constraints to build the
/// quotient polynomial.
public struct ProvingKey: Sendable, Equatable {
    public var verifyingKey: VerifyingKey
    public var alphaG1: G1Affine
    public var betaG1: G1Affine
    public var deltaG1: G1Affine
    public var betaG2: G2Affine
    public var deltaG2: G2Affine
    /// Aᵢ(τ)·G1 for every wire.
    public var a: [G1Affine]
    /// Bᵢ(τ)·G1 and Bᵢ(τ)·G2 for every wire.
    public var bG1: [G1Affine]
    public var bG2: [G2Affine]
    /// (β·Aᵢ(τ) + α·Bᵢ(τ) + Cᵢ(τ))/δ·G1 for the private wires i > numPublic.
    public var l: [G1Affine]
    /// τʲ·Z(τ)/δ·G1 for j < n − 1.
    public var h: [G1Affine]
    /// The evaluation domain size n (a power of two ≥ constraints + public values + 1).
    public var domainSize: Int
    public var r1cs: R1CS

    public init(verifyingKey: VerifyingKey, alphaG1: G1Affine, betaG1: G1Affine, deltaG1: G1Affine,
                betaG2: G2Affine, deltaG2: G2Affine, a: [G1Affine], bG1: [G1Affine], bG2: [G2Affine],
                l: [G1Affine], h: [G1Affine], domainSize: Int, r1cs: R1CS) {
        self.verifyingKey = verifyingKey; self.alphaG1 = alphaG1; self.betaG1 = betaG1; self.deltaG1 = deltaG1
        self.betaG2 = betaG2; self.deltaG2 = deltaG2; self.a = a; self.bG1 = bG1; self.bG2 = bG2
        self.l = l; self.h = h; self.domainSize = domainSize; self.r1cs = r1cs
    }

    /// Checks the counts agree with each other and with the constraint system (of
    /// `constraints` constraints when given, else of `r1cs`'s).
    public func validateShape(file: String, constraints: Int? = nil) throws {
        let w = r1cs.numWires, p = r1cs.numPublic, m = constraints ?? r1cs.constraints.count
        func need(_ ok: Bool, _ field: String, _ msg: String) throws {
            if !ok { throw FormatError(file: file, field: field, msg) }
        }
        try need(a.count == w, "A", "has \(a.count) points for \(w) wires")
        try need(bG1.count == w, "B1", "has \(bG1.count) points for \(w) wires")
        try need(bG2.count == w, "B2", "has \(bG2.count) points for \(w) wires")
        try need(l.count == w - p - 1, "L", "has \(l.count) points for \(w - p - 1) private wires")
        try need(verifyingKey.ic.count == p + 1, "IC", "has \(verifyingKey.ic.count) points for \(p) public values")
        try need(EvaluationDomain.isSupportedSize(domainSize), "domainSize", "\(domainSize) is not 2^k, 3·2^k or 9·2^k (up to 9·2^28)")
        try need(domainSize >= m + p + 1, "domainSize", "\(domainSize) is too small for \(m) constraints")
        try need(h.count == domainSize - 1, "H", "has \(h.count) points for a domain of \(domainSize)")
    }
}
