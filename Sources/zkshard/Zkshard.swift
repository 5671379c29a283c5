import ArgumentParser
import Foundation

@main
struct Zkshard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zkshard",
        abstract: "Zero-knowledge proofs of neural-network inference (Groth16 over BN254).",
        subcommands: [Bench.self])
}

/// Options every heavy command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print no progress on stderr.")
    var quiet = false

    @Flag(help: "Print a machine-readable JSON result on stdout.")
    var json = false

    func validate() throws {
        guard threads >= 1 && threads <= 1024 else { throw ValidationError("--threads must be between 1 and 1024") }
    }
}

/// Progress lines on stderr: phase, count, elapsed seconds.
struct Progress {
    let quiet: Bool
    let start = Date()

    func phase(_ name: String, _ detail: String = "") {
        guard !quiet else { return }
        let t = String(format: "%7.2fs", Date().timeIntervalSince(start))
        FileHandle.standardError.write(Data("[\(t)] \(name)\(detail.isEmpty ? "" : ": " + detail)\n".utf8))
    }
}

/// Writes `object` as pretty, key-sorted JSON on stdout.
func printJSON(_ object: Any) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
