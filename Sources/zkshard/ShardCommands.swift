import ArgumentParser
import Compiler
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Receipts

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a node's Ed25519 signing key for shard receipts: KEY (mode 0600) and KEY.pub.")

    @Option(name: .shortAndLong, help: "The key file to write.") var output: String
    @Flag(help: "Overwrite an existing key file.") var force = false
    @Flag(help: "Print a machine-readable JSON result on stdout.") var json = false

    func run() throws {
        if !force, FileManager.default.fileExists(atPath: output) {
            throw Failure.badInput("\(output): exists; pass --force to replace it")
        }
        let key = NodeKey()
        try key.write(to: output)
        let pk = hex(key.publicKey)
        if json { printJSON(["key": output, "public_key_file": output + ".pub", "public_key": pk]) } else { print(pk) }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a sharded inference from its receipts: proofs, signatures, links, request/result, node agreement.",
        discussion: "Exit 0 valid, 1 invalid (the reasons are printed), 2 bad input (missing, extra or malformed receipts, receipts of another model).")

    @Argument(help: "The sharded build directory (after `setup`).") var build: String
    @Argument(help: "Receipt directories (from `prove --shard K --sign`), any order, several per shard for redundancy.")
    var receipts: [String] = []
    @Option(help: "Agreeing receipts each shard needs.") var quorum: Int = 1
    @Option(help: "Accept only receipts signed by these keys (one hex public key per line, e.g. node.key.pub files concatenated).")
    var keys: String?
    @Option(help: "The request (input.json) the first shard must have consumed.") var request: String?
    @Option(help: "The result (output.json) the last shard must have produced.") var result: String?
    @Flag(help: "Treat any flagged receipt (failed check or outvoted) as invalid.") var strict = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        guard !receipts.isEmpty else { throw Failure.badInput("no receipt directories given") }
        guard quorum >= 1 else { throw Failure.badInput("--quorum must be at least 1") }
        var options = ChainValidator.Options()
        options.quorum = quorum
        options.strict = strict
        options.trustedKeys = try keys.map { try NodeKey.readKeyList($0) }
        options.request = try request.map { (try ShardActivations.read($0), $0) }
        options.result = try result.map { (try ShardActivations.read($0), $0) }
        let report = try ChainValidator(build: ShardedBuild(build), options: options).validate(receiptDirectories: receipts)
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            writeStdout(try e.encode(report))
            print()
        } else {
            for c in report.checks {
                let whereText = [c.shard.map { "shard \($0)" }, c.node.map { "node \($0)…" }].compactMap { $0 }.joined(separator: ", ")
                print("\(c.ok ? "ok  " : "FAIL") \(c.check.padded(to: 13)) \(whereText): \(c.detail)")
            }
            for f in report.flagged { print("flagged: \(f)") }
            print(report.valid ? "VALID: \(report.shards.count) shards chained, quorum \(quorum)" : "INVALID: " + report.reasons.joined(separator: "; "))
        }
        if !report.valid { throw ExitCode(1) }
    }
}
