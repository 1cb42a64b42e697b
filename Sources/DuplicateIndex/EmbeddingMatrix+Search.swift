import Dispatch
import Synchronization

/// A row found by a search: the file's id and its distance to the query.
public struct Neighbor: Sendable, Equatable, CustomStringConvertible {
    public var id: Int64
    public var distance: Float

    public init(id: Int64, distance: Float) {
        self.id = id
        self.distance = distance
    }

    /// Nearer first; among equal distances, the lower id (the file indexed first).
    static func precedes(_ left: Neighbor, _ right: Neighbor) -> Bool {
        left.distance < right.distance || (left.distance == right.distance && left.id < right.id)
    }

    public var description: String { "#\(id)@\(distance)" }
}

/// Exact search: every result is what computing `L1Distance` against every row would give.
///
/// Each row's block bound (see `L1Distance.pruningLimit`) is checked first, eight rows at a time from 68 bytes per
/// row instead of the row's 512; only rows the bound cannot rule out are read in full. Over 32,768 rows the rows are split among the
/// cores in contiguous chunks.
extension EmbeddingMatrix {
    /// Rows within `radius` (distance ≤ radius), nearest first, ties by id.
    public func search(within radius: Float, of query: [Float], threads: Int = Self.defaultThreads) -> [Neighbor] {
        let prepared = prepare(query)
        let found = Mutex<[Neighbor]>([])
        scanChunks(threads: threads) { rows in
            var local: [Neighbor] = []
            forEachCandidate(in: rows, query: prepared, limit: radius) { row, distance in
                if distance <= radius { local.append(Neighbor(id: ids[row], distance: distance)) }
                return radius
            }
            found.withLock { $0 += local }
        }
        return found.withLock { $0 }.sorted(by: Neighbor.precedes)
    }

    /// Several range searches in one pass over the rows: for each (query, radius), exactly what
    /// `search(within:of:threads:)` gives. A picture's searches share a matrix (its whole and its windows against
    /// the wholes; its whole and its window at a place against that place's windows), and the rows' bounds are
    /// read from memory once for all of them instead of once per search.
    public func search(
        _ queries: [(query: [Float], radius: Float)], threads: Int = Self.defaultThreads
    ) -> [[Neighbor]] {
        guard !queries.isEmpty else { return [] }
        let prepared = queries.map { prepare($0.query) }
        let radii = queries.map(\.radius)
        let found = Mutex<[[Neighbor]]>(Array(repeating: [], count: queries.count))
        scanChunks(threads: threads) { rows in
            var local = [[Neighbor]](repeating: [], count: queries.count)
            var limits = radii
            forEachCandidate(in: rows, queries: prepared, limits: &limits) { query, row, distance in
                if distance <= radii[query] { local[query].append(Neighbor(id: ids[row], distance: distance)) }
                return radii[query]
            }
            found.withLock { all in
                for query in all.indices { all[query] += local[query] }
            }
        }
        return found.withLock { $0 }.map { $0.sorted(by: Neighbor.precedes) }
    }

    /// The `k` nearest rows, nearest first, ties by id.
    public func nearest(_ k: Int, to query: [Float], threads: Int = Self.defaultThreads) -> [Neighbor] {
        guard k > 0 else { return [] }
        let prepared = prepare(query)
        let found = Mutex<[Neighbor]>([])
        scanChunks(threads: threads) { rows in
            var best = NearestRows(k: k)
            forEachCandidate(in: rows, query: prepared, limit: .infinity) { row, distance in
                best.offer(Neighbor(id: ids[row], distance: distance))
            }
            found.withLock { $0 += best.rows }
        }
        return Array(found.withLock { $0 }.sorted(by: Neighbor.precedes).prefix(k))
    }

