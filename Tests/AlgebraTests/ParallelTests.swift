import Dispatch
import XCTest
import Algebra

final class ParallelTests: XCTestCase {
    func testJobsRunOnceEach() {
        for threads in [1, 2, 4] {
            for count in [0, 1, 5, 300] {
                let runs = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                runs.initialize(repeating: 0, count: max(count, 1))
                defer { runs.deallocate() }
                parallelJobs(count, threads: threads) { i in runs[i] += 1 }
                XCTAssertEqual((0..<count).filter { runs[$0] != 1 }, [], "threads \(threads), \(count) jobs")
            }
        }
    }

    func testOneThreadRunsJobsInOrder() {
        var order = [Int]()
        parallelJobs(6, threads: 1) { order.append($0) }
        XCTAssertEqual(order, Array(0..<6))
    }

    /// A job may wait for an earlier one: the earlier index is always taken first, so the
    /// wait ends (the prover's L+H parts wait for the quotient this way).
    func testLaterJobsMayWaitForEarlierOnes() {
        for threads in [1, 2, 3] {
            let first = DispatchGroup()
            first.enter()
            let done = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
            done.initialize(repeating: false, count: 4)
            defer { done.deallocate() }
            parallelJobs(4, threads: threads) { i in
                if i == 0 {
                    usleep(20_000)
                    done[0] = true
                    first.leave()
                } else {
                    XCTAssertEqual(first.wait(timeout: .now() + 10), .success)
                    done[i] = done[0]
                }
            }
            XCTAssertEqual((0..<4).map { done[$0] }, [true, true, true, true], "threads \(threads)")
        }
    }
}
