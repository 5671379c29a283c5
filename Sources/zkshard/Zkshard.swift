import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Compiler
import Groth16
import Model
import Receipts
import Support
import Verifier

@main
struct Zkshard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zkshard",
        abstract: "Zero-knowledge proofs of neural-network inference (Groth16 over BN254).",
        discussion: "Exit codes: 0 success or valid proof; 1 invalid proof (verify) or unsatisfied witness (r1cs check); 2 bad input or usage, including a witness that `groth16 prove` refuses.",
        subcommands: [Compile.self, SetupModel.self, ProveModel.self, Verify.self, Inspect.self, Run.self, Quantize.self,
                      Keygen.self, Validate.self, Activations.self, Groth16Command.self, R1CSCommand.self, Demo.self, Bench.self])

    /// Maps every failure onto the documented exit codes: usage and input errors are 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as Failure {
            fail(e.message, code: e.code)
        } catch let e as FormatError {
            fail(e.description, code: 2)
        } catch let e as CompileError {
            fail(e.description, code: 2)
        } catch let e as ModelFileError {
            fail(e.description, code: 2)
        } catch let e as ONNXError {
            fail(e.description, code: 2)
        } catch let e as InputDataError {
            fail(e.description, code: 2)
        } catch let e as BlockwiseQuantizationError {
            fail(e.description, code: 2)
        } catch let e as ExecutorError {
            fail(e.description, code: 2)
        } catch let e as ModelValidationError {
            fail(e.description, code: 2)
        } catch let e as ProverError {
            fail(e.description, code: 2)
        } catch let e as SetupError {
            fail(e.description, code: 2)
        } catch let e as ReceiptError {
            fail(e.description, code: 2)
        } catch let e as ExitCode {
            exitProcess(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            // The parser's text starts with its own "Error: "; `fail` adds the one prefix.
            let message = fullMessage(for: error)
            fail(message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message, code: 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        writeStderr("error: \(message)\n")
        exitProcess(code)
    }
}

/// A command failure with its exit code and a message for the user.
struct Failure: Error {
    var message: String
    var code: Int32
    static func badInput(_ m: String) -> Failure { Failure(message: m, code: 2) }
    static func invalid(_ m: String) -> Failure { Failure(message: m, code: 1) }
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

/// Progress lines on stderr: elapsed time, phase, count.
struct Progress {
    let quiet: Bool
    let start = Date()

    var elapsed: Double { Date().timeIntervalSince(start) }

    func phase(_ name: String, _ detail: String = "") {
        guard !quiet else { return }
        let t = format("%7.2fs", elapsed)
        writeStderr("[\(t)] \(name)\(detail.isEmpty ? "" : ": " + detail)\n")
    }

    /// An adapter for the library's (phase, count) callbacks.
    var handler: (String, Int) -> Void {
        { name, count in self.phase(name, count > 0 ? "\(count) items" : "") }
    }
}

/// Writes `object` (a tree of strings, numbers, booleans, arrays, dictionaries, JSONValue)
/// as pretty, key-sorted JSON on stdout.
func printJSON(_ object: Any) {
    writeStdout(JSONValue(object).prettyPrinted())
    writeStdout("\n")
}

/// Reads a whole file, or fails with exit 2 naming it.
func readFile(_ path: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else { throw Failure.badInput("\(path): no such file") }
    do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw Failure.badInput("\(path): cannot read: \(errorText(error))")
    }
}

func writeFile(_ data: Data, _ path: String) throws {
    do { try data.write(to: URL(fileURLWithPath: path)) } catch {
        throw Failure.badInput("\(path): cannot write: \(errorText(error))")
    }
}

/// Peak resident memory of this process in MiB.
func peakMemoryMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}
