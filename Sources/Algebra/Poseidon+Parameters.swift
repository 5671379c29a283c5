/// The constants of one Poseidon width over BN254 Fr (x⁵ S-box, R_F = 8, circomlib's R_P),
/// derived in code exactly as the Poseidon paper's reference generator
/// (`generate_parameters_grain`, arguments `1 0 254 t 8 R_P p`) derives them, which is where
/// circomlib's and circomlibjs' constants come from:
///
/// 1. A Grain LFSR in self-shrinking mode is seeded with 80 bits: the field type (2 bits, 1 =
///    GF(p)), the S-box (4 bits, 0 = x^α), n = 254 (12 bits), t (12 bits), R_F (10 bits),
///    R_P (10 bits), then 30 ones, most significant bit first; it runs 160 steps unused. Each
///    step appends b₆₂ ⊕ b₅₁ ⊕ b₃₈ ⊕ b₂₃ ⊕ b₁₃ ⊕ b₀. Output bits come from pairs of steps:
///    the second bit of a pair is output when the first is 1, else the pair is dropped.
/// 2. Round constants: (R_F + R_P)·t integers of 254 output bits each (first bit most
///    significant); an integer ≥ p is dropped and the next one taken.
/// 3. MDS matrix, from the same stream: 2t integers of 254 bits reduced mod p, drawn again
///    while two are equal or some xᵢ + yⱼ = 0; with x = the first t and y = the last t,
///    `mds[i][j] = 1/(xᵢ + yⱼ)` (a Cauchy matrix).
///
/// The reference generator also re-draws the matrix when it fails its invariant-subspace
/// tests (its algorithms 1–3); for every circomlib width the first matrix drawn passes, so
/// those tests are not repeated here: the known-answer vectors and the test comparing `mds`
/// with circomlib's matrices pin the result.
///
/// Orientation: the linear layer is `new[i] = Σⱼ mds[i][j]·state[j]`. circomlib stores the
/// transpose (its `M`, applied as `out[i] = Σⱼ M[j][i]·in[j]`), so `mds[i][j] == M[j][i]`.
///
/// Besides the constants as the paper writes them, each instance keeps the equivalent form
/// that `Poseidon.hash` runs (as circomlibjs' optimised Poseidon does): partial-round
/// constants folded into one scalar per round, and the MDS matrix of the partial rounds
/// factored into one dense matrix before them and a sparse matrix (first row, first column,
/// identity) per partial round; the derivation is in `init(derivingWidth:)`.
public final class PoseidonParameters: @unchecked Sendable {
    // @unchecked: immutable after init; `fast` is written only by the initialiser.

    /// The state width t (number of inputs + 1).
    public let width: Int
    /// R_F (8): half of them before the partial rounds, half after.
    public let fullRounds: Int
    /// R_P.
    public let partialRounds: Int
    /// (R_F + R_P)·t round constants, round-major: round r adds `roundConstants[r·t + i]`
    /// to element i (in every round, full or partial), before the S-box.
    public let roundConstants: [Fr]
    /// The t×t MDS matrix: `new[i] = Σⱼ mds[i][j]·state[j]` (circomlib's `M` transposed).
    public let mds: [[Fr]]

    /// The fast form, in one allocation (see `Layout`).
    let fast: UnsafeMutablePointer<Fr>
    let layout: Layout

    /// Offsets into `fast`.
    struct Layout {
        /// t×t row-major MDS matrix.
        let mds: Int
        /// t×t row-major matrix applied after the last full round before the partial rounds.
        let preSparse: Int
        /// R_F·t constants of the full rounds (the first of the second half adjusted).
        let fullConstants: Int
        /// R_P scalars, added to element 0 before its S-box.
        let partialConstants: Int
        /// R_P·t: row 0 of each partial round's sparse matrix.
        let sparseRows: Int
        /// R_P·(t − 1): column 0 (below the diagonal) of each partial round's sparse matrix.
        let sparseColumns: Int
        let count: Int

