import Algebra

/// A value in the circuit together with what the compiler knows about it: its linear
/// combination, its integer value when proving, and sound static bounds.
public struct Signal: Sendable {
    public var lc: LinearCombination
    /// The integer value (witness mode only; 0 at compile time).
    public var value: Int64
    public var lower: Int64
    public var upper: Int64

    public init(lc: LinearCombination, value: Int64, lower: Int64, upper: Int64) {
        self.lc = lc; self.value = value; self.lower = lower; self.upper = upper
    }

    public static func constant(_ c: Int64) -> Signal {
        Signal(lc: LinearCombination(constant: c), value: c, lower: c, upper: c)
    }
}

/// Bits needed to write every integer in [0, n] (n ≥ 0).
@inlinable func bitLength(_ n: Int64) -> Int { n <= 0 ? 0 : 64 - n.leadingZeroBitCount }

/// The gadgets: each one records its constraints on the builder and computes its wires'
/// values from the integer values it is given. Each is sound on its own: a witness that breaks
/// the gadget's meaning violates one of its constraints (tests check this at the range edges).
public enum Gadgets {
    /// A boolean wire: b·(b − 1) = 0.
    public static func boolean(_ cs: CircuitBuilder, _ bit: Bool) -> Int {
        let w = cs.alloc(value: bit ? .one : .zero)
        cs.enforce(LinearCombination(wire: w), LinearCombination(wire: w) - 1, .zero)
        return w
    }

    /// n fresh boolean wires holding the low n bits of `u`, and their weighted sum Σ bᵢ·2ⁱ.
    public static func bits(_ cs: CircuitBuilder, of u: UInt64, count n: Int) -> (wires: [Int], sum: LinearCombination) {
        precondition(n >= 0 && n <= 62, "bit decomposition of \(n) bits")
        var wires: [Int] = []
        wires.reserveCapacity(n)
        var sum = LinearCombination()
        for i in 0..<n {
            let b = boolean(cs, cs.computesWitness && (u >> UInt64(i)) & 1 == 1)
            wires.append(b)
            sum = sum + LinearCombination(wire: b, coefficient: Fr(UInt64(1) << UInt64(i)))
        }
        return (wires, sum)
    }

    /// Bits b₀…b_{n−1} with Σ bᵢ·2ⁱ = lc + offset; proves 0 ≤ lc + offset < 2ⁿ.
    /// `value + offset` must lie in that range when proving (else the witness fails to verify).
    @discardableResult
    public static func decompose(_ cs: CircuitBuilder, _ lc: LinearCombination, value: Int64, offset: Int64, bits n: Int) -> [Int] {
        let (wires, sum) = bits(cs, of: UInt64(bitPattern: value &+ offset), count: n)
        cs.enforceZero(sum - (lc + offset))
        return wires
    }

    /// Proves lower ≤ s ≤ upper: one decomposition when the range has a power-of-two size,
    /// else two (s − lower ≥ 0 and upper − s ≥ 0, each in the range's bit width).
    public static func rangeCheck(_ cs: CircuitBuilder, _ s: Signal, lower: Int64, upper: Int64) {
        precondition(lower <= upper)
        let span = upper - lower
        let n = bitLength(span)
        decompose(cs, s.lc, value: s.value, offset: -lower, bits: n)
        if span + 1 != (Int64(1) << n) {
            decompose(cs, LinearCombination(constant: upper) - s.lc, value: upper - s.value, offset: 0, bits: n)
        }
    }

    /// The wire s ≥ 0 ? 1 : 0, for |s| < 2^B where B covers s's static bounds; also proves s in
    /// [−2^B, 2^B).
    public static func isNonNegative(_ cs: CircuitBuilder, _ s: Signal) -> Int {
        let b = max(bitLength(s.upper), bitLength(-s.lower - 1), 1)
        let bits = decompose(cs, s.lc, value: s.value, offset: Int64(1) << b, bits: b + 1)
        return bits[b]
    }

