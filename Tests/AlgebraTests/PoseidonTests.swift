import Dispatch
import XCTest
import Algebra

/// Poseidon against circomlib: known-answer vectors from vectors/gen_poseidon_vectors.py
/// (light-poseidon and circomlib's published constants), the published Poseidon([1, 2]), the
/// derived constants against circomlib's, the fast permutation against the textbook one, and
/// the sponge's convention.
final class PoseidonTests: XCTestCase {
    static let vectors: [String: Any] = try! loadJSON("vectors/poseidon_vectors.json") as! [String: Any]

    func testPublishedValue() throws {
        let expected = BigUInt(hex: "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")!
        XCTAssertEqual(try Poseidon.hash([Fr(1), Fr(2)]).bigUInt, expected)
        XCTAssertEqual(Poseidon.hash(Fr(1), Fr(2)).bigUInt, expected)
        let published = Self.vectors["published"] as! [String: Any]
        XCTAssertEqual(try Poseidon.hash((published["inputs"] as! [String]).map { fr($0) }), fr(published["output"]))
    }

    func testKnownAnswerVectors() throws {
        let hashes = Self.vectors["hashes"] as! [[String: Any]]
        XCTAssertEqual(hashes.count, 96)
        var seen = Set<Int>()
        for v in hashes {
            let name = v["name"] as! String
            let inputs = (v["inputs"] as! [String]).map { fr($0) }
            let output = fr(v["output"])
            seen.insert(inputs.count)
            XCTAssertEqual(try Poseidon.hash(inputs), output, name)
            var state = [Fr.zero] + inputs
            try Poseidon.permute(&state)
            XCTAssertEqual(state[0], output, "permute \(name)")
            var reference = [Fr.zero] + inputs
            try Poseidon.permuteReference(&reference)
            XCTAssertEqual(reference, state, "reference permutation \(name)")
            if inputs.count == 2 { XCTAssertEqual(Poseidon.hash(inputs[0], inputs[1]), output, name) }
        }
        XCTAssertEqual(seen, Set(1...16))
    }

    /// The derived constants are circomlib's: the first round's constants (unchanged in
    /// circomlib's optimised form) and the whole MDS matrix (by fingerprint).
    func testConstantsMatchCircomlib() throws {
        let base = fr((Self.vectors["fingerprint"] as! [String: Any])["base"])
        let widths = Self.vectors["widths"] as! [[String: Any]]
        XCTAssertEqual(widths.count, 16)
        for w in widths {
            let t = w["width"] as! Int
            let p = try Poseidon.parameters(width: t)
            XCTAssertEqual(p.width, t)
            XCTAssertEqual(p.fullRounds, 8)
            XCTAssertEqual(p.partialRounds, w["partialRounds"] as! Int)
            XCTAssertEqual(p.partialRounds, Poseidon.partialRoundsByWidth[t - 2])
            XCTAssertEqual(p.roundConstants.count, (p.fullRounds + p.partialRounds) * t)
            XCTAssertEqual(Array(p.roundConstants[0..<t]), (w["firstRoundConstants"] as! [String]).map { fr($0) }, "t=\(t)")
            XCTAssertEqual(p.roundConstant(round: 0, element: 1), fr((w["firstRoundConstants"] as! [String])[1]))
            XCTAssertEqual(p.mds.count, t)
            XCTAssertTrue(p.mds.allSatisfy { $0.count == t })
            XCTAssertEqual(p.mds[0][0], fr(w["mds00"]), "t=\(t)")
            XCTAssertEqual(p.mds[0][1], fr(w["mds01"]), "t=\(t)")
            var acc = Fr.zero
            for row in p.mds { for m in row { acc = acc * base + m } }
            XCTAssertEqual(acc, fr(w["mdsFingerprint"]), "MDS t=\(t)")
            XCTAssertTrue((0..<p.fullRounds + p.partialRounds).filter { p.isFullRound($0) }.count == 8)
        }
    }

    /// Every constant is below r, and the MDS matrix is the Cauchy matrix it claims to be:
    /// 1/m[i][j] − 1/m[i][0] = 1/m[0][j] − 1/m[0][0] (both are y_j − y_0).
    func testConstantsShape() throws {
        for t in Poseidon.widths {
            let p = try Poseidon.parameters(width: t)
            for c in p.roundConstants { XCTAssertLessThan(c.bigUInt, Fr.modulus) }
            let inv = p.mds.map { $0.map { $0.inverse()! } }
            for i in 0..<t {
                for j in 0..<t { XCTAssertEqual(inv[i][j] - inv[i][0], inv[0][j] - inv[0][0], "t=\(t) (\(i),\(j))") }
            }
        }
    }

    func testFastPermutationMatchesReference() throws {
        var rng = SeededRNG(seed: 0x5053)
        for t in Poseidon.widths {
            for trial in 0..<4 {
                var state = (0..<t).map { _ in Fr.random(using: &rng) }
                if trial == 0 { state = [Fr](repeating: .zero, count: t) }
                if trial == 1 { state = [Fr](repeating: -Fr.one, count: t) }
                var reference = state
                try Poseidon.permute(&state)
                try Poseidon.permuteReference(&reference)
                XCTAssertEqual(state, reference, "t=\(t) trial \(trial)")
                let p = try Poseidon.parameters(width: t)
                var again = reference
                p.permuteReference(&again)
                var fast = reference
                p.permute(&fast)
                XCTAssertEqual(fast, again)
            }
        }
    }

