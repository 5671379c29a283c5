#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Model

/// How a model is cut into sequential shards: `build/shards.json`, written by
/// `zkshard compile --shards N` next to the whole model's `model.zkq`; shard K's circuit is in
/// `build/shard-K/`.
public struct ShardPlan: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        public var index: Int
        /// The directory of the shard's circuit, relative to the build directory.
        public var directory: String
        /// The ops of the whole model this shard runs: [first, end).
        public var firstOp: Int
        public var endOp: Int
        /// Names of the tensors it reads and writes (the boundary tensors).
        public var inputs: [String]
        public var outputs: [String]
        /// The node capacity it was balanced for, and its circuit's size.
        public var capacity: Double
        public var constraints: Int
        enum CodingKeys: String, CodingKey {
            case index, directory, inputs, outputs, capacity, constraints
            case firstOp = "first_op", endOp = "end_op"
        }
    }

    public var format = "zkshard-shards"
    public var version = 1
    public var source: String
    /// SHA-256 (hex) of the whole model's model.zkq and the field element every shard binds.
    public var modelDigest: String
    public var modelDigestField: String
    public var shards: [Shard]

    enum CodingKeys: String, CodingKey {
        case format, version, source, shards
        case modelDigest = "model_digest", modelDigestField = "model_digest_field"
    }

    public static let fileName = "shards.json"

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    public static func read(_ path: String) throws -> ShardPlan {
        guard let data = FileManager.default.contents(atPath: path) else { throw CompileError("\(path): cannot read the file") }
        let plan: ShardPlan
        do { plan = try JSONDecoder().decode(ShardPlan.self, from: data) } catch {
            throw CompileError("\(path): not a zkshard shard plan: \(error)")
        }
        guard plan.format == "zkshard-shards", plan.version == 1 else {
            throw CompileError("\(path): format \(plan.format) version \(plan.version), expected zkshard-shards version 1")
        }
        guard !plan.shards.isEmpty, plan.shards.enumerated().allSatisfy({ $0.offset == $0.element.index }) else {
            throw CompileError("\(path): shards must be listed in order 0, 1, 2, …")
        }
        for s in plan.shards {
            guard !s.directory.contains(".."), !s.directory.hasPrefix("/"), !s.directory.isEmpty else {
                throw CompileError("\(path): shard \(s.index) directory \"\(s.directory)\" must be a plain relative path")
            }
        }
        return plan
    }
}

/// Choosing the cut points.
public enum ShardPartitioner {
    /// Constraints a commitment to `count` field elements costs (salt included): one 2-input
    /// hash is a constant, each 15 elements one 16-input Poseidon (612 constraints).
    static func commitmentCost(elements: Int) -> Int { 612 * ((elements + 1 + 14) / 15) }

    /// Estimated constraints of a boundary as a shard's input (range checks and commitment)
    /// or output (commitment).
    static func boundaryCost(_ model: QuantizedModel, _ tensors: [TensorID], asInput: Bool) -> Int {
        var elements = 0, range = 0
        for t in tensors {
            let l = TensorCommitment.Layout(model.tensors[t])
            elements += l.elements
            range += l.count * (l.bits + 1)
        }
        return commitmentCost(elements: elements) + (asInput ? range : 0)
    }

    /// The cut points 0 = c₀ < c₁ < … < c_N = ops.count minimising the largest
    /// (estimated constraints of shard k) / capacity k, over cuts whose pieces are valid slices.
    /// `opCosts[i]` is op i's constraints in the whole-model circuit.
    public static func partition(_ model: QuantizedModel, opCosts: [Int], capacities: [Double]) throws -> [Int] {
        let n = model.ops.count, parts = capacities.count
        guard opCosts.count == n else { throw CompileError("partition: \(opCosts.count) op costs for \(n) ops") }
        guard parts >= 1 else { throw CompileError("--shards must be at least 1") }
        guard capacities.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw CompileError("--capacity: every capacity must be a positive number") }
        guard parts <= n else { throw CompileError("cannot cut a model of \(n) ops into \(parts) shards") }
        var prefix = [0]
        for c in opCosts { prefix.append(prefix.last! + c) }
        let boundaries = (0...n).map { model.boundary($0) }
        let inCost = boundaries.map { boundaryCost(model, $0, asInput: true) }
        let outCost = boundaries.map { boundaryCost(model, $0, asInput: false) }
        func cost(_ a: Int, _ b: Int) -> Double? {
            // A piece is valid when no tensor would pass through it unchanged.
            guard Set(boundaries[a]).isDisjoint(with: boundaries[b]) else { return nil }
            return Double(prefix[b] - prefix[a] + inCost[a] + outCost[b])
        }
        // best[k][j]: the smallest achievable maximum load covering ops [0, j) with k + 1 shards.
        let inf = Double.infinity
        var best = [[Double]](repeating: [Double](repeating: inf, count: n + 1), count: parts)
        var from = [[Int]](repeating: [Int](repeating: -1, count: n + 1), count: parts)
        for j in 1...n { if let c = cost(0, j) { best[0][j] = c / capacities[0] } }
        if parts > 1 {
            for k in 1..<parts {
                for j in (k + 1)...n {
                    for i in k..<j where best[k - 1][i] < inf {
                        guard let c = cost(i, j) else { continue }
                        let load = max(best[k - 1][i], c / capacities[k])
                        if load < best[k][j] { best[k][j] = load; from[k][j] = i }
                    }
                }
            }
        }
        guard best[parts - 1][n] < inf else {
            throw CompileError("the model cannot be cut into \(parts) shards: no sequence of cut points leaves every boundary tensor on one side")
        }
        var cuts = [n]
        var j = n
        for k in stride(from: parts - 1, to: 0, by: -1) { j = from[k][j]; cuts.append(j) }
        cuts.append(0)
        return cuts.reversed()
    }
}
