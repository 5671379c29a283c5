/// The operations the extension tower, the curves and the pairing need from a field.
///
/// Generic code over this protocol is specialised by the compiler; the hot paths of the
/// conforming types are `@inlinable` so that specialisation reaches them across modules.
public protocol FieldElement: Equatable, Hashable, Sendable, CustomStringConvertible {
    static var zero: Self { get }
    static var one: Self { get }
    var isZero: Bool { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    func squared() -> Self
    func doubled() -> Self
    /// The multiplicative inverse, or nil for zero.
    func inverse() -> Self?

    /// The field whose inversions a batch inversion shares: Self, or for an extension field
    /// its base field, through the norm (x⁻¹ = x̄·N(x)⁻¹), which is cheaper to multiply in.
    associatedtype InversionBase: FieldElement = Self
    /// An element of InversionBase that is zero exactly when self is and whose inverse gives
    /// self's inverse through `inverse(givenNormInverse:)`.
    var inversionNorm: InversionBase { get }
    /// self⁻¹ from the inverse of `inversionNorm`.
    func inverse(givenNormInverse n: InversionBase) -> Self
}

extension FieldElement where InversionBase == Self {
    @inlinable @inline(__always) public var inversionNorm: Self { self }
    @inlinable @inline(__always) public func inverse(givenNormInverse n: Self) -> Self { n }
}

extension FieldElement {
    @inlinable public static func += (a: inout Self, b: Self) { a = a + b }
    @inlinable public static func -= (a: inout Self, b: Self) { a = a - b }
    @inlinable public static func *= (a: inout Self, b: Self) { a = a * b }

    /// `self^e` for an exponent given as little-endian 64-bit limbs (square and multiply).
    @inlinable public func power(limbs e: [UInt64]) -> Self {
        var result = Self.one
        var i = e.count * 64 - 1
        while i >= 0 {
            result = result.squared()
            if (e[i >> 6] >> UInt64(i & 63)) & 1 == 1 { result = result * self }
            i -= 1
        }
        return result
    }

    @inlinable public func power(_ e: UInt64) -> Self { power(limbs: [e]) }

    @inlinable public func power(_ e: BigUInt) -> Self { power(limbs: e.limbs(count: max(1, (e.bitWidth + 63) / 64))) }

    /// Inverts every non-zero element with one inversion (Montgomery's trick); zeros stay zero.
    @inlinable public static func batchInverse(_ values: inout [Self]) {
        var prefix = [Self](); prefix.reserveCapacity(values.count)
        var acc = Self.one
        for v in values { prefix.append(acc); if !v.isZero { acc = acc * v } }
        guard var inv = acc.inverse() else { return }
        for i in stride(from: values.count - 1, through: 0, by: -1) where !values[i].isZero {
            let v = values[i]
            values[i] = inv * prefix[i]
            inv = inv * v
        }
    }
}
