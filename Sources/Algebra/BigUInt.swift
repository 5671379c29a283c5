import CGMP

/// An arbitrary-precision non-negative integer backed by a GMP `mpz_t`.
///
/// Used where speed is not the point but exactness is: decimal/hex I/O of snarkjs files,
/// modular powers and inverses at setup, recomputing field constants, and the reference
/// arithmetic the fixed-width fields are tested against. Values are immutable; every
/// operation allocates a fresh GMP integer, freed when the last reference goes away.
/// Not constant-time.
public struct BigUInt: Sendable {
    @usableFromInline final class Storage: @unchecked Sendable {
        var value = __mpz_struct()
        init() { __gmpz_init(&value) }
        deinit { __gmpz_clear(&value) }
    }

    @usableFromInline let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// Builds a value by letting `body` write into a freshly initialised `mpz_t`.
    static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigUInt {
        let s = Storage()
        body(&s.value)
        return BigUInt(storage: s)
    }

    func withMPZ<R>(_ body: (UnsafePointer<__mpz_struct>) -> R) -> R {
        body(&storage.value)
    }

    public init(_ v: UInt64) {
        self = BigUInt.make { __gmpz_set_ui($0, UInt(v)) }
    }

    public init(_ v: Int) {
        precondition(v >= 0, "BigUInt cannot hold a negative value")
        self.init(UInt64(v))
    }

    /// Parses a decimal string (digits only, no sign, no whitespace).
    public init?(decimal: String) {
        guard !decimal.isEmpty, decimal.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let s = Storage()
        guard __gmpz_set_str(&s.value, decimal, 10) == 0 else { return nil }
        self.init(storage: s)
    }

