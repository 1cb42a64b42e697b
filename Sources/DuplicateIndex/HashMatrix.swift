import ImageHashing
import Synchronization

/// The pictures' hashes of a hash comparison (`HashComparison`) as bits, 32 bytes per 256-bit hash, searched by
/// the number of differing bits: the comparison's distance `offset + scale·h` grows with h alone, so a radius is
/// a largest h and a search needs no floats. (Kept as 256 coordinates of 0 or the scale, as the embeddings are,
/// a hash took about 1.1 KB resident and its summed distance differed from the detector's in the last bits.)
public struct HashMatrix: Sendable {
    public let kind: PerceptualHash.Kind
    /// 64-bit words per hash.
    let wordsPerRow: Int
    /// `count * wordsPerRow` words, row by row, in `PerceptualHash.words` order.
    private(set) var words: [UInt64] = []
    /// The index's id of the file each row belongs to.
    public private(set) var ids: [Int64] = []

    public init(kind: PerceptualHash.Kind) {
        self.kind = kind
        wordsPerRow = kind.bitCount / 64
    }

    public var count: Int { ids.count }

    /// Bytes the rows take in memory.
    public var memoryBytes: Int { words.capacity * 8 + ids.capacity * 8 }

    public mutating func reserveCapacity(_ rows: Int) {
        words.reserveCapacity(rows * wordsPerRow)
        ids.reserveCapacity(rows)
    }

    public mutating func append(id: Int64, hash: PerceptualHash) {
        precondition(hash.kind == kind, "a \(hash.kind) hash cannot join a matrix of \(kind) hashes")
        words += hash.words
        ids.append(id)
    }

    /// Removes the rows of these files, keeping the others in order (one pass).
    public mutating func remove(ids doomed: Set<Int64>) {
        guard !doomed.isEmpty else { return }
        _ = RowStorage.remove(doomed, from: &words, ids: &ids, stride: wordsPerRow)
    }

    /// The stored hash of a row.
    public func hash(atRow row: Int) -> PerceptualHash {
        PerceptualHash(kind: kind, words: Array(words[(row * wordsPerRow)..<((row + 1) * wordsPerRow)]))
    }

    /// Rows whose hash differs from `query` in at most `maximumBits` bits, by file id, with their bit counts.
    /// Over 32,768 rows the rows are split among `threads` in contiguous chunks.
    public func search(
        withinBits maximumBits: Int, of query: PerceptualHash, threads: Int = EmbeddingMatrix.defaultThreads
    ) -> [(id: Int64, bits: Int)] {
        precondition(query.kind == kind, "a \(query.kind) hash cannot search a matrix of \(kind) hashes")
        guard maximumBits >= 0 else { return [] }
        let found = Mutex<[(id: Int64, bits: Int)]>([])
        forEachChunk(threads: threads) { rows in
            var local: [(id: Int64, bits: Int)] = []
            forEachDistance(in: rows, to: query) { row, bits in
                if bits <= maximumBits { local.append((ids[row], bits)) }
            }
            found.withLock { $0 += local }
        }
        return found.withLock { $0 }
    }

    /// The `k` rows nearest to `query` in bits, nearest first, ties by id.
    public func nearest(_ k: Int, to query: PerceptualHash) -> [(id: Int64, bits: Int)] {
        precondition(query.kind == kind, "a \(query.kind) hash cannot search a matrix of \(kind) hashes")
        guard k > 0 else { return [] }
        var all: [(id: Int64, bits: Int)] = []
        all.reserveCapacity(count)
        forEachDistance(in: 0..<count, to: query) { row, bits in all.append((ids[row], bits)) }
        let sorted = all.sorted { $0.bits < $1.bits || ($0.bits == $1.bits && $0.id < $1.id) }
        return Array(sorted.prefix(k))
    }

    /// Calls `body` with every row of `rows` and its number of bits differing from `query`.
    private func forEachDistance(in rows: Range<Int>, to query: PerceptualHash, _ body: (Int, Int) -> Void) {
        let wordsPerRow = self.wordsPerRow
        query.words.withUnsafeBufferPointer { target in
            words.withUnsafeBufferPointer { stored in
                if wordsPerRow == 4 {
                    // The comparison's 256-bit hashes: one unrolled row at a time.
                    let (q0, q1, q2, q3) = (target[0], target[1], target[2], target[3])
                    for row in rows {
                        let base = row * 4
                        body(
                            row,
                            (stored[base] ^ q0).nonzeroBitCount + (stored[base + 1] ^ q1).nonzeroBitCount
                                + (stored[base + 2] ^ q2).nonzeroBitCount + (stored[base + 3] ^ q3).nonzeroBitCount)
                    }
                } else {
                    for row in rows {
                        var bits = 0
                        for word in 0..<wordsPerRow {
                            bits += (stored[row * wordsPerRow + word] ^ target[word]).nonzeroBitCount
                        }
                        body(row, bits)
                    }
                }
            }
        }
    }

    /// Runs `body` on contiguous chunks of the rows (`RowStorage.inChunks`).
    private func forEachChunk(threads: Int, _ body: (Range<Int>) -> Void) {
        RowStorage.inChunks(units: count, rows: count, threads: threads, body)
    }
}
