import Algebra
import Compiler
import Groth16
import Model
import TestSupport
import XCTest

/// Slicing a model into shards, the partitioner, and the shard circuits' commitments.
final class ShardCircuitTests: XCTestCase {
    let model = ModelCircuitTests.smallModel()

    /// Boundaries of the small model: its ops form a chain except the side branch at the end,
    /// where `logits` (a model output) stays live.
    func testBoundariesAndSlices() throws {
        XCTAssertEqual(model.boundary(0), model.inputs)
        XCTAssertEqual(model.boundary(model.ops.count), model.outputs)
        XCTAssertEqual(model.boundary(2).map { model.tensors[$0].name }, ["relu"])
        XCTAssertEqual(model.boundary(8).map { model.tensors[$0].name }, ["logits", "sum_acc"])
        let piece = try model.slice(2..<5)
        XCTAssertEqual(piece.inputs.map { piece.tensors[$0].name }, ["relu"])
        XCTAssertEqual(piece.outputs.map { piece.tensors[$0].name }, ["flat"])
        XCTAssertEqual(piece.ops.count, 3)
        // `logits` would pass through ops 8..<9 unchanged (it is an input and an output): refused.
        XCTAssertThrowsError(try model.slice(8..<9))
        XCTAssertThrowsError(try model.slice(3..<3))
    }

    /// Running the slices one after another gives the whole model's outputs.
    func testChainedSlicesComputeTheModel() throws {
        var rng = SeededRNG(seed: 5)
        let input = (0..<16).map { _ in Int64.random(in: -7...7, using: &rng) }
        let whole = try ModelExecutor.run(model, inputs: [input], threads: 1, trace: true)
        var carried = [input]
        for range in [0..<2, 2..<6, 6..<9] {
            let piece = try model.slice(range)
            let t = try ModelExecutor.run(piece, inputs: carried, threads: 1, trace: true)
            carried = piece.outputs.map { t.values[$0] }
        }
        XCTAssertEqual(carried, model.outputs.map { whole.values[$0] })
    }

    /// The partitioner balances by constraints, honours capacities, and never cuts where a
    /// tensor would pass through.
    func testPartitionBalancesAndRespectsCapacities() throws {
        let costs = [0, 100, 50, 50, 0, 0, 400, 30, 30]
        let even = try ShardPartitioner.partition(model, opCosts: costs, capacities: [1, 1])
        XCTAssertEqual(even.first, 0); XCTAssertEqual(even.last, model.ops.count); XCTAssertEqual(even.count, 3)
        let skewed = try ShardPartitioner.partition(model, opCosts: costs, capacities: [10, 1])
        XCTAssertGreaterThanOrEqual(skewed[1], even[1], "a stronger first node takes at least as many ops")
        let three = try ShardPartitioner.partition(model, opCosts: costs, capacities: [1, 1, 1])
        for (a, b) in zip(three, three.dropFirst()) { XCTAssertNoThrow(try model.slice(a..<b)) }
        XCTAssertThrowsError(try ShardPartitioner.partition(model, opCosts: costs, capacities: [Double](repeating: 1, count: 10)))
        XCTAssertThrowsError(try ShardPartitioner.partition(model, opCosts: costs, capacities: [1, 0]))
    }

    /// A shard circuit's public values are [digest, index, input commitment, output commitment],
    /// they equal the native commitments, and every wire is pinned (soundness by mutation).
    func testShardCircuitCommitsToItsActivations() throws {
        let piece = try model.slice(0..<4)
        var rng = SeededRNG(seed: 6)
        let input = (0..<16).map { _ in Int64.random(in: -7...7, using: &rng) }
        let trace = try ModelExecutor.run(piece, inputs: [input], threads: 1, trace: true)
        let salts = CommitmentSalts(input: Fr(77), output: Fr.random(using: &rng))
        let digest = Fr(4242)
        let structure = try ModelCircuit.synthesize(piece, digest: digest, interface: .shard(index: 1), values: nil)
        let proving = try ModelCircuit.synthesize(piece, digest: digest, interface: .shard(index: 1), values: trace.values, salts: salts)
        XCTAssertEqual(structure.r1cs, proving.r1cs)
        XCTAssertEqual(proving.r1cs.numPublic, 4)
        XCTAssertEqual(proving.layout.numPublic, 4)
        let w = try XCTUnwrap(proving.witness)
        XCTAssertNil(proving.r1cs.firstUnsatisfied(w))
        let inC = try TensorCommitment.commit([input], layouts: piece.inputs.map { .init(piece.tensors[$0]) }, salt: salts.input)
        let outC = try TensorCommitment.commit(piece.outputs.map { trace.values[$0] }, layouts: piece.outputs.map { .init(piece.tensors[$0]) },
                                               salt: salts.output)
        XCTAssertEqual(Array(w[1...4]), [digest, Fr(1), inC, outC])
        for i in 1..<w.count {
            var bad = w
            bad[i] = bad[i] + .one
            XCTAssertNotNil(proving.r1cs.firstUnsatisfied(bad), "wire \(i) of \(w.count) is free")
        }
    }

    /// An output tensor whose gadget bounds exceed its declared bounds is range-checked before
    /// it is packed (the packing is injective only within the bounds); one whose bounds are
    /// implied costs only the commitment.
    func testShardOutputsAreRangeCheckedWhereTheirBoundsAreNotImplied() throws {
        var piece = try model.slice(0..<1)   // Conv only: its accumulator is the output
        let implied = try ModelCircuit.synthesize(piece, digest: .one, interface: .shard(index: 0), values: nil)
        // 32 values of 11 bits: 2 packed elements + salt → one Poseidon(16) and the equality.
        XCTAssertEqual(implied.layers.first { $0.op == "OutputCommitment" }?.constraints, 612 + 1)
        piece.tensors[piece.outputs[0]].lower = -100   // channel 0's interval is [-121, 131]
        piece.tensors[piece.outputs[0]].upper = 100
        let checked = try ModelCircuit.synthesize(piece, digest: .one, interface: .shard(index: 0), values: nil)
        // Range checks only for the elements whose interval leaves [-100, 100] (18 constraints each).
        let withChecks = try XCTUnwrap(checked.layers.first { $0.op == "OutputCommitment" }).constraints
        XCTAssertGreaterThan(withChecks, 613)
        XCTAssertEqual((withChecks - 613) % 18, 0)
        let trace = try ModelExecutor.run(piece, inputs: [[Int64](repeating: 1, count: 16)], threads: 1, trace: true)
        let proving = try ModelCircuit.synthesize(piece, digest: .one, interface: .shard(index: 0), values: trace.values)
        XCTAssertNil(proving.r1cs.firstUnsatisfied(try XCTUnwrap(proving.witness)))
        // An input that drives channel 0's centre to 7·18 + 5 = 131 > 100: no valid witness.
        let w: [Int64] = [1, -2, 3, 0, 4, -1, 2, 2, -3]
        var x = [Int64](repeating: 0, count: 16)
        for r in 0..<3 { for c in 0..<3 { x[r * 4 + c] = 7 * w[r * 3 + c].signum() } }
        XCTAssertThrowsError(try {
            let t = try ModelExecutor.run(piece, inputs: [x], threads: 1, trace: true)
            _ = try ModelCircuit.synthesize(piece, digest: .one, interface: .shard(index: 0), values: t.values)
        }(), "an output outside its declared bounds must not be provable")
    }
}
