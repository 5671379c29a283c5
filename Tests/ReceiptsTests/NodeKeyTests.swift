import Algebra
import Compiler
import Foundation
import Receipts
import XCTest

final class NodeKeyTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zkshard-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testSignVerifyAndFileRoundTrip() throws {
        let key = NodeKey()
        let path = dir.appendingPathComponent("node.key").path
        try key.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the secret key file must be private")
        let loaded = try NodeKey(contentsOf: path)
        XCTAssertEqual(loaded.publicKey, key.publicKey)
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(pub, hex(key.publicKey))
        XCTAssertEqual(try NodeKey.readKeyList(path + ".pub"), [key.publicKey])

        let message = Array("shard 3 output".utf8)
        let sig = loaded.sign(message)
        XCTAssertTrue(NodeKey.verify(signature: sig, message: message, publicKey: key.publicKey))
        var other = message; other[0] ^= 1
        XCTAssertFalse(NodeKey.verify(signature: sig, message: other, publicKey: key.publicKey))
        var badSig = sig; badSig[10] ^= 0x40
        XCTAssertFalse(NodeKey.verify(signature: badSig, message: message, publicKey: key.publicKey))
        XCTAssertFalse(NodeKey.verify(signature: sig, message: message, publicKey: NodeKey().publicKey))
        XCTAssertFalse(NodeKey.verify(signature: Array(sig.prefix(63)), message: message, publicKey: key.publicKey))
    }

    /// Ed25519 known answer (RFC 8032, test 1: empty message), through libsodium.
    func testRFC8032Vector() throws {
        let pk = bytes(hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!
        let sig = bytes(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")!
        XCTAssertTrue(NodeKey.verify(signature: sig, message: [], publicKey: pk))
        XCTAssertFalse(NodeKey.verify(signature: sig, message: [0], publicKey: pk))
    }

    func testMalformedKeyFilesAreRejected() throws {
        let key = NodeKey()
        let path = dir.appendingPathComponent("node.key").path
        try key.write(to: path)
        let good = try String(contentsOfFile: path, encoding: .utf8)
        let other = hex(NodeKey().publicKey)
        let cases = [
            "", "{}", "not json", good.replacingOccurrences(of: "zkshard-node-key", with: "other"),
            good.replacingOccurrences(of: hex(key.publicKey) + "\"", with: other + "\""),  // public key not the secret key's
            good.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"),
        ]
        for (i, text) in cases.enumerated() {
            let p = dir.appendingPathComponent("bad\(i).key").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try NodeKey(contentsOf: p), "case \(i)") { XCTAssertTrue("\($0)".contains("bad\(i).key"), "\($0)") }
        }
        let list = dir.appendingPathComponent("keys.txt").path
        try Data("# nodes\n\(hex(key.publicKey))\nzz\n".utf8).write(to: URL(fileURLWithPath: list))
        XCTAssertThrowsError(try NodeKey.readKeyList(list)) { XCTAssertTrue("\($0)".contains(":3"), "\($0)") }
    }
}
