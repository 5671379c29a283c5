import Algebra

/// circomlib's `Poseidon(n)` as R1CS constraints, equal to `Algebra.Poseidon.hash` on every input.
///
/// Each S-box x⁵ costs three constraints (x² = x·x, x⁴ = x²·x², x⁵ = x⁴·x); the round constants
/// and the MDS layer are linear, so they cost nothing: 3·(R_F·t + R_P) constraints per
/// permutation (612 for 16 inputs, 243 for 2), as in circomlib.
///
/// In the partial rounds only element 0 goes through an S-box, so the other elements stay linear
/// combinations of the wires made since the last full round. They are kept as dense coefficient
/// vectors over those wires (`Dense`), which makes each MDS layer one small matrix product instead
/// of merging ever longer sparse combinations.
public enum PoseidonGadget {
    /// The hash of 1…16 inputs (linear combinations of existing wires), as a linear combination.
    public static func hash(_ cs: CircuitBuilder, _ inputs: [LinearCombination]) -> LinearCombination {
        precondition((1...Poseidon.maxInputs).contains(inputs.count), "Poseidon gadget takes 1…16 inputs")
        let state = [LinearCombination()] + inputs
        return permute(cs, state)[0]
    }

    /// The permutation of width `state.count` (2…17).
    public static func permute(_ cs: CircuitBuilder, _ input: [LinearCombination]) -> [LinearCombination] {
        let t = input.count
        let p = try! Poseidon.parameters(width: t)
        let half = p.fullRounds / 2
        // Values of the state (witness mode), tracked natively alongside the constraints.
        var values = cs.computesWitness ? input.map { cs.value(of: $0) } : []
        var state = input

        func mix(_ v: [Fr]) -> [Fr] {
            (0..<t).map { i in (0..<t).reduce(Fr.zero) { $0 + p.mds[i][$1] * v[$1] } }
        }
        /// x⁵ of a linear combination whose value is `x`: a fresh wire, three constraints.
        func sbox(_ lc: LinearCombination, _ x: Fr) -> (wire: Int, value: Fr) {
            let x2v = x * x, x4v = x2v * x2v, x5v = x4v * x
            let x2 = cs.alloc(value: x2v), x4 = cs.alloc(value: x4v), x5 = cs.alloc(value: x5v)
            cs.enforce(lc, lc, LinearCombination(wire: x2))
            cs.enforce(LinearCombination(wire: x2), LinearCombination(wire: x2), LinearCombination(wire: x4))
            cs.enforce(LinearCombination(wire: x4), lc, LinearCombination(wire: x5))
            return (x5, x5v)
        }
        func fullRound(_ r: Int) {
            var wires: [Int] = []
            for i in 0..<t {
                let c = p.roundConstant(round: r, element: i)
                let lc = state[i] + LinearCombination(wire: 0, coefficient: c)
                let x = cs.computesWitness ? values[i] + c : .zero
                let s = sbox(lc, x)
                wires.append(s.wire)
                if cs.computesWitness { values[i] = s.value }
            }
            state = (0..<t).map { i in
                var lc = LinearCombination()
                for j in 0..<t { lc = lc + LinearCombination(wire: wires[j], coefficient: p.mds[i][j]) }
                return lc
            }
            if cs.computesWitness { values = mix(values) }
        }

        for r in 0..<half { fullRound(r) }

        // Partial rounds over a dense basis: [one, state wires after the full rounds…, S-box outputs…].
        var basis: [Int] = [0]
        var dense: [[Fr]] = []
        // The state after the first half is Σ mds·wires: make each element a basis wire's combination.
        var index: [Int32: Int] = [0: 0]
        for lc in state { for w in lc.wires where index[w] == nil { index[w] = basis.count; basis.append(Int(w)) } }
        let width = basis.count + p.partialRounds
        for lc in state {
            var row = [Fr](repeating: .zero, count: width)
            for (w, c) in zip(lc.wires, lc.coefficients) { row[index[w]!] += c }
            dense.append(row)
        }
        func sparse(_ row: [Fr]) -> LinearCombination {
            var lc = LinearCombination()
            for (k, c) in row.prefix(basis.count).enumerated() where !c.isZero { lc.wires.append(Int32(basis[k])); lc.coefficients.append(c) }
            return lc
        }
        for r in half..<(half + p.partialRounds) {
            let c0 = p.roundConstant(round: r, element: 0)
            var first = dense[0]
            first[0] += c0
            let s = sbox(sparse(first), cs.computesWitness ? values[0] + c0 : .zero)
            // Element 0 becomes the fresh S-box wire; the others just add their constants.
            var row0 = [Fr](repeating: .zero, count: width)
            row0[basis.count] = .one
            basis.append(s.wire)
            dense[0] = row0
            for i in 1..<t { dense[i][0] += p.roundConstant(round: r, element: i) }
            if cs.computesWitness {
                values[0] = s.value
                for i in 1..<t { values[i] += p.roundConstant(round: r, element: i) }
                values = mix(values)
            }
            let used = basis.count
            dense = (0..<t).map { i in
                var row = [Fr](repeating: .zero, count: width)
                for j in 0..<t {
                    let m = p.mds[i][j]
                    let src = dense[j]
                    for k in 0..<used where !src[k].isZero { row[k] += m * src[k] }
                }
                return row
            }
        }
        state = dense.map(sparse)

        for r in (half + p.partialRounds)..<(p.fullRounds + p.partialRounds) { fullRound(r) }
        return state
    }
}
