import Dispatch
import Synchronization
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

/// Runs `body(i)` for i in 0..<count on at most `threads` worker threads, each worker taking
/// the lowest index not yet taken whenever it is free (list scheduling).
///
/// For unequal jobs: where `parallelFor`'s fixed round-robin can leave one thread with the
/// long jobs, here a thread that finishes early takes the next one, so callers put the
/// longest jobs first. A job may wait for an earlier one (a lower index is always taken
/// first). With one thread the jobs run inline, in order.
public func parallelJobs(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    let next = JobCounter()
    withoutActuallyEscaping(body) { b in
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.take()
                if i >= count { break }
                b(i)
            }
        }
    }
}

/// The next job index of `parallelJobs`, shared by its workers.
final class JobCounter: Sendable {
    private let value = Atomic<Int>(0)

    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
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
