import Algebra
import Compiler
import Foundation
import Receipts
import TestSupport
import XCTest

final class ReceiptTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkshard-receipts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A receipt signed by hand the way `Receipt(for:key:)` signs (its fields are all the message).
    func signedReceipt(_ key: NodeKey) throws -> Receipt {
        var r = Receipt(modelDigest: String(repeating: "ab", count: 32), shard: 1, shardCount: 3, inputCommitment: "12345",
                        outputCommitment: Fr(987_654_321).description, proofSHA256: String(repeating: "cd", count: 32),
                        nodePublicKey: hex(key.publicKey), signature: "")
        r.signature = hex(key.sign(try r.signedMessage()))
        return r
    }

    /// Every signed field matters: changing any of them breaks the signature.
    func testSignatureCoversEveryField() throws {
        let key = NodeKey()
        let r = try signedReceipt(key)
        XCTAssertTrue(r.signatureIsValid())
        var changes: [Receipt] = []
        var c = r; c.modelDigest = String(repeating: "ac", count: 32); changes.append(c)
        c = r; c.shard = 2; changes.append(c)
        c = r; c.shardCount = 4; changes.append(c)
        c = r; c.inputCommitment = "12346"; changes.append(c)
        c = r; c.outputCommitment = "1"; changes.append(c)
        c = r; c.proofSHA256 = String(repeating: "ce", count: 32); changes.append(c)
        c = r; c.nodePublicKey = hex(NodeKey().publicKey); changes.append(c)
        for (i, changed) in changes.enumerated() { XCTAssertFalse(changed.signatureIsValid(), "change \(i) kept the signature valid") }
        // The message layout is the documented one.
        let m = try r.signedMessage()
        XCTAssertEqual(m.count, 18 + 32 + 4 + 4 + 32 + 32 + 32 + 32)
        XCTAssertEqual(Array(m.prefix(18)), Array("zkshard-receipt-v1".utf8))
        XCTAssertEqual(Array(m[50..<58]), [0, 0, 0, 1, 0, 0, 0, 3])
    }

    /// Random byte mutations of a receipt file: reading either fails with a ReceiptError naming
    /// the file or gives a receipt whose signature check answers — never a trap or a hang.
    func testMutatedReceiptFilesFailCleanly() throws {
        let key = NodeKey()
        let good = try signedReceipt(key).jsonData()
        let path = dir.appendingPathComponent("receipt.json").path
        var rng = SeededRNG(seed: 99)
        var rejected = 0
        for _ in 0..<600 {
            var bytes = [UInt8](good)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: for _ in 0..<Int.random(in: 1...3, using: &rng) { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            case 1: bytes.removeLast(Int.random(in: 1..<bytes.count, using: &rng))
            default: bytes += (0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let r = try Receipt.read(path)
                if !r.signatureIsValid() { rejected += 1 }
            } catch let e as ReceiptError {
                XCTAssertTrue(e.description.contains("receipt.json"), e.description)
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 500)
        try good.write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(try Receipt.read(path).signatureIsValid())
    }

    func testStructuralProblemsAreNamed() throws {
        let key = NodeKey()
        let r = try signedReceipt(key)
        let cases: [(String, (inout Receipt) -> Void)] = [
            ("model_digest", { $0.modelDigest = "xyz" }),
            ("out of range", { $0.shard = 3 }),
            ("input_commitment", { $0.inputCommitment = "-1" }),
            ("output_commitment", { $0.outputCommitment = "21888242871839275222246405745257275088548364400416034343698204186575808495617" }),
            ("proof_sha256", { $0.proofSHA256 = "00" }),
            ("node_public_key", { $0.nodePublicKey = "" }),
            ("signature", { $0.signature = "1234" }),
            ("format", { $0.format = "other" }),
        ]
        for (needle, change) in cases {
            var c = r
            change(&c)
            let path = dir.appendingPathComponent("r.json").path
            try c.jsonData().write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Receipt.read(path), needle) { XCTAssertTrue("\($0)".contains(needle), "\($0)") }
        }
    }
}
