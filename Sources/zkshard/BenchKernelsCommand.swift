import ArgumentParser
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Model

/// Times the integer Gemm and Conv kernels on fixed shapes, in GOP/s (2 ops per multiply-add).
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Benchmark the int8/int16 Gemm and Conv kernels (GOP/s, one thread and --threads).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds of timed runs per shape and thread count (best run reported).")
    var seconds: Double = 1.0

    @Option(help: "Run only the shapes whose key contains this text.")
    var only: String?

    @Option(help: "GEMM tile kernel: avx2 or baseline (default: the fastest this CPU runs).")
    var microkernel: String?

    func chosenMicrokernel() throws -> Int16Microkernel {
        guard let microkernel else { return .best }
        guard let k = Int16Microkernel(rawValue: microkernel) else { throw ValidationError("--microkernel: avx2 or baseline") }
        guard k.isAvailable else { throw ValidationError("--microkernel \(microkernel): not available on this CPU") }
        return k
    }

    /// One benchmark shape: a prepared op and its input.
    struct Shape {
        var key: String
        var macs: Int
        var run: (Int) throws -> [Int64]
    }

    func shapes() throws -> [Shape] {
        var rng = BenchRNG(seed: 0x1A7E)
        func values(_ n: Int) -> [Int64] { (0..<n).map { _ in Int64(Int8(truncatingIfNeeded: rng.next())) } }
        func weights(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(Int8(truncatingIfNeeded: rng.next())) } }
        var out: [Shape] = []
        let mk = try chosenMicrokernel()
        for (m, n, k) in [(1, 1024, 1024), (64, 1024, 1024), (256, 256, 256)] {
            let key = "gemm_\(m)x\(n)x\(k)"
            guard only.map({ key.contains($0) }) ?? true else { continue }
            let g = try PreparedGemm(Gemm(input: 0, output: 1, n: n, k: k, weights: weights(n * k), bias: values(n)))
            let x = values(m * k)
            out.append(Shape(key: key, macs: g.macs(rows: m)) { t in try g.runReportingPath(x, threads: t, microkernel: mk).values })
        }
        for (c, h, w, o, kh, s, p) in [(64, 56, 56, 64, 3, 1, 1), (3, 224, 224, 32, 3, 2, 1)] {
            let key = "conv_\(c)x\(h)x\(w)_\(o)x\(kh)x\(kh)_s\(s)"
            guard only.map({ key.contains($0) }) ?? true else { continue }
            let op = Conv(input: 0, output: 1, weightShape: [o, c, kh, kh], weights: weights(o * c * kh * kh), bias: values(o),
                          strides: [s, s], pads: [p, p, p, p], dilations: [1, 1], groups: 1)
            let conv = try PreparedConv(op, inputShape: [1, c, h, w])
            let x = values(c * h * w)
            out.append(Shape(key: key, macs: conv.geometry.macs) { t in try conv.runReportingPath(x, threads: t, microkernel: mk).values })
        }
        return out
    }

    /// Best GOP/s over runs filling `seconds` (at least 3 runs, after one warm-up run).
    func measure(_ s: Shape, threads: Int) throws -> Double {
        var result = try s.run(threads)
        var best = Double.infinity, total = 0.0, runs = 0
        while runs < 3 || total < seconds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            result = try s.run(threads)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, dt); total += dt; runs += 1
        }
        blackHole(result.count)
        return 2 * Double(s.macs) / best / 1e9
    }

    func run() throws {
        let progress = Progress(quiet: common.quiet)
        let t = common.threads
        var rows: [(String, Double, Double?)] = []
        for s in try shapes() {
            let one = try measure(s, threads: 1)
            let all = t > 1 ? try measure(s, threads: t) : nil
            progress.phase(s.key, format("%.1f GOP/s (1 thread)", one) + (all.map { format(", %.1f GOP/s (%ld threads)", $0, t) } ?? ""))
            rows.append((s.key, one, all))
        }
        if common.json {
            var obj: [String: Any] = ["threads": t, "unit": "GOP/s", "microkernel": try chosenMicrokernel().rawValue]
            for (k, one, all) in rows {
                obj[k + "_1thread"] = one
                if let all { obj[k + "_\(t)threads"] = all }
            }
            printJSON(obj)
        } else {
            print("shape                              1 thread   \(t) threads   (GOP/s, 2 ops per multiply-add)")
            for (k, one, all) in rows {
                print(k.padded(to: 32), format("%10.1f", one),
                      all.map { format("%12.1f", $0) } ?? "")
            }
        }
    }
}
