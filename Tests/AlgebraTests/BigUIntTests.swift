import XCTest
import Algebra

final class BigUIntTests: XCTestCase {
    func testDecimalAndHexRoundTrip() {
        let s = "21888242871839275222246405745257275088696311157297823662689037894645226208583"
        let b = BigUInt(decimal: s)!
        XCTAssertEqual(b.description, s)
        XCTAssertEqual(BigUInt(hex: b.hexString), b)
        XCTAssertEqual(b.hexString, "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47")
    }

    func testRejectsMalformedNumbers() {
        for bad in ["", "-1", "12a", " 1", "1.0", "+3"] { XCTAssertNil(BigUInt(decimal: bad), bad) }
        for bad in ["", "0x", "xyz", "0x-1"] { XCTAssertNil(BigUInt(hex: bad), bad) }
    }

    func testArithmetic() {
        let a = BigUInt(decimal: "123456789012345678901234567890")!
        let b = BigUInt(decimal: "987654321098765432109876543210")!
        XCTAssertEqual((a + b).description, "1111111110111111111011111111100")
        XCTAssertEqual((b - a).description, "864197532086419753208641975320")
        XCTAssertEqual((a * b).description, "121932631137021795226185032733622923332237463801111263526900")
        let (q, r) = b.quotientAndRemainder(dividingBy: a)
        XCTAssertEqual(q * a + r, b)
        XCTAssertLessThan(r, a)
        XCTAssertEqual((BigUInt(1) << 100) >> 99, BigUInt(2))
    }

    func testModularPowerAndInverse() {
        let p = Fq.modulus
        let a = BigUInt(decimal: "1234567890123456789")!
        let inv = a.inverse(modulus: p)!
        XCTAssertEqual(a * inv % p, 1)
        XCTAssertEqual(a.power(p - 2, modulus: p), inv)  // Fermat
        XCTAssertNil(BigUInt(6).inverse(modulus: BigUInt(9)))
    }

    func testLimbsAndBytes() {
        let v = BigUInt(limbs: [1, 2, 3])
        XCTAssertEqual(v.limbs(count: 4), [1, 2, 3, 0])
        let bytes = v.bigEndianBytes(count: 32)
        XCTAssertEqual(BigUInt(bigEndianBytes: bytes), v)
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(BigUInt.zero.bitWidth, 0)
        XCTAssertEqual(BigUInt(255).bitWidth, 8)
    }
}