        init(t: Int, rf: Int, rp: Int) {
            mds = 0
            preSparse = t * t
            fullConstants = 2 * t * t
            partialConstants = fullConstants + rf * t
            sparseRows = partialConstants + rp
            sparseColumns = sparseRows + rp * t
            count = sparseColumns + rp * (t - 1)
        }
    }

    /// Derives the constants of width `t` (2…17). Takes a few milliseconds; use
    /// `Poseidon.parameters(width:)`, which caches them.
    init(derivingWidth t: Int) {
        precondition(Poseidon.widths.contains(t), "Poseidon width \(t) outside 2...17")
        let rf = Poseidon.fullRounds
        let rp = Poseidon.partialRoundsByWidth[t - 2]
        width = t
        fullRounds = rf
        partialRounds = rp

        var grain = PoseidonGrainLFSR(fieldBits: 254, width: t, fullRounds: rf, partialRounds: rp)
        let rounds = rf + rp
        var rc = [Fr](); rc.reserveCapacity(rounds * t)
        while rc.count < rounds * t {
            if let c = Fr(checkedLimbs: grain.nextInteger()) { rc.append(c) }
        }
        roundConstants = rc
        let m = PoseidonParameters.cauchyMatrix(t: t, grain: &grain)
        mds = m

        // Fast form. Constants: in a partial round only element 0 goes through the S-box, so
        // the constants of elements 1…t−1 can be added after it instead, and pushed through
        // the linear layer into the next round's constants: round r then adds one scalar,
        // and the first full round after the partial rounds takes what is left.
        let half = rf / 2
        let first = half, end = half + rp
        var acc = Array(rc[(first * t)..<((first + 1) * t)])
        var partialConstants = [Fr](); partialConstants.reserveCapacity(rp)
        for r in first..<end {
            partialConstants.append(acc[0])
            var next = Array(rc[((r + 1) * t)..<((r + 2) * t)])
            for i in 0..<t {
                var s = Fr.zero
                for j in 1..<t { s += m[i][j] * acc[j] }
                next[i] += s
            }
            acc = next
        }
        var fullConstants = Array(rc[0..<(half * t)])
        fullConstants += acc
        fullConstants += rc[((end + 1) * t)..<(rounds * t)]

        // Matrices, from the last partial round back: write the matrix B that follows round
        // j's S-box as B = S·D with D = diag(1, B̂) (B̂ = B without row and column 0) and S
        // sparse = [[B₀₀, vᵀ], [w, I]], w = B[1…][0], vᵀ = B[0][1…]·B̂⁻¹. D leaves element 0
        // alone, so it commutes with the partial S-box and moves before it, where it joins
        // the previous round's MDS: B ← D·M. What is left before the first partial round is
        // the dense "pre-sparse" matrix applied after the last full round of the first half.
        var sparseRows = [[Fr]](repeating: [], count: rp)
        var sparseColumns = [[Fr]](repeating: [], count: rp)
        var b = m
        for j in stride(from: rp - 1, through: 0, by: -1) {
            let hat = (1..<t).map { i in Array(b[i][1...]) }
            let hatTransposed = (0..<(t - 1)).map { c in (0..<(t - 1)).map { r in hat[r][c] } }
            guard let v = PoseidonParameters.solve(hatTransposed, Array(b[0][1...])) else {
                preconditionFailure("Poseidon: singular MDS sub-matrix at width \(t)")
            }
            sparseRows[j] = [b[0][0]] + v
            sparseColumns[j] = (1..<t).map { b[$0][0] }
            var next = m
            for i in 1..<t {
                for k in 0..<t {
                    var s = Fr.zero
                    for l in 1..<t { s += hat[i - 1][l - 1] * m[l][k] }
                    next[i][k] = s
                }
            }
            b = next
        }

        let lay = Layout(t: t, rf: rf, rp: rp)
        layout = lay
        fast = UnsafeMutablePointer<Fr>.allocate(capacity: lay.count)
        fast.initialize(repeating: .zero, count: lay.count)
        for i in 0..<t {
            for j in 0..<t {
                fast[lay.mds + i * t + j] = m[i][j]
                fast[lay.preSparse + i * t + j] = b[i][j]
            }
        }
        for (k, c) in fullConstants.enumerated() { fast[lay.fullConstants + k] = c }
        for (k, c) in partialConstants.enumerated() { fast[lay.partialConstants + k] = c }
        for r in 0..<rp {
            for (k, c) in sparseRows[r].enumerated() { fast[lay.sparseRows + r * t + k] = c }
            for (k, c) in sparseColumns[r].enumerated() { fast[lay.sparseColumns + r * (t - 1) + k] = c }
        }
    }