    /// max(s, 0): the sign bit times s, one product constraint beyond the sign decomposition.
    public static func relu(_ cs: CircuitBuilder, _ s: Signal) -> Signal {
        if s.lower >= 0 { return s }
        if s.upper <= 0 { return .constant(0) }
        let sign = isNonNegative(cs, s)
        let v = max(s.value, 0)
        let y = cs.alloc(signed: v)
        cs.enforce(LinearCombination(wire: sign), s.lc, LinearCombination(wire: y))
        return Signal(lc: LinearCombination(wire: y), value: v, lower: 0, upper: s.upper)
    }

    /// max(a, b) = b + relu(a − b).
    public static func max2(_ cs: CircuitBuilder, _ a: Signal, _ b: Signal) -> Signal {
        if a.lower >= b.upper { return a }
        if b.lower >= a.upper { return b }
        let d = relu(cs, Signal(lc: a.lc - b.lc, value: a.value - b.value, lower: a.lower - b.upper, upper: a.upper - b.lower))
        return Signal(lc: b.lc + d.lc, value: Swift.max(a.value, b.value),
                      lower: Swift.max(a.lower, b.lower), upper: Swift.max(a.upper, b.upper))
    }

    /// clamp(s, lo, hi) = hi − relu(hi − (lo + relu(s − lo))), each relu only where the static
    /// bounds say it can bite. `proveRange` adds a range check when neither side bites, so
    /// that s itself is always bounded (needed where s is a free quotient wire).
    public static func clamp(_ cs: CircuitBuilder, _ s: Signal, lower lo: Int64, upper hi: Int64, proveRange: Bool) -> Signal {
        precondition(lo <= hi)
        let span = hi - lo
        if s.lower < lo, s.upper > hi, span < Int64(1) << 40, (span + 1) & span == 0 {
            return clampToPowerOfTwoRange(cs, s, lower: lo, j: bitLength(span))
        }
        var x = s
        var bounded = false
        if x.lower < lo {
            let shifted = relu(cs, Signal(lc: x.lc - lo, value: x.value - lo, lower: x.lower - lo, upper: x.upper - lo))
            x = Signal(lc: shifted.lc + lo, value: shifted.value + lo, lower: lo, upper: Swift.max(x.upper, lo))
            bounded = true
        }
        if x.upper > hi {
            let gap = relu(cs, Signal(lc: LinearCombination(constant: hi) - x.lc, value: hi - x.value,
                                      lower: hi - x.upper, upper: hi - x.lower))
            x = Signal(lc: LinearCombination(constant: hi) - gap.lc, value: hi - gap.value,
                       lower: Swift.min(x.lower, hi), upper: hi)
            bounded = true
        }
        if !bounded && proveRange { rangeCheck(cs, s, lower: s.lower, upper: s.upper) }
        return x
    }

