/// Fq6 = Fq2[v]/(v³ − ξ), ξ = 9 + u; element b0 + b1·v + b2·v².
@frozen
public struct Fq6: FieldElement {
    public var b0: Fq2, b1: Fq2, b2: Fq2

    @inlinable @inline(__always)
    public init(_ b0: Fq2, _ b1: Fq2, _ b2: Fq2) { self.b0 = b0; self.b1 = b1; self.b2 = b2 }

    @inlinable public static var zero: Fq6 { Fq6(.zero, .zero, .zero) }
    @inlinable public static var one: Fq6 { Fq6(.one, .zero, .zero) }
    @inlinable public var isZero: Bool { b0.isZero && b1.isZero && b2.isZero }
    public var description: String { "[\(b0), \(b1), \(b2)]" }

    @inlinable @inline(__always)
    public static func + (a: Fq6, b: Fq6) -> Fq6 { Fq6(a.b0 + b.b0, a.b1 + b.b1, a.b2 + b.b2) }
    @inlinable @inline(__always)
    public static func - (a: Fq6, b: Fq6) -> Fq6 { Fq6(a.b0 - b.b0, a.b1 - b.b1, a.b2 - b.b2) }
    @inlinable @inline(__always)
    public static prefix func - (a: Fq6) -> Fq6 { Fq6(-a.b0, -a.b1, -a.b2) }
    @inlinable @inline(__always)
    public func doubled() -> Fq6 { Fq6(b0.doubled(), b1.doubled(), b2.doubled()) }

    /// Karatsuba-style: six Fq2 multiplications.
    @inlinable
    public static func * (a: Fq6, b: Fq6) -> Fq6 {
        let t0 = a.b0 * b.b0, t1 = a.b1 * b.b1, t2 = a.b2 * b.b2
        let c0 = t0 + ((a.b1 + a.b2) * (b.b1 + b.b2) - t1 - t2).mulByNonResidue()
        let c1 = (a.b0 + a.b1) * (b.b0 + b.b1) - t0 - t1 + t2.mulByNonResidue()
        let c2 = (a.b0 + a.b2) * (b.b0 + b.b2) - t0 - t2 + t1
        return Fq6(c0, c1, c2)
    }

    @inlinable public func squared() -> Fq6 { self * self }

    /// Multiplication by v: (b0, b1, b2) ↦ (ξ·b2, b0, b1).
    @inlinable @inline(__always)
    public func mulByV() -> Fq6 { Fq6(b2.mulByNonResidue(), b0, b1) }

    @inlinable @inline(__always)
    public func scaled(by s: Fq2) -> Fq6 { Fq6(b0 * s, b1 * s, b2 * s) }

    /// Multiplication by the sparse element x + y·v.
    @inlinable @inline(__always)
    public func mulBy01(_ x: Fq2, _ y: Fq2) -> Fq6 {
        let t0 = b0 * x, t1 = b1 * y
        let c0 = t0 + ((b1 + b2) * y - t1).mulByNonResidue()
        let c1 = (b0 + b1) * (x + y) - t0 - t1
        let c2 = b2 * x + t1
        return Fq6(c0, c1, c2)
    }

    public func inverse() -> Fq6? {
        let a = b0.squared() - (b1 * b2).mulByNonResidue()
        let b = b2.squared().mulByNonResidue() - b0 * b1
        let c = b1.squared() - b0 * b2
        let f = b0 * a + (b2 * b + b1 * c).mulByNonResidue()
        guard let fi = f.inverse() else { return nil }
        return Fq6(a * fi, b * fi, c * fi)
    }

    public static func random<G: RandomNumberGenerator>(using g: inout G) -> Fq6 {
        Fq6(.random(using: &g), .random(using: &g), .random(using: &g))
    }
}
