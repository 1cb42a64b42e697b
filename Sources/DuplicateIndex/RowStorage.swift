import Dispatch

/// What the search matrices (`EmbeddingMatrix`, `HashMatrix`) share: rows of a fixed stride in one array, and
/// scans split over the cores.
enum RowStorage {
    /// Removes the rows whose id is in `doomed` from `values` (`stride` elements per row) and `ids`, keeping the
    /// others in order, in one pass; returns the rows kept.
    static func remove<Element>(
        _ doomed: Set<Int64>, from values: inout [Element], ids: inout [Int64], stride: Int
    ) -> Int {
        var kept = 0
        for row in ids.indices where !doomed.contains(ids[row]) {
            if kept != row {
                for offset in 0..<stride { values[kept * stride + offset] = values[row * stride + offset] }
                ids[kept] = ids[row]
            }
            kept += 1
        }
        values.removeSubrange((kept * stride)...)
        ids.removeSubrange(kept...)
        return kept
    }

    /// Runs `body` on contiguous chunks of `0..<units` (rows, or groups of rows): one chunk when the matrix has
    /// under 32,768 rows, else one per thread, run at once.
    static func inChunks(units: Int, rows: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let parts = rows < 32_768 ? 1 : max(1, threads)
        let chunks = (0..<parts).map { part in (part * units / parts)..<((part + 1) * units / parts) }
        if parts == 1 {
            body(chunks[0])
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let shared = ChunkWork(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.body(chunks[$0]) }
        }
    }
}

/// Carries a chunk body into Dispatch's `@Sendable` closure.
// @unchecked Sendable is safe here: the box lives only inside `RowStorage.inChunks`, which blocks until every chunk
// is done; the matrices' chunks only read the matrix and each appends its results under a Mutex.
private struct ChunkWork: @unchecked Sendable {
    let body: (Range<Int>) -> Void
}
