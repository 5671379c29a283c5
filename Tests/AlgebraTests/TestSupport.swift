import Foundation
import XCTest
@_exported import TestSupport
import Algebra


/// The repository root, found from this file's path (tests read `vectors/`).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func loadJSON(_ relative: String) throws -> Any {
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(relative))
    return try JSONSerialization.jsonObject(with: data)
}

func fq(_ s: Any?) -> Fq { Fq(decimal: s as! String)! }
func fr(_ s: Any?) -> Fr { Fr(decimal: s as! String)! }
func fq2(_ a: Any?) -> Fq2 { let l = a as! [String]; return Fq2(Fq(decimal: l[0])!, Fq(decimal: l[1])!) }
func g1(_ a: Any?) -> G1Affine {
    guard let l = a as? [String] else { return .infinity }
    return G1Affine(x: Fq(decimal: l[0])!, y: Fq(decimal: l[1])!)
}
func g2(_ a: Any?) -> G2Affine {
    guard let l = a as? [[String]] else { return .infinity }
    return G2Affine(x: fq2(l[0]), y: fq2(l[1]))
}
func fq12(_ a: Any?) -> Fq12 { Fq12(coordinates: (a as! [String]).map { Fq(decimal: $0)! }) }

/// Values at the edges: 0, 1, 2, p−1, p−2, limb boundaries, (p−1)/2.
func edgeValues(modulus p: BigUInt) -> [BigUInt] {
    let two64 = BigUInt(1) << 64
    return [0, 1, 2, p - 1, p - 2, two64 - 1, two64, two64 + 1, (BigUInt(1) << 128) - 1, BigUInt(1) << 128,
            (BigUInt(1) << 192) - 1, BigUInt(1) << 192, (BigUInt(1) << 253), (p - 1) >> 1, (p + 1) >> 1]
        .map { $0 % p }
}
