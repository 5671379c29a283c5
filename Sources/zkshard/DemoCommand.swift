import Algebra
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Groth16
import Verifier

/// Setup, prove and verify a bundled circuit end to end, writing every artifact.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up, prove and verify a circuit directory (circuit.r1cs + witness.wtns) end to end.")

    @Argument(help: "A directory holding circuit.r1cs and witness.wtns.") var circuit: String = "circuits/square_chain"
    @Option(name: .shortAndLong, help: "Where to write the keys and the proof.") var output: String = "out/demo"
    @OptionGroup var common: CommonOptions

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        let r1csPath = circuit + "/circuit.r1cs", wtnsPath = circuit + "/witness.wtns"
        let cs = try R1CS(contentsOfCircomFile: r1csPath)
        let w = try Witness(contentsOfWtnsFile: wtnsPath)
        do { try w.validate(for: cs) } catch let e as FormatError { throw e.at(file: wtnsPath) }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw Failure.badInput("\(output): cannot create directory")
        }
        progress.phase("circuit", "\(cs.constraints.count) constraints, \(cs.numWires) wires")
        var t = progress.elapsed
        let pk: ProvingKey
        do { pk = try Groth16Setup.setup(cs, threads: common.threads, progress: progress.handler) } catch let e as SetupError {
            throw Failure.badInput("\(r1csPath): \(e.description)")
        }
        let setupTime = progress.elapsed - t
        try pk.write(to: output + "/circuit.pk")
        try writeFile(SnarkjsJSON.data(for: pk.verifyingKey), output + "/verification_key.json")
        t = progress.elapsed
        let proof: Proof
        do { proof = try Groth16Prover.prove(pk, witness: w.values, threads: common.threads, progress: progress.handler) } catch let e as ProverError {
            throw Failure.badInput("\(wtnsPath): \(e.description)")
        }
        let proveTime = progress.elapsed - t
        let pub = Array(w.values[1..<(1 + cs.numPublic)])
        try writeFile(SnarkjsJSON.data(for: proof), output + "/proof.json")
        try writeFile(SnarkjsJSON.data(forPublic: pub), output + "/public.json")
        // Verify from the files, as a validator would.
        t = progress.elapsed
        let vk = try SnarkjsJSON.verifyingKey(from: try readFile(output + "/verification_key.json"), file: "verification_key.json")
        let pr = try SnarkjsJSON.proof(from: try readFile(output + "/proof.json"), file: "proof.json")
        let inputs = try SnarkjsJSON.publicInputs(from: try readFile(output + "/public.json"), file: "public.json")
        let ok = try Groth16Verifier.verify(vk, proof: pr, publicInputs: inputs)
        let verifyTime = progress.elapsed - t
        if common.json {
            printJSON(["valid": ok, "constraints": cs.constraints.count, "setup_s": setupTime, "prove_s": proveTime,
                       "verify_ms": verifyTime * 1000, "output": output])
        } else {
            print("circuit      \(r1csPath): \(cs.constraints.count) constraints, \(cs.numPublic) public values")
            print(format("setup        %.3f s", setupTime))
            print(format("prove        %.3f s", proveTime))
            print(format("verify       %.2f ms  → ", verifyTime * 1000) + (ok ? "valid" : "INVALID"))
            print("artifacts    \(output)/{circuit.pk, verification_key.json, proof.json, public.json}")
        }
        if !ok { throw ExitCode(1) }
    }
}
