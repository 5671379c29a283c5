import Compiler
import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support

/// A bad key, receipt or receipt directory: names the file and what is wrong (exit code 2).
public struct ReceiptError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// An inference node's Ed25519 signing key (libsodium), which signs its shard receipts.
///
/// File `node.key` (JSON, written with mode 0600):
/// `{"format": "zkshard-node-key", "version": 1, "public_key": hex(32), "secret_key": hex(64)}`;
/// beside it `node.key.pub` holds the public key as one line of hex, which validators list.
/// The secret key bytes are wiped with `sodium_memzero` when the value is released.
public final class NodeKey {
    public let publicKey: [UInt8]
    private var secretKey: [UInt8]

    /// A fresh key pair from libsodium's CSPRNG.
    public init() {
        NodeKey.initializeSodium()
        var pk = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var sk = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        _ = crypto_sign_keypair(&pk, &sk)
        publicKey = pk; secretKey = sk
    }

    /// Reads `node.key`.
    public init(contentsOf path: String) throws {
        NodeKey.initializeSodium()
        guard let data = FileManager.default.contents(atPath: path) else { throw ReceiptError("\(path): cannot read the key file") }
        struct File: Decodable { var format: String; var version: Int; var publicKey: String; var secretKey: String
            enum CodingKeys: String, CodingKey { case format, version, publicKey = "public_key", secretKey = "secret_key" } }
        guard let f = try? JSONDecoder().decode(File.self, from: data), f.format == "zkshard-node-key", f.version == 1 else {
            throw ReceiptError("\(path): not a zkshard node key (expected {\"format\": \"zkshard-node-key\", \"version\": 1, …})")
        }
        guard let pk = bytes(hex: f.publicKey), pk.count == Int(crypto_sign_PUBLICKEYBYTES) else {
            throw ReceiptError("\(path): public_key must be 32 bytes of hex")
        }
        guard var sk = bytes(hex: f.secretKey), sk.count == Int(crypto_sign_SECRETKEYBYTES) else {
            throw ReceiptError("\(path): secret_key must be 64 bytes of hex")
        }
        // libsodium's secret key is seed ‖ public key; the seed must derive that public key.
        var derivedPK = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var derivedSK = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        _ = crypto_sign_seed_keypair(&derivedPK, &derivedSK, Array(sk[..<32]))
        sodium_memzero(&derivedSK, derivedSK.count)
        guard derivedPK == pk, Array(sk[32...]) == pk else {
            sodium_memzero(&sk, sk.count)
            throw ReceiptError("\(path): public_key does not belong to secret_key")
        }
        publicKey = pk; secretKey = sk
    }

    deinit { sodium_memzero(&secretKey, secretKey.count) }

    /// Writes `path` (mode 0600) and `path.pub`.
    public func write(to path: String) throws {
        let json = "{\"format\": \"zkshard-node-key\", \"version\": 1, \"public_key\": \"\(hex(publicKey))\", \"secret_key\": \"\(hex(secretKey))\"}\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ReceiptError("\(path): cannot write the key file")
        }
        guard FileManager.default.createFile(atPath: path + ".pub", contents: Data((hex(publicKey) + "\n").utf8)) else {
            throw ReceiptError("\(path).pub: cannot write the public key")
        }
    }

    /// The detached Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        _ = crypto_sign_detached(&sig, nil, message, UInt64(message.count), secretKey)
        return sig
    }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `message`.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        initializeSodium()
        guard signature.count == Int(crypto_sign_BYTES), publicKey.count == Int(crypto_sign_PUBLICKEYBYTES) else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }

    /// Reads a list of trusted public keys: one hex key per line (`node.key.pub` files
    /// concatenated); blank lines and lines starting with # are skipped.
    public static func readKeyList(_ path: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ReceiptError("\(path): cannot read the key list")
        }
        var keys: [[UInt8]] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmed()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let k = bytes(hex: line), k.count == 32 else { throw ReceiptError("\(path):\(i + 1): not a 32-byte hex public key") }
            keys.append(k)
        }
        guard !keys.isEmpty else { throw ReceiptError("\(path): no keys listed") }
        return keys
    }

    private static let sodiumReady: Bool = sodium_init() >= 0
    static func initializeSodium() { precondition(sodiumReady, "libsodium failed to initialise") }
}
