import Algebra
import Verifier
import XCTest

/// The 256-byte Ethereum calldata layout of a proof: A ‖ B (EIP-197 order) ‖ C.
final class ProofCalldataTests: XCTestCase {
    func sampleProof() -> Proof {
        Proof(a: (G1.generator * Fr(3)).affine, b: (G2.generator * Fr(5)).affine, c: (G1.generator * Fr(7)).affine)
    }

    func testRoundTripAndLayout() throws {
        let p = sampleProof()
        let d = p.ethereumCalldata
        XCTAssertEqual(d.count, 256)
        XCTAssertEqual(try Proof(ethereumCalldata: d), p)
        // B's x.c1 comes first (imaginary part first, as the precompile expects).
        XCTAssertEqual(Array(d[64..<96]), p.b.x.c1.bigEndianBytes)
        XCTAssertEqual(Array(d[96..<128]), p.b.x.c0.bigEndianBytes)
    }

    func testRejectsBadCalldata() {
        let d = sampleProof().ethereumCalldata
        XCTAssertThrowsError(try Proof(ethereumCalldata: Array(d.prefix(255))))
        XCTAssertThrowsError(try Proof(ethereumCalldata: d + [0]))
        var offCurve = d; offCurve[63] ^= 1            // A.y
        XCTAssertThrowsError(try Proof(ethereumCalldata: offCurve)) { e in
            XCTAssertEqual((e as? EncodingError)?.kind, .notOnCurve)
        }
        var swapped = d                                 // B with c0/c1 in snarkjs order instead
        swapped.replaceSubrange(64..<192, with: sampleProof().b.uncompressedBytes)
        XCTAssertThrowsError(try Proof(ethereumCalldata: swapped))
        var nonCanonical = d
        nonCanonical.replaceSubrange(192..<224, with: Fq.modulus.bigEndianBytes(count: 32))
        XCTAssertThrowsError(try Proof(ethereumCalldata: nonCanonical)) { e in
            XCTAssertEqual((e as? EncodingError)?.kind, .nonCanonical)
        }
    }
}
