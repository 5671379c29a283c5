import Algebra
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Groth16
import Support
import Verifier

struct Groth16Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groth16", abstract: "Set up keys and prove circom R1CS circuits.",
        subcommands: [Setup.self, Prove.self])

    struct Setup: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a circuit-specific trusted setup for a circom .r1cs file.")

        @Argument(help: "The circuit, circom .r1cs (version 1).") var r1cs: String
        @Option(help: "Where to write the proving key.") var pk: String
        @Option(help: "Where to write verification_key.json (snarkjs format).") var vk: String
        @OptionGroup var common: CommonOptions

        func run() throws {
            let progress = Progress(quiet: common.quiet)
            progress.phase("read", r1cs)
            let cs = try R1CS(contentsOfCircomFile: r1cs)
            progress.phase("circuit", "\(cs.constraints.count) constraints, \(cs.numWires) wires, \(cs.numPublic) public")
            let key: ProvingKey
            do { key = try Groth16Setup.setup(cs, threads: common.threads, progress: progress.handler) } catch let e as SetupError {
                throw Failure.badInput("\(r1cs): \(e.description)")
            }
            progress.phase("write", pk)
            try key.write(to: pk)
            try writeFile(SnarkjsJSON.data(for: key.verifyingKey), vk)
            progress.phase("done")
            if common.json {
                printJSON(["pk": pk, "vk": vk, "constraints": cs.constraints.count, "wires": cs.numWires,
                           "domain_size": key.domainSize, "setup_s": progress.elapsed, "peak_memory_mib": peakMemoryMiB()])
            }
        }
    }

    struct Prove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove a witness (circom .wtns) with a proving key.")

        @Option(help: "The proving key from `groth16 setup`.") var pk: String
        @Option(help: "The witness, circom .wtns (version 2).") var witness: String
        @Option(help: "Where to write proof.json.") var proof: String
        @Option(name: .customLong("public"), help: "Where to write public.json.") var publicPath: String
        @Option(help: "Also write the proof as 256 bytes of Ethereum calldata here.") var calldata: String?
        @OptionGroup var common: CommonOptions

        func run() throws {
            let progress = Progress(quiet: common.quiet)
            progress.phase("load", pk)
            let key = try ProvingKey(contentsOfFile: pk, threads: common.threads)
            progress.phase("read witness", witness)
            let w = try Witness(contentsOfWtnsFile: witness)
            do { try w.validate(for: key.r1cs) } catch let e as FormatError { throw e.at(file: witness) }
            let t0 = progress.elapsed
            let p: Proof
            do { p = try Groth16Prover.prove(key, witness: w.values, threads: common.threads, progress: progress.handler) } catch let e as ProverError {
                throw Failure.badInput("\(witness): \(e.description)")
            }
            let proveTime = progress.elapsed - t0
            let pub = Array(w.values[1..<(1 + key.r1cs.numPublic)])
            try writeFile(SnarkjsJSON.data(for: p), proof)
            try writeFile(SnarkjsJSON.data(forPublic: pub), publicPath)
            if let c = calldata { try writeFile(Data(p.ethereumCalldata), c) }
            progress.phase("done", "prove \(format("%.3f", proveTime)) s")
            if common.json {
                printJSON(["proof": proof, "public": publicPath, "prove_s": proveTime, "total_s": progress.elapsed,
                           "constraints": key.r1cs.constraints.count, "threads": common.threads,
                           "peak_memory_mib": peakMemoryMiB()])
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a Groth16 proof (snarkjs formats). Exit 0 valid, 1 invalid, 2 bad input.")

    @Option(help: "verification_key.json") var vk: String
    @Option(help: "proof.json") var proof: String
    @Option(name: .customLong("public"), help: "public.json") var publicPath: String
    @Flag(help: "Print a JSON result on stdout.") var json = false

    func run() throws {
        let start = Date()
        var checkTime = 0.0
        let result: Bool
        do {
            let key = try SnarkjsJSON.verifyingKey(from: try readFile(vk), file: vk)
            let p = try SnarkjsJSON.proof(from: try readFile(proof), file: proof)
            let inputs = try SnarkjsJSON.publicInputs(from: try readFile(publicPath), file: publicPath)
            let t0 = Date()
            defer { checkTime = Date().timeIntervalSince(t0) }
            do { result = try Groth16Verifier.verify(key, proof: p, publicInputs: inputs) } catch let e as VerificationError {
                throw Failure.badInput("\(publicPath): \(e.description) (\(vk) has nPublic = \(key.numPublic))")
            }
        } catch let e as FormatError {
            if json { printJSON(["valid": false, "error": e.description, "exit_code": 2]) }
            throw e
        } catch let e as Failure {
            if json { printJSON(["valid": false, "error": e.message, "exit_code": e.code]) }
            throw e
        }
        if json {
            printJSON(["valid": result, "verify_ms": checkTime * 1000, "total_ms": Date().timeIntervalSince(start) * 1000,
                       "exit_code": result ? 0 : 1])
        } else {
            print(result ? "proof is valid" : "proof is INVALID")
        }
        if !result { throw ExitCode(1) }
    }
}

struct R1CSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "r1cs", abstract: "Inspect and check circom R1CS files.", subcommands: [Info.self, Check.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the sizes of a circom .r1cs file.")
        @Argument(help: "circuit.r1cs") var r1cs: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let cs = try R1CS(contentsOfCircomFile: r1cs)
            let terms = cs.constraints.reduce(0) { $0 + $1.a.wires.count + $1.b.wires.count + $1.c.wires.count }
            let info: [(String, Int)] = [("constraints", cs.constraints.count), ("wires", cs.numWires),
                                         ("public_outputs", cs.numPublicOutputs), ("public_inputs", cs.numPublicInputs),
                                         ("private_inputs", cs.numPrivateInputs), ("labels", Int(cs.numLabels)), ("terms", terms)]
            if json {
                printJSON(Dictionary(uniqueKeysWithValues: info.map { ($0.0, $0.1 as Any) }))
            } else {
                for (k, v) in info { print(k.padded(to: 16), v) }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that a witness satisfies a circuit. Exit 0 yes, 1 no, 2 bad input.")
        @Argument(help: "circuit.r1cs") var r1cs: String
        @Argument(help: "witness.wtns") var witness: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let cs = try R1CS(contentsOfCircomFile: r1cs)
            let w = try Witness(contentsOfWtnsFile: witness)
            do { try w.validate(for: cs) } catch let e as FormatError { throw e.at(file: witness) }
            let bad = cs.firstUnsatisfied(w.values)
            if json {
                printJSON(["satisfied": bad == nil, "first_unsatisfied": bad.map { JSONValue.integer($0) } ?? .null, "constraints": cs.constraints.count])
            } else if let k = bad {
                print("constraint \(k) is not satisfied (A·B ≠ C)")
            } else {
                print("all \(cs.constraints.count) constraints are satisfied")
            }
            if bad != nil { throw ExitCode(1) }
        }
    }
}
