import Dispatch

/// Static partition of `0..<count` into at most `threads` contiguous chunks run concurrently. The partition depends
/// only on `count` and `threads`, so reductions summed chunk by chunk in order are reproducible for a thread count.
enum ParallelLoop {
    static func chunks(count: Int, threads: Int) -> [Range<Int>] {
        let parts = max(1, min(threads, count))
        return (0..<parts).map { part in (part * count / parts)..<((part + 1) * count / parts) }
    }

    /// Runs `body(chunk, chunkIndex)` for each chunk; returns when all are done. Each chunk must write only
    /// memory that no other chunk touches (its own samples, channels or partial-gradient slot).
    static func run(count: Int, threads: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = chunks(count: count, threads: threads)
        if parts.count == 1 {
            body(parts[0], 0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let shared = ChunkBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts.count) { index in shared.body(parts[index], index) }
        }
    }
}

/// Carries the loop body into Dispatch's `@Sendable` closure.
// @unchecked Sendable is safe here: the box lives only inside `ParallelLoop.run`, which blocks until every
// iteration has finished, and the body's contract is that concurrent chunks write disjoint memory.
private struct ChunkBody: @unchecked Sendable {
    let body: (Range<Int>, Int) -> Void
}
