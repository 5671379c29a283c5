import Algebra
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Groth16
import Model
import Verifier

/// A compiled model on disk — what `zkshard compile` writes and `setup`/`prove` read:
/// `model.zkq`, `circuit.r1cs` (circom), `manifest.json`, and after setup `circuit.pk` and
/// `verification_key.json` (snarkjs). The library API behind the CLI, for users who script it.
public struct BuildDirectory {
    public let path: String
    public init(_ path: String) { self.path = path }

    public var modelPath: String { file("model.zkq") }
    public var r1csPath: String { file("circuit.r1cs") }
    public var manifestPath: String { file("manifest.json") }
    public var provingKeyPath: String { file("circuit.pk") }
    public var verificationKeyPath: String { file("verification_key.json") }
    public func file(_ name: String) -> String { PathString.join(path, name) }

    /// Writes model.zkq, circuit.r1cs and manifest.json for a quantized model.
    @discardableResult
    public static func compile(_ model: QuantizedModel, into path: String, inputVisibility: InputVisibility) throws -> Manifest {
        try compile(model, into: path, interface: .model(inputVisibility), shard: nil)
    }

    /// Writes model.zkq, circuit.r1cs and manifest.json for a whole model or, with `shard`, for
    /// one shard (`model` is then the shard's piece and the whole model's digest is bound).
    @discardableResult
    public static func compile(_ model: QuantizedModel, into path: String, interface: CircuitInterface,
                               shard: Manifest.ShardEntry?) throws -> Manifest {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let dir = BuildDirectory(path)
        let digest = try ModelFile.write(model, to: dir.modelPath)
        let bound: Fr
        if let shard {
            guard let bytes = bytes(hex: shard.modelDigest), bytes.count == 32 else { throw CompileError("shard model digest is not 32 bytes of hex") }
            bound = modelDigestField(bytes)
        } else {
            bound = modelDigestField(digest)
        }
        let compiled = try ModelCircuit.synthesize(model, digest: bound, interface: interface, values: nil)
        try compiled.r1cs.writeCircom(to: dir.r1csPath)
        let visibility: InputVisibility = if case .model(let v) = interface { v } else { .private }
        let manifest = Manifest(
            source: model.source, modelDigest: hex(digest), modelDigestField: bound.description, shard: shard,
            inputVisibility: visibility, inputs: model.inputs.map { .init(model.tensors[$0]) },
            outputs: model.outputs.map { .init(model.tensors[$0]) }, publicLayout: compiled.layout,
            constraints: compiled.r1cs.constraints.count, wires: compiled.r1cs.numWires, layers: compiled.layers,
            r1csSHA256: hex(sha256(try readBytes(dir.r1csPath))))
        try write(try manifest.jsonData(), to: dir.manifestPath)
        return manifest
    }

    /// The manifest and the model, checked against each other (a stale or mixed-up build
    /// directory is an error, not a proof of the wrong model).
    public func load() throws -> (manifest: Manifest, model: QuantizedModel, digest: [UInt8]) {
        let manifest = try Manifest.read(manifestPath)
        let (model, digest) = try ModelFile.read(modelPath)
        guard hex(digest) == manifest.modelDigest else {
            throw CompileError("\(modelPath): digest \(hex(digest)) does not match manifest.json's model_digest \(manifest.modelDigest); recompile")
        }
        return (manifest, model, digest)
    }

    /// Groth16 setup for the compiled circuit: writes circuit.pk and verification_key.json and
    /// records their digests in the manifest.
    @discardableResult
    public func setup(threads: Int, progress: @escaping ProgressHandler = { _, _ in }) throws -> ProvingKey {
        var (manifest, _, _) = try load()
        let r1cs = try R1CS(contentsOfCircomFile: r1csPath)
        guard hex(sha256(try readBytes(r1csPath))) == manifest.r1csSHA256 else {
            throw CompileError("\(r1csPath): does not match manifest.json's r1cs_sha256; recompile")
        }
        let key = try Groth16Setup.setup(r1cs, threads: threads, progress: progress)
        try key.write(to: provingKeyPath)
        try write(SnarkjsJSON.data(for: key.verifyingKey), to: verificationKeyPath)
        manifest.pkSHA256 = hex(sha256(try readBytes(provingKeyPath)))
        manifest.vkSHA256 = hex(sha256(try readBytes(verificationKeyPath)))
        try write(try manifest.jsonData(), to: manifestPath)
        return key
    }

    /// One inference with its proof: quantizes the inputs, runs the kernels once with a trace,
    /// fills the witness from the trace, proves.
    public func prove(inputs: [[Double]], threads: Int, progress: @escaping ProgressHandler = { _, _ in }) throws -> InferenceProof {
        let (_, model, _) = try load()
        return try prove(quantizedInputs: try model.quantizeInputs(inputs), salts: CommitmentSalts(), threads: threads, progress: progress)
    }

