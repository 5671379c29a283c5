import Algebra

/// A rank-1 constraint system ⟨A_k, w⟩·⟨B_k, w⟩ = ⟨C_k, w⟩ over Fr, laid out as circom does:
/// wire 0 is the constant one, then the public outputs, the public inputs, then private wires.
public struct R1CS: Sendable, Equatable {
    /// One sparse row: (wire, coefficient) pairs; wires are indices into the witness.
    public struct LinearCombination: Sendable, Equatable {
        public var wires: [UInt32]
        public var coefficients: [Fr]

        public init(wires: [UInt32] = [], coefficients: [Fr] = []) {
            precondition(wires.count == coefficients.count)
            self.wires = wires; self.coefficients = coefficients
        }

        public init(_ terms: [(UInt32, Fr)]) {
            self.init(wires: terms.map { $0.0 }, coefficients: terms.map { $0.1 })
        }

        public var isEmpty: Bool { wires.isEmpty }

        /// ⟨self, w⟩.
        @inlinable public func evaluate(_ w: [Fr]) -> Fr {
            var acc = Fr.zero
            for i in 0..<wires.count { acc = acc + coefficients[i] * w[Int(wires[i])] }
            return acc
        }
    }

    public struct Constraint: Sendable, Equatable {
        public var a: LinearCombination, b: LinearCombination, c: LinearCombination
        public init(a: LinearCombination, b: LinearCombination, c: LinearCombination) { self.a = a; self.b = b; self.c = c }
    }

    /// Total wires, the constant-one wire included.
    public var numWires: Int
    public var numPublicOutputs: Int
    public var numPublicInputs: Int
    /// Private inputs among the private wires (informational, as in circom's header).
    public var numPrivateInputs: Int
    public var constraints: [Constraint]
    /// circom's wire-to-label map (one entry per wire); identity when not known.
    public var wireToLabel: [UInt64]
    /// circom's label count (≥ numWires).
    public var numLabels: UInt64

    public init(numWires: Int, numPublicOutputs: Int, numPublicInputs: Int, numPrivateInputs: Int = 0,
                constraints: [Constraint], wireToLabel: [UInt64]? = nil, numLabels: UInt64? = nil) {
        self.numWires = numWires
        self.numPublicOutputs = numPublicOutputs
        self.numPublicInputs = numPublicInputs
        self.numPrivateInputs = numPrivateInputs
        self.constraints = constraints
        self.wireToLabel = wireToLabel ?? (0..<UInt64(numWires)).map { $0 }
        self.numLabels = numLabels ?? UInt64(numWires)
    }

    /// Public values (outputs then inputs), not counting the constant one.
    public var numPublic: Int { numPublicOutputs + numPublicInputs }

    /// The first constraint the witness violates, or nil when all hold.
    public func firstUnsatisfied(_ w: [Fr]) -> Int? {
        for (k, c) in constraints.enumerated() where c.a.evaluate(w) * c.b.evaluate(w) != c.c.evaluate(w) {
            return k
        }
        return nil
    }
}
