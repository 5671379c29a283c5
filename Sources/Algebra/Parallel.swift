import Dispatch
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