    deinit { fast.deallocate() }

    /// The constant that round `round` adds to element `element`.
    public func roundConstant(round: Int, element: Int) -> Fr {
        roundConstants[round * width + element]
    }

    /// True when round `round` (0 ≤ round < R_F + R_P) applies the S-box to every element.
    public func isFullRound(_ round: Int) -> Bool {
        round < fullRounds / 2 || round >= fullRounds / 2 + partialRounds
    }

    /// Applies the permutation in place. Precondition: `state.count == width`.
    public func permute(_ state: inout [Fr]) {
        precondition(state.count == width, "Poseidon width \(width) permutation given \(state.count) elements")
        let t = width
        state.withUnsafeMutableBufferPointer { s in
            withUnsafeTemporaryAllocation(of: Fr.self, capacity: t) { tmp in
                tmp.initialize(repeating: .zero)
                permuteFast(s.baseAddress!, scratch: tmp.baseAddress!)
            }
        }
    }

    /// The permutation round by round from `roundConstants` and `mds`, as the paper writes
    /// it: slow and obviously correct. Precondition: `state.count == width`.
    public func permuteReference(_ state: inout [Fr]) {
        precondition(state.count == width, "Poseidon width \(width) permutation given \(state.count) elements")
        let t = width
        for r in 0..<(fullRounds + partialRounds) {
            for i in 0..<t { state[i] += roundConstants[r * t + i] }
            for i in 0..<(isFullRound(r) ? t : 1) { state[i] = state[i].power(UInt64(5)) }
            state = (0..<t).map { i in
                (0..<t).reduce(Fr.zero) { acc, j in acc + mds[i][j] * state[j] }
            }
        }
    }

    /// x⁵.
    @inline(__always)
    static func sbox(_ x: Fr) -> Fr {
        let x2 = x * x
        return x * (x2 * x2)
    }

    /// The fast permutation on `width` elements at `s`, with `width` elements of scratch.
    func permuteFast(_ s: UnsafeMutablePointer<Fr>, scratch tmp: UnsafeMutablePointer<Fr>) {
        let t = width, half = fullRounds / 2, rp = partialRounds
        let mdsM = UnsafePointer(fast + layout.mds)
        let pre = UnsafePointer(fast + layout.preSparse)
        let fc = UnsafePointer(fast + layout.fullConstants)
        let pc = UnsafePointer(fast + layout.partialConstants)
        let rows = UnsafePointer(fast + layout.sparseRows)
        let cols = UnsafePointer(fast + layout.sparseColumns)

        @inline(__always) func full(_ constants: UnsafePointer<Fr>, _ matrix: UnsafePointer<Fr>) {
            for i in 0..<t { s[i] = PoseidonParameters.sbox(s[i] + constants[i]) }
            for i in 0..<t {
                let row = matrix + i * t
                var acc = row[0] * s[0]
                for j in 1..<t { acc += row[j] * s[j] }
                tmp[i] = acc
            }
            s.update(from: tmp, count: t)
        }

        for r in 0..<half { full(fc + r * t, r == half - 1 ? pre : mdsM) }
        for r in 0..<rp {
            let x = PoseidonParameters.sbox(s[0] + pc[r])
            let row = rows + r * t, col = cols + r * (t - 1)
            var acc = row[0] * x
            for j in 1..<t { acc += row[j] * s[j] }
            for i in 1..<t { s[i] += col[i - 1] * x }
            s[0] = acc
        }
        for r in half..<fullRounds { full(fc + r * t, mdsM) }
    }