    /// The same from integer inputs (already within the input tensors' bounds); `salts` are
    /// used by shard circuits only.
    public func prove(quantizedInputs q: [[Int64]], salts: CommitmentSalts, threads: Int,
                      progress: @escaping ProgressHandler = { _, _ in }) throws -> InferenceProof {
        let (manifest, model, _) = try load()
        let clock = ContinuousClock()
        let t0 = clock.now
        progress("load key", 0)
        // With more than one thread the key loads (read, digest, point checks) while the
        // kernels run and the witness is synthesised: the two are independent until here.
        let path = provingKeyPath
        let loading = BackgroundWork(concurrently: threads > 1) { () throws -> (ProvingKeyFile, Duration) in
            let start = clock.now
            let file = try ProvingKeyFile(contentsOfFile: path)
            return (file, clock.now - start)
        }
        progress("run kernels", model.ops.count)
        let t1 = clock.now
        let trace = try ModelExecutor.run(model, inputs: q, threads: threads, trace: true)
        let t2 = clock.now
        progress("witness", manifest.wires)
        let interface: CircuitInterface = manifest.shard.map { .shard(index: $0.index) } ?? .model(manifest.inputVisibility)
        // The prover checks every constraint; its error is mapped back to the layer below.
        let circuit = try ModelCircuit.synthesize(model, digest: try manifest.boundDigest(), interface: interface,
                                                  values: trace.values, salts: salts, checkTrace: false)
        let (keyFile, loadTime) = try loading.wait()
        guard let witness = circuit.witness else { throw CompileError("no witness was produced") }
        guard let key = keyFile.key(matching: circuit.r1cs) else {
            throw CompileError("\(provingKeyPath): the proving key is for another circuit than \(modelPath); run setup again")
        }
        let t3 = clock.now
        let proof: Proof
        do {
            proof = try Groth16Prover.prove(key, witness: witness, threads: threads, progress: progress)
        } catch let e as ProverError {
            guard let k = e.unsatisfiedConstraint else { throw e }
            throw CompileError(traceViolation: k, label: circuit.label(ofConstraint: k))
        }
        let t4 = clock.now
        let outputsInt = model.outputs.map { trace.values[$0] }
        func s(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        return InferenceProof(proof: proof, publicValues: Array(witness[1...key.r1cs.numPublic]), witness: witness,
                              outputsInt: outputsInt, outputs: model.dequantizeOutputs(outputsInt),
                              timings: ["load_key_s": s(loadTime), "kernels_s": s(t2 - t1), "witness_s": s(t3 - t2),
                                        "groth16_s": s(t4 - t3), "total_s": s(t4 - t0)])
    }
}

/// The result of `BuildDirectory.prove`.
public struct InferenceProof {
    public var proof: Proof
    public var publicValues: [Fr]
    public var witness: [Fr]
    public var outputsInt: [[Int64]]
    public var outputs: [[Double]]
    public var timings: [String: Double]

    /// Writes proof.json, public.json, output.json (as `zkshard run` prints) and witness.wtns into `dir`.
    public func write(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let d = BuildDirectory(dir)
        try BuildDirectory.write(SnarkjsJSON.data(for: proof), to: d.file("proof.json"))
        try BuildDirectory.write(SnarkjsJSON.data(forPublic: publicValues), to: d.file("public.json"))
        try BuildDirectory.write(try InferenceOutput(outputs: outputs, outputsInt: outputsInt).jsonData(), to: d.file("output.json"))
        try Witness(values: witness).write(to: d.file("witness.wtns"))
    }
}

/// `output.json` / the stdout of `zkshard run`: dequantized outputs and their integers, one flat list per model output.
public struct InferenceOutput: Codable, Equatable {
    public var outputs: [[Double]]
    public var outputsInt: [[Int64]]
    enum CodingKeys: String, CodingKey { case outputs, outputsInt = "outputs_int" }
    public init(outputs: [[Double]], outputsInt: [[Int64]]) { self.outputs = outputs; self.outputsInt = outputsInt }
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }
}

/// Bytes of an even-length hex string, or nil.
public func bytes(hex s: String) -> [UInt8]? {
    let chars = Array(s.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    for i in stride(from: 0, to: chars.count, by: 2) {
        guard let hi = hexNibble(chars[i]), let lo = hexNibble(chars[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
    }
    return out
}

private func hexNibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

extension BuildDirectory {
    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw CompileError("\(path): cannot read the file") }
        return [UInt8](d)
    }
    func readBytes(_ path: String) throws -> [UInt8] { try Self.readBytes(path) }
    static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw CompileError("\(path): cannot write the file") }
    }
    func write(_ data: Data, to path: String) throws { try Self.write(data, to: path) }
}