    /// Parses a hexadecimal string, with or without a `0x` prefix.
    public init?(hex: String) {
        var h = Substring(hex)
        if h.hasPrefix("0x") || h.hasPrefix("0X") { h = h.dropFirst(2) }
        guard !h.isEmpty, h.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) else { return nil }
        let s = Storage()
        guard __gmpz_set_str(&s.value, String(h), 16) == 0 else { return nil }
        self.init(storage: s)
    }

    /// Builds a value from little-endian 64-bit limbs.
    public init(limbs: [UInt64]) {
        self = BigUInt.make { z in
            limbs.withUnsafeBufferPointer { buf in
                __gmpz_import(z, buf.count, -1, 8, 0, 0, buf.baseAddress)
            }
        }
    }

    /// Builds a value from big-endian bytes.
    public init<C: Collection>(bigEndianBytes bytes: C) where C.Element == UInt8 {
        let array = Array(bytes)
        self = BigUInt.make { z in
            array.withUnsafeBufferPointer { buf in
                __gmpz_import(z, buf.count, 1, 1, 1, 0, buf.baseAddress)
            }
        }
    }

    public static let zero = BigUInt(0 as UInt64)
    public static let one = BigUInt(1 as UInt64)

    public var isZero: Bool { storage.value._mp_size == 0 }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int { isZero ? 0 : Int(withMPZ { __gmpz_sizeinbase($0, 2) }) }

    public func bit(_ i: Int) -> Bool { withMPZ { __gmpz_tstbit($0, UInt(i)) } != 0 }

    public var isOdd: Bool { bit(0) }

    /// Little-endian 64-bit limbs, padded with zeros to `count`; traps if the value needs more.
    public func limbs(count: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        let needed = (bitWidth + 63) / 64
        precondition(needed <= count, "value does not fit in \(count) limbs")
        out.withUnsafeMutableBufferPointer { buf in
            var written = 0
            _ = withMPZ { __gmpz_export(buf.baseAddress, &written, -1, 8, 0, 0, $0) }
        }
        return out
    }

    /// Big-endian bytes, left-padded to `count`; traps if the value needs more.
    public func bigEndianBytes(count: Int) -> [UInt8] {
        let needed = (bitWidth + 7) / 8
        precondition(needed <= count, "value does not fit in \(count) bytes")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            var written = 0
            _ = withMPZ { __gmpz_export(buf.baseAddress! + (count - needed), &written, 1, 1, 1, 0, $0) }
        }
        return out
    }

    public func toString(radix: Int32 = 10) -> String {
        let size = withMPZ { __gmpz_sizeinbase($0, radix) } + 2
        var buf = [CChar](repeating: 0, count: size)
        _ = withMPZ { __gmpz_get_str(&buf, radix, $0) }
        return String(cString: buf)
    }

    public var hexString: String { "0x" + toString(radix: 16) }

    // MARK: Arithmetic

    public static func + (a: BigUInt, b: BigUInt) -> BigUInt {
        make { z in a.withMPZ { x in b.withMPZ { y in __gmpz_add(z, x, y) } } }
    }

    /// Subtraction; traps when the result would be negative.
    public static func - (a: BigUInt, b: BigUInt) -> BigUInt {
        precondition(a >= b, "BigUInt subtraction underflow")
        return make { z in a.withMPZ { x in b.withMPZ { y in __gmpz_sub(z, x, y) } } }
    }

    public static func * (a: BigUInt, b: BigUInt) -> BigUInt {
        make { z in a.withMPZ { x in b.withMPZ { y in __gmpz_mul(z, x, y) } } }
    }

    /// Floor division and remainder; traps on division by zero.
    public func quotientAndRemainder(dividingBy d: BigUInt) -> (quotient: BigUInt, remainder: BigUInt) {
        precondition(!d.isZero, "BigUInt division by zero")
        let q = Storage(), r = Storage()
        withMPZ { n in d.withMPZ { dd in __gmpz_fdiv_qr(&q.value, &r.value, n, dd) } }
        return (BigUInt(storage: q), BigUInt(storage: r))
    }

    public static func / (a: BigUInt, b: BigUInt) -> BigUInt { a.quotientAndRemainder(dividingBy: b).quotient }
    public static func % (a: BigUInt, b: BigUInt) -> BigUInt { a.quotientAndRemainder(dividingBy: b).remainder }

    public static func << (a: BigUInt, n: Int) -> BigUInt {
        make { z in a.withMPZ { x in __gmpz_mul_2exp(z, x, UInt(n)) } }
    }

    public static func >> (a: BigUInt, n: Int) -> BigUInt {
        make { z in a.withMPZ { x in __gmpz_fdiv_q_2exp(z, x, UInt(n)) } }
    }

    /// `self^exponent mod modulus`.
    public func power(_ exponent: BigUInt, modulus: BigUInt) -> BigUInt {
        precondition(!modulus.isZero, "modulus must be non-zero")
        return BigUInt.make { z in withMPZ { b in exponent.withMPZ { e in modulus.withMPZ { m in __gmpz_powm(z, b, e, m) } } } }
    }

    /// The inverse of `self` modulo `modulus`, or nil when none exists.
    public func inverse(modulus: BigUInt) -> BigUInt? {
        let s = Storage()
        let ok = withMPZ { a in modulus.withMPZ { m in __gmpz_invert(&s.value, a, m) } }
        return ok == 0 ? nil : BigUInt(storage: s)
    }

    /// `(self - b) mod m` for values already below `m`.
    public func subtractingMod(_ b: BigUInt, _ m: BigUInt) -> BigUInt {
        self >= b ? self - b : self + m - b
    }
}

extension BigUInt: Equatable, Comparable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt64) { self.init(value) }
    public static func == (a: BigUInt, b: BigUInt) -> Bool {
        a.withMPZ { x in b.withMPZ { y in __gmpz_cmp(x, y) } } == 0
    }
    public static func < (a: BigUInt, b: BigUInt) -> Bool {
        a.withMPZ { x in b.withMPZ { y in __gmpz_cmp(x, y) } } < 0
    }
    public func hash(into h: inout Hasher) { h.combine(toString(radix: 16)) }
    public var description: String { toString() }
}
