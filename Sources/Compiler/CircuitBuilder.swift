import Algebra
import Groth16

extension Fr {
    /// The field element of a signed integer (negative values wrap to r − |v|).
    @inlinable public init(signed v: Int64) {
        if v >= 0 { self.init(UInt64(v)) } else { self = Fr.zero - Fr(v.magnitude) }
    }
}

/// A linear combination Σ cᵢ·wᵢ over builder wires; wire 0 is the constant one, so constants
/// are terms on wire 0. Duplicates are merged when a constraint is recorded.
public struct LinearCombination: Sendable {
    public var wires: [Int32] = []
    public var coefficients: [Fr] = []

    public init() {}
    public init(wire: Int, coefficient: Fr = .one) { wires = [Int32(wire)]; coefficients = [coefficient] }
    public init(constant: Int64) { if constant != 0 { wires = [0]; coefficients = [Fr(signed: constant)] } }

    public static let zero = LinearCombination()

    public static func + (a: LinearCombination, b: LinearCombination) -> LinearCombination {
        var r = a; r.wires += b.wires; r.coefficients += b.coefficients; return r
    }
    public static func - (a: LinearCombination, b: LinearCombination) -> LinearCombination { a + b.scaled(by: -1) }
    public static func + (a: LinearCombination, c: Int64) -> LinearCombination { a + LinearCombination(constant: c) }
    public static func - (a: LinearCombination, c: Int64) -> LinearCombination { a + LinearCombination(constant: -c) }

    public func scaled(by k: Fr) -> LinearCombination {
        var r = self
        for i in 0..<r.coefficients.count { r.coefficients[i] = r.coefficients[i] * k }
        return r
    }
    public func scaled(by k: Int64) -> LinearCombination {
        if k == 1 { return self }
        if k == 0 { return .zero }
        return scaled(by: Fr(signed: k))
    }

    /// Adds k·other in place (the inner loop of constant-weight layers).
    public mutating func add(_ other: LinearCombination, times k: Int64) {
        if k == 0 { return }
        let f = Fr(signed: k)
        wires.append(contentsOf: other.wires)
        for c in other.coefficients { coefficients.append(k == 1 ? c : c * f) }
    }

    /// Terms merged by wire and zero coefficients dropped, sorted by wire.
    func merged() -> LinearCombination {
        if wires.count <= 1 { return coefficients.first?.isZero == true ? .zero : self }
        let order = wires.indices.sorted { wires[$0] < wires[$1] }
        var r = LinearCombination()
        r.wires.reserveCapacity(wires.count); r.coefficients.reserveCapacity(wires.count)
        for i in order {
            if let last = r.wires.last, last == wires[i] {
                r.coefficients[r.coefficients.count - 1] = r.coefficients[r.coefficients.count - 1] + coefficients[i]
            } else {
                r.wires.append(wires[i]); r.coefficients.append(coefficients[i])
            }
        }
        var out = LinearCombination()
        for (w, c) in zip(r.wires, r.coefficients) where !c.isZero { out.wires.append(w); out.coefficients.append(c) }
        return out
    }
}

/// Who may see a wire; circom orders wires as one, public outputs, public inputs, private.
public enum WireVisibility: Sendable { case publicOutput, publicInput, privateInput, privateWire }

/// Records R1CS constraints and, when values are known (proving), the witness alongside.
/// The same gadget code runs at compile time (no values) and at prove time (values from the
/// kernels' trace), so the constraint system and the witness layout cannot drift apart.
public final class CircuitBuilder {
    public let computesWitness: Bool
    private(set) var visibility: [WireVisibility] = [.publicInput]
    private(set) var values: [Fr] = [.one]
    private(set) var constraints: [(LinearCombination, LinearCombination, LinearCombination)] = []
    /// (first constraint index, label) for naming the layer of an unsatisfied constraint.
    private(set) var scopes: [(start: Int, label: String)] = []