    /// The Cauchy MDS matrix drawn from the LFSR stream (step 3 of the derivation).
    static func cauchyMatrix(t: Int, grain: inout PoseidonGrainLFSR) -> [[Fr]] {
        while true {
            let values = (0..<(2 * t)).map { _ -> Fr in
                let l = grain.nextInteger()
                return Fr(reducing: BigUInt(limbs: [l.0, l.1, l.2, l.3]))
            }
            if Set(values).count != 2 * t { continue }
            let xs = values[0..<t], ys = values[t..<(2 * t)]
            var sums = [Fr](); sums.reserveCapacity(t * t)
            for x in xs { for y in ys { sums.append(x + y) } }
            if sums.contains(where: { $0.isZero }) { continue }
            Fr.batchInverse(&sums)
            return (0..<t).map { i in Array(sums[(i * t)..<((i + 1) * t)]) }
        }
    }

    /// Solves a·x = rhs by Gaussian elimination; nil when a is singular.
    static func solve(_ a: [[Fr]], _ rhs: [Fr]) -> [Fr]? {
        let n = rhs.count
        var m = a, y = rhs
        for c in 0..<n {
            guard let p = (c..<n).first(where: { !m[$0][c].isZero }) else { return nil }
            if p != c { m.swapAt(p, c); y.swapAt(p, c) }
            let inv = m[c][c].inverse()!
            for k in c..<n { m[c][k] *= inv }
            y[c] *= inv
            for r in 0..<n where r != c && !m[r][c].isZero {
                let f = m[r][c]
                for k in c..<n { m[r][k] -= f * m[c][k] }
                y[r] -= f * y[c]
            }
        }
        return y
    }
}

/// The Grain LFSR of the Poseidon paper's parameter generator, in self-shrinking mode; the
/// 80-bit state is b₀…b₆₃ in `low` (bit k = bₖ) and b₆₄…b₇₉ in bits 0…15 of `high`.
struct PoseidonGrainLFSR {
    var low: UInt64 = 0
    var high: UInt64 = 0

    init(fieldBits: Int, width: Int, fullRounds: Int, partialRounds: Int) {
        var bits = [UInt64]()
        func push(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append(UInt64((value >> i) & 1)) }
        }
        push(1, 2)  // field: GF(p)
        push(0, 4)  // S-box: x^α
        push(fieldBits, 12)
        push(width, 12)
        push(fullRounds, 10)
        push(partialRounds, 10)
        bits += repeatElement(1, count: 30)
        for (k, b) in bits.enumerated() {
            if k < 64 { low |= b << UInt64(k) } else { high |= b << UInt64(k - 64) }
        }
        for _ in 0..<160 { _ = step() }
    }

    /// One LFSR step: shifts in b₆₂ ⊕ b₅₁ ⊕ b₃₈ ⊕ b₂₃ ⊕ b₁₃ ⊕ b₀ and returns it.
    mutating func step() -> UInt64 {
        let b = ((low >> 62) ^ (low >> 51) ^ (low >> 38) ^ (low >> 23) ^ (low >> 13) ^ low) & 1
        low = (low >> 1) | (high << 63)
        high = (high >> 1) | (b << 15)
        return b
    }

    /// The next output bit of the self-shrinking generator.
    mutating func nextBit() -> UInt64 {
        while true {
            let keep = step(), bit = step()
            if keep == 1 { return bit }
        }
    }

    /// The next 254 output bits as an integer, first bit most significant, little-endian limbs.
    mutating func nextInteger() -> (UInt64, UInt64, UInt64, UInt64) {
        var l: [UInt64] = [0, 0, 0, 0]
        for position in stride(from: 253, through: 0, by: -1) {
            l[position >> 6] |= nextBit() << UInt64(position & 63)
        }
        return (l[0], l[1], l[2], l[3])
    }
}
