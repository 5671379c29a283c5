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

    /// A job runs only after its prerequisites have finished (the prover's L+H parts after
    /// the quotient), on any number of threads.
    func testJobsRunAfterTheirPrerequisites() {
        for threads in [1, 2, 3] {
            let finished = UnsafeMutablePointer<Bool>.allocate(capacity: 5)
            finished.initialize(repeating: false, count: 5)
            let sawPrerequisite = UnsafeMutablePointer<Bool>.allocate(capacity: 5)
            sawPrerequisite.initialize(repeating: false, count: 5)
            defer { finished.deallocate(); sawPrerequisite.deallocate() }
            parallelJobs(5, threads: threads, prerequisites: { $0 == 2 || $0 == 3 ? [0] : [] }) { i in
                if i == 0 { usleep(30_000) }
                sawPrerequisite[i] = finished[0]
                finished[i] = true
            }
            XCTAssertTrue(sawPrerequisite[2] && sawPrerequisite[3], "threads \(threads)")
            XCTAssertEqual((0..<5).map { finished[$0] }, [true, true, true, true, true])
        }
    }

    /// A job waiting for a prerequisite does not hold up the ready jobs listed after it: on
    /// two threads, job 2 runs while job 0 (which job 1 needs) is still running.
    func testWaitingJobDoesNotBlockReadyOnes() {
        let zeroFinished = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        zeroFinished.initialize(to: false)
        let twoRanEarly = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        twoRanEarly.initialize(to: false)
        defer { zeroFinished.deallocate(); twoRanEarly.deallocate() }
        let start = DispatchTime.now()
        parallelJobs(3, threads: 2, prerequisites: { $0 == 1 ? [0] : [] }) { i in
            switch i {
            case 0:
                // Wait (up to 10 s) for job 2: it can only run on the other thread now.
                while !twoRanEarly.pointee && DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds < 10_000_000_000 {
                    usleep(1000)
                }
                zeroFinished.pointee = true
            case 2: twoRanEarly.pointee = !zeroFinished.pointee
            default: break
            }
        }
        XCTAssertTrue(twoRanEarly.pointee)
    }
}