    public init(computesWitness: Bool) { self.computesWitness = computesWitness }

    public var numConstraints: Int { constraints.count }
    public var numWires: Int { visibility.count }

    /// Marks the constraints recorded from now on as belonging to `label`.
    public func beginScope(_ label: String) { scopes.append((constraints.count, label)) }

    /// The label of the scope constraint `k` was recorded in.
    public func scopeLabel(ofConstraint k: Int) -> String { Self.label(ofConstraint: k, in: scopes) }

    /// The label of the scope constraint `k` falls in, given the scopes in recording order
    /// (starts never decrease): the last one starting at or before `k`.
    public static func label(ofConstraint k: Int, in scopes: [(start: Int, label: String)]) -> String {
        scopes.last { $0.start <= k }?.label ?? "circuit"
    }

    /// A new wire; `value` is required when computing the witness and ignored otherwise.
    public func alloc(_ v: WireVisibility = .privateWire, value: @autoclosure () -> Fr) -> Int {
        visibility.append(v)
        if computesWitness { values.append(value()) }
        return visibility.count - 1
    }

    public func alloc(_ v: WireVisibility = .privateWire, signed: @autoclosure () -> Int64) -> Int {
        alloc(v, value: Fr(signed: signed()))
    }

    /// Replaces a wire's value: for soundness tests that build a dishonest witness on purpose.
    public func overrideValue(of wire: Int, with v: Fr) {
        precondition(computesWitness)
        values[wire] = v
    }

    /// a · b = c.
    public func enforce(_ a: LinearCombination, _ b: LinearCombination, _ c: LinearCombination) {
        constraints.append((a.merged(), b.merged(), c.merged()))
    }

    /// lc = 0 as one constraint (lc)·1 = 0.
    public func enforceZero(_ lc: LinearCombination) {
        enforce(lc, LinearCombination(constant: 1), .zero)
    }

    /// ⟨lc, w⟩ (witness mode only).
    public func value(of lc: LinearCombination) -> Fr {
        var acc = Fr.zero
        for (w, c) in zip(lc.wires, lc.coefficients) { acc = acc + c * values[Int(w)] }
        return acc
    }

    /// The R1CS in circom's wire order and, in witness mode, the witness in the same order.
    public func finish() -> (r1cs: R1CS, witness: [Fr]?, privateInputs: Int) {
        var order: [Int] = [0]
        for kind in [WireVisibility.publicOutput, .publicInput, .privateInput, .privateWire] {
            for w in 1..<visibility.count where visibility[w] == kind { order.append(w) }
        }
        var newIndex = [UInt32](repeating: 0, count: visibility.count)
        for (i, w) in order.enumerated() { newIndex[w] = UInt32(i) }
        func map(_ lc: LinearCombination) -> R1CS.LinearCombination {
            let pairs = zip(lc.wires, lc.coefficients).map { (newIndex[Int($0.0)], $0.1) }.sorted { $0.0 < $1.0 }
            return R1CS.LinearCombination(pairs)
        }
        let rows = constraints.map { R1CS.Constraint(a: map($0.0), b: map($0.1), c: map($0.2)) }
        let count = { (k: WireVisibility) in self.visibility.filter { $0 == k }.count }
        let r1cs = R1CS(numWires: visibility.count, numPublicOutputs: count(.publicOutput),
                        numPublicInputs: count(.publicInput) - 1, numPrivateInputs: count(.privateInput),
                        constraints: rows)
        let witness = computesWitness ? order.map { values[$0] } : nil
        return (r1cs, witness, count(.privateInput))
    }

    /// The first violated constraint and its scope label (witness mode), for error messages.
    public func firstViolation() -> (index: Int, label: String)? {
        precondition(computesWitness)
        for (k, c) in constraints.enumerated() where value(of: c.0) * value(of: c.1) != value(of: c.2) {
            return (k, scopeLabel(ofConstraint: k))
        }
        return nil
    }
}