    /// The `k` nearest rows of each query in one pass over the rows: for each, exactly what `nearest(_:to:threads:)`
    /// gives. `twindup query` looks for a picture's whole and windows in one matrix at once, as `search` does.
    public func nearest(_ k: Int, to queries: [[Float]], threads: Int = Self.defaultThreads) -> [[Neighbor]] {
        guard k > 0 else { return queries.map { _ in [] } }
        guard !queries.isEmpty else { return [] }
        let prepared = queries.map { prepare($0) }
        let found = Mutex<[[Neighbor]]>(Array(repeating: [], count: queries.count))
        scanChunks(threads: threads) { rows in
            var best = [NearestRows](repeating: NearestRows(k: k), count: queries.count)
            var limits = [Float](repeating: .infinity, count: queries.count)
            forEachCandidate(in: rows, queries: prepared, limits: &limits) { query, row, distance in
                best[query].offer(Neighbor(id: ids[row], distance: distance))
            }
            found.withLock { all in
                for query in all.indices { all[query] += best[query].rows }
            }
        }
        return found.withLock { $0 }.map { Array($0.sorted(by: Neighbor.precedes).prefix(k)) }
    }

    /// Every row, in order, with its distance: the reference the searches are tested against.
    public func allDistances(to query: [Float]) -> [Neighbor] {
        let prepared = prepare(query)
        return values.withUnsafeBufferPointer { rows in
            prepared.row.withUnsafeBufferPointer { target in
                (0..<count).map { row in
                    Neighbor(
                        id: ids[row],
                        distance: L1Distance.distance(
                            rows.baseAddress! + row * stride, target.baseAddress!, stride: stride))
                }
            }
        }
    }

    public static var defaultThreads: Int { ProcessInfoCores.active }

    struct PreparedQuery {
        var row: [Float]
        var blockSums: SIMD16<Float>
        var norm: Float
    }

    func prepare(_ query: [Float]) -> PreparedQuery {
        precondition(query.count == width, "the query has \(query.count) coordinates, the index \(width)")
        let row = padded(query)
        let summary = Self.summary(of: row)
        return PreparedQuery(row: row, blockSums: summary.blockSums, norm: summary.norm)
    }

    /// Calls `body` with the distance of every row in the groups `groups` (of eight rows) whose block bound does
    /// not rule it out against the current limit (a range search's radius, or the k-th best distance so far),
    /// which `body` returns.
    private func forEachCandidate(
        in groups: Range<Int>, query: PreparedQuery, limit: Float, _ body: (Int, Float) -> Float
    ) {
        values.withUnsafeBufferPointer { stored in
            query.row.withUnsafeBufferPointer { target in
                groupBlockSums.withUnsafeBufferPointer { sums in
                    groupNorms.withUnsafeBufferPointer { norms in
                        let base = stored.baseAddress!
                        let queryRow = target.baseAddress!
                        let blocks = Self.blocks
                        let querySums = (0..<blocks).map { SIMD8<Float>(repeating: query.blockSums[$0]) }
                        var current = limit
                        for group in groups {
                            // Lane l: the bound of row 8·group + l.
                            var bound = SIMD8<Float>()
                            for block in 0..<blocks {
                                bound += L1Distance.magnitude(querySums[block] - sums[group * blocks + block])
                            }
                            let cutoff = L1Distance.pruningLimit(
                                radius: current, queryNorm: query.norm, rowNorms: norms[group])
                            let candidates = bound .<= cutoff
                            guard any(candidates) else { continue }
                            // Lanes past the last row pass only an infinite limit (the first k-nearest rows).
                            for lane in 0..<8 where candidates[lane] && group * 8 + lane < count {
                                let row = group * 8 + lane
                                current = body(row, L1Distance.distance(base + row * stride, queryRow, stride: stride))
                            }
                        }
                    }
                }
            }
        }
    }