    /// clamp(s, lo, lo + 2^j − 1) where both sides can bite, from one bit decomposition (the
    /// ReLU-and-saturate after most requantizations): v = s − lo + 2^n in n + 1 bits (which also
    /// range-checks s); s ≥ lo is the top bit b_n; s − lo ≥ 2^j is "some bit j…n−1 is set",
    /// a product chain over those bits' complements; the result is
    /// lo + (b_n − over)·Σ_{i<j} bᵢ2ⁱ + over·(2^j − 1). About 2n − j + 3 constraints instead of
    /// two sign decompositions of n bits each.
    static func clampToPowerOfTwoRange(_ cs: CircuitBuilder, _ s: Signal, lower lo: Int64, j: Int) -> Signal {
        let span = (Int64(1) << j) - 1
        let n = max(bitLength(s.upper - lo), bitLength(lo - s.lower - 1))
        precondition(n > j && n <= 61)
        let u = s.value - lo
        let bitsOfV = decompose(cs, s.lc - lo, value: u, offset: Int64(1) << n, bits: n + 1)
        let sign = bitsOfV[n]
        // none = Π_{i=j}^{n−1} (1 − bᵢ) over v's bits: 1 exactly when s − lo < 2^j (given s ≥ lo).
        let v = u + (Int64(1) << n)
        func bit(_ i: Int) -> Bool { (v >> Int64(i)) & 1 == 1 }
        var none = LinearCombination(constant: 1) - LinearCombination(wire: bitsOfV[j])
        var noneValue = !bit(j)
        for i in (j + 1)..<n {
            let next = noneValue && !bit(i)
            let w = cs.alloc(value: next ? .one : .zero)
            cs.enforce(none, LinearCombination(constant: 1) - LinearCombination(wire: bitsOfV[i]), LinearCombination(wire: w))
            none = LinearCombination(wire: w)
            noneValue = next
        }
        let nonNegative = bit(n)
        let overValue = nonNegative && !noneValue
        let over = cs.alloc(value: overValue ? .one : .zero)
        cs.enforce(LinearCombination(wire: sign), LinearCombination(constant: 1) - none, LinearCombination(wire: over))
        var lowLC = LinearCombination()
        for i in 0..<j { lowLC = lowLC + LinearCombination(wire: bitsOfV[i], coefficient: Fr(UInt64(1) << UInt64(i))) }
        let pv = nonNegative && noneValue ? v & span : 0
        let p = cs.alloc(signed: pv)
        cs.enforce(LinearCombination(wire: sign) - LinearCombination(wire: over), lowLC, LinearCombination(wire: p))
        let y = lo + pv + (overValue ? span : 0)
        return Signal(lc: LinearCombination(wire: p) + LinearCombination(wire: over, coefficient: Fr(signed: span)) + lo,
                      value: y, lower: lo, upper: lo + span)
    }

    /// q = ⌊num / 2^k⌋ with remainder r ∈ [0, 2^k): allocates q, decomposes r into k bits and
    /// enforces num = q·2^k + r. q is NOT range-checked here; the caller bounds it (clamp does),
    /// which makes q unique.
    public static func shiftRight(_ cs: CircuitBuilder, _ num: Signal, shift k: Int) -> Signal {
        precondition(k >= 1 && k <= 62)
        let q = num.value >> Int64(k)          // arithmetic shift = floor division by 2^k
        let r = num.value - (q << Int64(k))
        let qw = cs.alloc(signed: q)
        let rlc = bits(cs, of: UInt64(r), count: k).sum
        let pow = Fr(UInt64(1) << UInt64(k))
        cs.enforceZero(num.lc - LinearCombination(wire: qw, coefficient: pow) - rlc)
        return Signal(lc: LinearCombination(wire: qw), value: q,
                      lower: num.lower >> Int64(k), upper: num.upper >> Int64(k))
    }

    /// y = ⌊num / d⌋ for a constant d ≥ 2 with remainder r ∈ [0, d) (range-checked), y range-checked
    /// in [yLower, yUpper] so that it is unique.
    public static func divide(_ cs: CircuitBuilder, _ num: Signal, by d: Int64, yLower: Int64, yUpper: Int64) -> Signal {
        precondition(d >= 2)
        let y = floorDiv(num.value, d)
        let r = num.value - y * d
        let yw = cs.alloc(signed: y)
        let rw = cs.alloc(signed: r)
        let ys = Signal(lc: LinearCombination(wire: yw), value: y, lower: yLower, upper: yUpper)
        rangeCheck(cs, Signal(lc: LinearCombination(wire: rw), value: r, lower: 0, upper: d - 1), lower: 0, upper: d - 1)
        rangeCheck(cs, ys, lower: yLower, upper: yUpper)
        cs.enforceZero(num.lc - LinearCombination(wire: yw, coefficient: Fr(signed: d)) - LinearCombination(wire: rw))
        return ys
    }
}

/// ⌊a / b⌋ for b > 0.
@inlinable func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && a < 0) ? q - 1 : q
}
