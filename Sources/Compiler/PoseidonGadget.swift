import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// circomlib's `Poseidon(n)` as R1CS constraints, equal to `Algebra.Poseidon.hash` on every input.
///
/// Each S-box x⁵ costs three constraints (x² = x·x, x⁴ = x²·x², x⁵ = x⁴·x); the round constants
/// and the MDS layer are linear, so they cost nothing: 3·(R_F·t + R_P) constraints per
/// permutation (612 for 16 inputs, 243 for 2), as in circomlib.
///
/// In the partial rounds only element 0 goes through an S-box, so the state stays a linear
/// function of the last full round's S-box outputs x and the partial rounds' S-box outputs wᵢ.
/// With Z the projection that zeroes element 0, after j partial rounds
///
///     state = A_j·x + Σᵢ v_{j−i}·wᵢ + k_j,   A_j = (MZ)^j·M,  v_m = (MZ)^m·M·e₀,
///     k_j = MZ·(k_{j−1} + c_j)
///
/// and none of A, v, k depends on the inputs, so they are computed once per width
/// (`PartialRoundLinearization`) and each S-box input costs O(t + j) to write down.

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
        let half = p.fullRounds / 2, rp = p.partialRounds
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
        /// A full round; returns its S-box output wires (the state is M times them).
        func fullRound(_ r: Int) -> [Int] {
            var wires: [Int] = []
            for i in 0..<t {
                let c = p.roundConstant(round: r, element: i)
                let s = sbox(state[i] + LinearCombination(wire: 0, coefficient: c), cs.computesWitness ? values[i] + c : .zero)
                wires.append(s.wire)
                if cs.computesWitness { values[i] = s.value }
            }
            state = (0..<t).map { i in
                var lc = LinearCombination()
                for j in 0..<t { lc.wires.append(Int32(wires[j])); lc.coefficients.append(p.mds[i][j]) }
                return lc
            }
            if cs.computesWitness { values = mix(values) }
            return wires
        }

        var x: [Int] = []
        for r in 0..<half { x = fullRound(r) }

        // Partial rounds through the precomputed linearization (see the type's documentation).
        let lin = PartialRoundLinearization.of(p)
        var w: [Int] = []
        for j in 1...rp {
            let r = half + j - 1
            let c0 = p.roundConstant(round: r, element: 0)
            var lc = LinearCombination(wire: 0, coefficient: lin.k[j - 1][0] + c0)
            for b in 0..<t { lc.wires.append(Int32(x[b])); lc.coefficients.append(lin.a[j - 1][b]) }
            for (q, wq) in w.enumerated() { lc.wires.append(Int32(wq)); lc.coefficients.append(lin.v[j - 2 - q][0]) }
            let s = sbox(lc, cs.computesWitness ? values[0] + c0 : .zero)
            w.append(s.wire)
            if cs.computesWitness {
                values[0] = s.value
                for i in 1..<t { values[i] += p.roundConstant(round: r, element: i) }
                values = mix(values)
            }
        }
        state = (0..<t).map { i in
            var lc = LinearCombination(wire: 0, coefficient: lin.k[rp][i])
            for b in 0..<t { lc.wires.append(Int32(x[b])); lc.coefficients.append(lin.a[rp][i * t + b]) }
            for (q, wq) in w.enumerated() { lc.wires.append(Int32(wq)); lc.coefficients.append(lin.v[rp - 1 - q][i]) }
            return lc
        }

        for r in (half + rp)..<(p.fullRounds + rp) { _ = fullRound(r) }
        return state
    }
}

/// The input-independent part of the partial rounds for one width: A_j = (MZ)^j·M (t×t,
/// row-major), v_m = (MZ)^m·M·e₀ and the constant vectors k_j, for j, m = 0…R_P.
final class PartialRoundLinearization: @unchecked Sendable {
    /// a[j][i·t + b]: coefficient of the last full round's S-box output b in element i after j partial rounds.
    let a: [[Fr]]
    /// v[m][i]: coefficient in element i of a partial-round S-box output made m rounds earlier.
    let v: [[Fr]]
    /// k[j][i]: the constant term of element i after j partial rounds.
    let k: [[Fr]]

    init(_ p: PoseidonParameters) {
        let t = p.width, half = p.fullRounds / 2
        let m = p.mds
        /// M·Z·y: Z zeroes element 0 (it is replaced by the S-box output).
        func mz(_ y: [Fr]) -> [Fr] { (0..<t).map { i in (1..<t).reduce(Fr.zero) { $0 + m[i][$1] * y[$1] } } }
        // Columns of A_j: column b of A_0 = M is M·e_b.
        var columns = (0..<t).map { b in (0..<t).map { i in m[i][b] } }
        var vm = (0..<t).map { i in m[i][0] }
        var kj = [Fr](repeating: .zero, count: t)
        var a: [[Fr]] = [], v: [[Fr]] = [], k: [[Fr]] = []
        for j in 0...p.partialRounds {
            var matrix = [Fr](repeating: .zero, count: t * t)
            for b in 0..<t { for i in 0..<t { matrix[i * t + b] = columns[b][i] } }
            a.append(matrix); v.append(vm); k.append(kj)
            if j == p.partialRounds { break }
            columns = columns.map(mz)
            vm = mz(vm)
            let r = half + j
            kj = mz((0..<t).map { kj[$0] + p.roundConstant(round: r, element: $0) })
        }
        self.a = a; self.v = v; self.k = k
    }

    private static let lock = Lock()
    nonisolated(unsafe) private static var cache: [Int: PartialRoundLinearization] = [:]

    /// The linearization for `p`'s width, computed on first use.
    static func of(_ p: PoseidonParameters) -> PartialRoundLinearization {
        lock.lock(); defer { lock.unlock() }
        if let c = cache[p.width] { return c }
        let c = PartialRoundLinearization(p)
        cache[p.width] = c
        return c
    }
}
