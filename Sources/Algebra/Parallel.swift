import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs `body(i)` for i in 0..<count on at most `threads` worker threads.
///
/// With one thread (or one item) it runs inline, so `--threads 1` really is single-threaded.
/// Items are handed out round-robin by worker: worker t runs t, t + workers, …
@inlinable
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { b in
        DispatchQueue.concurrentPerform(iterations: workers) { t in
            var i = t
            while i < count { b(i); i += workers }
        }
    }
}

/// Runs `body(i)` for i in 0..<count on at most `threads` worker threads, job i only after
/// the jobs in `prerequisites(i)` (each of a lower index) have finished. A free worker takes
/// the lowest-index job that is ready (list scheduling), or waits while none is.
///
/// For unequal jobs: where `parallelFor`'s fixed round-robin can leave one thread with the
/// long jobs, here a thread that finishes early takes the next ready one; callers list the
/// long jobs first, and a job waiting for another does not hold up the jobs behind it. With
/// one thread the jobs run inline, in order. Traps when a prerequisite is not a lower index.
public func parallelJobs(_ count: Int, threads: Int, prerequisites: (Int) -> [Int] = { _ in [] },
                         _ body: (Int) -> Void) {
    let needs = (0..<count).map { i in
        let p = prerequisites(i)
        precondition(p.allSatisfy { (0..<i).contains($0) }, "parallelJobs: job \(i)'s prerequisites must be earlier jobs")
        return p
    }
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    let board = JobBoard(needs)
    withoutActuallyEscaping(body) { b in
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = board.take() {
                b(i)
                board.finish(i)
            }
        }
    }
}

/// Which of `parallelJobs`'s jobs are taken and finished, under one mutex; a worker with
/// nothing ready waits on the condition that a finished job signals.
final class JobBoard: @unchecked Sendable {
    private let needs: [[Int]]
    private var taken: [Bool]
    private var finished: [Bool]
    private var left: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(_ needs: [[Int]]) {
        self.needs = needs
        taken = [Bool](repeating: false, count: needs.count)
        finished = taken
        left = needs.count
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// The lowest-index ready job, now taken; nil once every job is taken.
    func take() -> Int? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while left > 0 {
            if let i = taken.indices.first(where: { !taken[$0] && needs[$0].allSatisfy { finished[$0] } }) {
                taken[i] = true
                left -= 1
                return i
            }
            pthread_cond_wait(changed, mutex)
        }
        return nil
    }

    func finish(_ i: Int) {
        pthread_mutex_lock(mutex)
        finished[i] = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }
}

/// Runs body(chunk, lo, hi) over 0..<n cut into one contiguous chunk per thread (chunk <
/// max(1, threads)); one inline chunk below 2^12 items, where a thread hand-off costs more
/// than it saves.
@inlinable
public func parallelChunks(_ n: Int, threads: Int, _ body: (_ chunk: Int, _ lo: Int, _ hi: Int) -> Void) {
    let parts = n < (1 << 12) ? 1 : max(1, threads)
    if parts == 1 { body(0, 0, n); return }
    parallelFor(parts, threads: parts) { c in
        body(c, c * n / parts, (c + 1) * n / parts)
    }
}

/// Work run on another thread when `concurrently` (else at once, on this one) and collected
/// later with `wait()`: a proving key's digest beside its point checks, a key loading while
/// the model's kernels run.
public final class BackgroundWork<T>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Result<T, Error>?

    public init(concurrently: Bool, _ work: @escaping () throws -> T) {
        if concurrently {
            DispatchQueue.global().async(group: group) { self.result = Result { try work() } }
        } else {
            result = Result { try work() }
        }
    }

    /// The work's value once it has finished, or its error.
    public func wait() throws -> T {
        group.wait()
        return try result!.get()
    }
}