    /// For each group of eight rows, reads its bounds once and calls `body` with (query, row, distance) for every
    /// row whose bound does not rule it out against that query's limit, which `body` returns (a range search's
    /// radius, or the k-th best distance so far): the same rows, bounds and distances as `forEachCandidate` for each
    /// query alone.
    private func forEachCandidate(
        in groups: Range<Int>, queries: [PreparedQuery], limits: inout [Float], _ body: (Int, Int, Float) -> Float
    ) {
        values.withUnsafeBufferPointer { stored in
            groupBlockSums.withUnsafeBufferPointer { sums in
                groupNorms.withUnsafeBufferPointer { norms in
                    let base = stored.baseAddress!
                    let blocks = Self.blocks
                    let querySums = queries.flatMap { query in
                        (0..<blocks).map { SIMD8<Float>(repeating: query.blockSums[$0]) }
                    }
                    for group in groups {
                        let groupSums = sums.baseAddress! + group * blocks
                        for (number, query) in queries.enumerated() {
                            var bound = SIMD8<Float>()
                            for block in 0..<blocks {
                                bound += L1Distance.magnitude(querySums[number * blocks + block] - groupSums[block])
                            }
                            let cutoff = L1Distance.pruningLimit(
                                radius: limits[number], queryNorm: query.norm, rowNorms: norms[group])
                            let candidates = bound .<= cutoff
                            guard any(candidates) else { continue }
                            // Lanes past the last row pass only an infinite limit (the first k-nearest rows).
                            for lane in 0..<8 where candidates[lane] && group * 8 + lane < count {
                                let row = group * 8 + lane
                                let distance = query.row.withUnsafeBufferPointer {
                                    L1Distance.distance(base + row * stride, $0.baseAddress!, stride: stride)
                                }
                                limits[number] = body(number, row, distance)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` on contiguous chunks of the groups of eight rows (`RowStorage.inChunks`).
    private func scanChunks(threads: Int, _ body: (Range<Int>) -> Void) {
        RowStorage.inChunks(units: groupNorms.count, rows: count, threads: threads, body)
    }
}

/// The `k` nearest rows offered so far, nearest first, ties by id.
private struct NearestRows {
    let k: Int
    private(set) var rows: [Neighbor] = []

    init(k: Int) {
        self.k = k
        rows.reserveCapacity(k + 1)
    }

    /// Keeps `candidate` if it is among the `k` nearest so far; returns the distance a row must now be within to
    /// be kept (the search's limit).
    mutating func offer(_ candidate: Neighbor) -> Float {
        if rows.count < k || Neighbor.precedes(candidate, rows[k - 1]) {
            let position = rows.firstIndex { Neighbor.precedes(candidate, $0) } ?? rows.count
            rows.insert(candidate, at: position)
            if rows.count > k { rows.removeLast() }
        }
        return rows.count < k ? .infinity : rows[k - 1].distance
    }
}

/// Without the block-bound filter: every row's distance, split over the cores. The benchmark's baseline.
extension EmbeddingMatrix {
    public func exhaustiveSearch(
        within radius: Float, of query: [Float], threads: Int = Self.defaultThreads
    ) -> [Neighbor] {
        exhaustive(query, threads: threads).filter { $0.distance <= radius }.sorted(by: Neighbor.precedes)
    }

    public func exhaustiveNearest(_ k: Int, to query: [Float], threads: Int = Self.defaultThreads) -> [Neighbor] {
        Array(exhaustive(query, threads: threads).sorted(by: Neighbor.precedes).prefix(k))
    }

    private func exhaustive(_ query: [Float], threads: Int) -> [Neighbor] {
        let prepared = prepare(query)
        var distances = [Float](repeating: 0, count: count)
        let parts = count < 32_768 ? 1 : max(1, threads)
        values.withUnsafeBufferPointer { stored in
            prepared.row.withUnsafeBufferPointer { target in
                distances.withUnsafeMutableBufferPointer { output in
                    let work = RowWork(
                        base: stored.baseAddress!, target: target.baseAddress!, output: output.baseAddress!,
                        stride: stride)
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        for row in (part * count / parts)..<((part + 1) * count / parts) {
                            work.output[row] = L1Distance.distance(
                                work.base + row * work.stride, work.target, stride: work.stride)
                        }
                    }
                }
            }
        }
        return zip(ids, distances).map { Neighbor(id: $0, distance: $1) }
    }
}

/// Pointers for the exhaustive pass.
// @unchecked Sendable is safe here: the pointers are used only inside `exhaustive`, which blocks until every part
// is done; parts read the shared rows and write disjoint ranges of `output`.
private struct RowWork: @unchecked Sendable {
    let base: UnsafePointer<Float>
    let target: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let stride: Int
}