    func testRejectsBadCounts() {
        XCTAssertThrowsError(try Poseidon.hash([])) { XCTAssertEqual(($0 as? PoseidonError)?.kind, .inputCount(0)) }
        XCTAssertThrowsError(try Poseidon.hash([Fr](repeating: .one, count: 17))) {
            XCTAssertEqual(($0 as? PoseidonError)?.kind, .inputCount(17))
            XCTAssertTrue("\($0)".contains("1 to 16"))
        }
        XCTAssertNoThrow(try Poseidon.hash([Fr](repeating: .one, count: 16)))
        for bad in [0, 1, 18, 100] {
            var state = [Fr](repeating: .one, count: bad)
            XCTAssertThrowsError(try Poseidon.permute(&state)) { XCTAssertEqual(($0 as? PoseidonError)?.kind, .stateWidth(bad)) }
            XCTAssertThrowsError(try Poseidon.permuteReference(&state))
            XCTAssertThrowsError(try Poseidon.parameters(width: bad))
        }
    }

    /// The per-width cache is safe to fill from many threads at once.
    func testParametersFromManyThreads() throws {
        let results = UnsafeMutableBufferPointer<Fr>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let n = 1 + i % 16
            results[i] = try! Poseidon.hash((1...n).map { Fr(UInt64($0)) })
        }
        for i in 0..<64 {
            let n = 1 + i % 16
            XCTAssertEqual(results[i], try Poseidon.hash((1...n).map { Fr(UInt64($0)) }))
        }
    }

    // MARK: Sponge

    func testSpongeVectors() throws {
        let sponge = Self.vectors["sponge"] as! [String: Any]
        XCTAssertEqual(PoseidonSponge.defaultDomain,
                       Fr(reducing: BigUInt(bigEndianBytes: Array((sponge["defaultDomainTag"] as! String).utf8))))
        for v in sponge["vectors"] as! [[String: Any]] {
            let domain = fr(v["domain"])
            let elements = (v["elements"] as! [String]).map { fr($0) }
            let output = fr(v["output"])
            XCTAssertEqual(PoseidonSponge.hash(elements, domain: domain), output, "n=\(elements.count)")
            if domain == PoseidonSponge.defaultDomain { XCTAssertEqual(PoseidonSponge.hash(elements), output) }
        }
    }

    /// The convention written in PoseidonSponge's documentation, recomputed with Poseidon.hash.
    func testSpongeConvention() throws {
        var rng = SeededRNG(seed: 77)
        let d = PoseidonSponge.defaultDomain
        XCTAssertEqual(PoseidonSponge.hash([]), try Poseidon.hash([d, Fr(0)]))
        for n in [1, 15, 16, 31] {
            let xs = (0..<n).map { _ in Fr.random(using: &rng) }
            var h = try Poseidon.hash([d, Fr(UInt64(n))])
            for k in stride(from: 0, to: n, by: 15) {
                var chunk = Array(xs[k..<min(k + 15, n)])
                chunk += [Fr](repeating: .zero, count: 15 - chunk.count)
                h = try Poseidon.hash([h] + chunk)
            }
            XCTAssertEqual(PoseidonSponge.hash(xs), h, "n=\(n)")
        }
    }

    func testSpongeDeterminismAndSeparation() throws {
        var rng = SeededRNG(seed: 99)
        let xs = (0..<40).map { _ in Fr.random(using: &rng) }
        XCTAssertEqual(PoseidonSponge.hash(xs), PoseidonSponge.hash(xs))
        // Length separation: zero padding never collides with explicit zeros.
        var digests = Set<Fr>()
        for n in 0...31 { digests.insert(PoseidonSponge.hash([Fr](repeating: .zero, count: n))) }
        XCTAssertEqual(digests.count, 32)
        XCTAssertNotEqual(PoseidonSponge.hash([Fr(5)]), PoseidonSponge.hash([Fr(5), .zero]))
        XCTAssertNotEqual(PoseidonSponge.hash(Array(xs[0..<15])), PoseidonSponge.hash(Array(xs[0..<15]) + [.zero]))
        // Domain separation.
        XCTAssertNotEqual(PoseidonSponge.hash(xs), PoseidonSponge.hash(xs, domain: Fr(1)))
        // A one-element change anywhere changes the digest.
        for i in [0, 14, 15, 39] {
            var ys = xs
            ys[i] += .one
            XCTAssertNotEqual(PoseidonSponge.hash(ys), PoseidonSponge.hash(xs), "element \(i)")
        }
    }

    func testSpongeStreaming() throws {
        var rng = SeededRNG(seed: 5)
        let xs = (0..<47).map { _ in Fr.random(using: &rng) }
        for split in [0, 1, 14, 15, 16, 30, 46, 47] {
            var s = PoseidonSponge(length: xs.count)
            s.absorb(contentsOf: xs[0..<split])
            for x in xs[split...] { s.absorb(x) }
            XCTAssertEqual(s.absorbed, 47)
            XCTAssertEqual(try s.finalize(), PoseidonSponge.hash(xs), "split \(split)")
            XCTAssertEqual(try s.finalize(), PoseidonSponge.hash(xs), "finalize twice")
        }
        var short = PoseidonSponge(length: 3)
        short.absorb(contentsOf: [Fr(1), Fr(2)])
        XCTAssertThrowsError(try short.finalize()) {
            XCTAssertEqual(($0 as? PoseidonError)?.kind, .lengthMismatch(declared: 3, absorbed: 2))
        }
        short.absorb(Fr(3))
        XCTAssertEqual(try short.finalize(), PoseidonSponge.hash([Fr(1), Fr(2), Fr(3)]))
        short.absorb(Fr(4))
        XCTAssertThrowsError(try short.finalize()) {
            XCTAssertEqual(($0 as? PoseidonError)?.kind, .lengthMismatch(declared: 3, absorbed: 4))
        }
    }
}
