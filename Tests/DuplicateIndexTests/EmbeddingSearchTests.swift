import Testing

@testable import DuplicateIndex

/// The searches against brute force computed independently: a scalar loop in the documented summation order.
struct EmbeddingSearchTests {
    /// Σ|aⱼ − bⱼ| exactly as `L1Distance` defines the order: 16 lane sums over j ≡ l (mod 16), then halves folded.
    static func referenceDistance(_ first: [Float], _ second: [Float]) -> Float {
        let padded = (first.count + 15) / 16 * 16
        let a = first + [Float](repeating: 0, count: padded - first.count)
        let b = second + [Float](repeating: 0, count: padded - second.count)
        var lanes = [Float](repeating: 0, count: 16)
        for start in stride(from: 0, to: padded, by: 16) {
            for lane in 0..<16 { lanes[lane] += abs(a[start + lane] - b[start + lane]) }
        }
        var width = 16
        while width > 1 {
            width /= 2
            for lane in 0..<width { lanes[lane] = lanes[lane] + lanes[lane + width] }
        }
        return lanes[0]
    }

    /// Deterministic pseudo-random embeddings, every seventh row a repeat of an earlier one (exact ties). The
    /// values are not exactly representable sums, so a different summation order would show.
    static func randomMatrix(rows: Int, width: Int, seed: UInt64) -> (EmbeddingMatrix, [[Float]]) {
        var generator = SplitMix(state: seed)
        var matrix = EmbeddingMatrix(width: width)
        var vectors: [[Float]] = []
        for row in 0..<rows {
            let vector: [Float]
            if row % 7 == 3, let earlier = vectors.randomElement(using: &generator) {
                vector = earlier  // an exact tie
            } else {
                vector = (0..<width).map { _ in Float.random(in: -2...2, using: &generator) }
            }
            vectors.append(vector)
            matrix.append(id: Int64(row * 3 + 1), embedding: vector)
        }
        return (matrix, vectors)
    }

    static func bruteForce(_ vectors: [[Float]], query: [Float]) -> [Neighbor] {
        vectors.enumerated().map {
            Neighbor(id: Int64($0.offset * 3 + 1), distance: referenceDistance($0.element, query))
        }
        .sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
    }

    @Test(arguments: [
        (rows: 500, width: 128, threads: 1), (rows: 40_000, width: 128, threads: 2),
        (rows: 3_000, width: 20, threads: 1),
    ])
    func rangeSearchEqualsBruteForceAtTheBoundary(rows: Int, width: Int, threads: Int) {
        let (matrix, vectors) = Self.randomMatrix(rows: rows, width: width, seed: UInt64(rows + width))
        var generator = SplitMix(state: 99)
        for trial in 0..<6 {
            let query =
                trial % 2 == 0
                ? vectors[trial * 11] : (0..<width).map { _ in Float.random(in: -2...2, using: &generator) }
            let truth = Self.bruteForce(vectors, query: query)
            // Radii exactly at a row's distance (that row and its ties must be in), and just below it (out).
            for rank in [0, 1, 5, 40, rows / 3] {
                let radius = truth[rank].distance
                let expected = truth.filter { $0.distance <= radius }
                #expect(
                    matrix.search(within: radius, of: query, threads: threads) == expected,
                    "a range search at radius \(radius) would have reported other files than brute force")
                let below = radius.nextDown
                #expect(
                    matrix.search(within: below, of: query, threads: threads) == truth.filter { $0.distance <= below })
            }
        }
    }

    /// Several searches in one pass give each query exactly brute force's rows, with each its own radius: radii
    /// at a row's distance and just below it, a stored row and a fresh query, a radius nothing is within.
    @Test(arguments: [(rows: 700, threads: 1), (rows: 40_000, threads: 2)])
    func searchesInOnePassEqualBruteForceEach(rows: Int, threads: Int) {
        let (matrix, vectors) = Self.randomMatrix(rows: rows, width: 128, seed: 11)
        var generator = SplitMix(state: 12)
        let fresh = (0..<128).map { _ in Float.random(in: -2...2, using: &generator) }
        var queries: [(query: [Float], radius: Float)] = []
        for (number, query) in [vectors[5], fresh, vectors[rows / 2]].enumerated() {
            let truth = Self.bruteForce(vectors, query: query)
            let radius = truth[[0, 9, 60][number]].distance
            queries += [(query, radius), (query, radius.nextDown)]
        }
        queries.append((fresh, -1))
        let found = matrix.search(queries, threads: threads)
        #expect(found.count == queries.count)
        for (number, (query, radius)) in queries.enumerated() {
            let expected = Self.bruteForce(vectors, query: query).filter { $0.distance <= radius }
            #expect(found[number] == expected, "query \(number) at radius \(radius)")
        }
        #expect(found.last?.isEmpty == true)
        #expect(matrix.search([], threads: threads).isEmpty)
    }

    @Test(arguments: [(rows: 700, threads: 1), (rows: 40_000, threads: 2)])
    func nearestEqualsBruteForceWithTies(rows: Int, threads: Int) {
        let (matrix, vectors) = Self.randomMatrix(rows: rows, width: 128, seed: 7)
        for trial in 0..<5 {
            let query = vectors[trial * 13 + 3]
            let truth = Self.bruteForce(vectors, query: query)
            for k in [1, 2, 10, 57] {
                #expect(
                    matrix.nearest(k, to: query, threads: threads) == Array(truth.prefix(k)),
                    "twindup query --k \(k) would have listed other files than brute force")
            }
        }
    }

    /// `twindup query` looks for a picture's whole and windows in one pass: each query keeps its own k nearest,
    /// exactly brute force's, ties included, however close or far the other queries are.
    @Test(arguments: [(rows: 700, threads: 1), (rows: 40_000, threads: 2)])
    func nearestOfSeveralQueriesInOnePassEqualsBruteForceEach(rows: Int, threads: Int) {
        let (matrix, vectors) = Self.randomMatrix(rows: rows, width: 128, seed: 21)
        var generator = SplitMix(state: 22)
        let fresh = (0..<128).map { _ in Float.random(in: -2...2, using: &generator) }
        let far = [Float](repeating: 40, count: 128)
        let queries = [vectors[3], fresh, vectors[rows - 1], far, vectors[3]]
        for k in [1, 10, 57] {
            let found = matrix.nearest(k, to: queries, threads: threads)
            #expect(found.count == queries.count)
            for (number, query) in queries.enumerated() {
                #expect(
                    found[number] == Array(Self.bruteForce(vectors, query: query).prefix(k)),
                    "query \(number), k \(k)")
            }
        }
        #expect(matrix.nearest(0, to: queries, threads: threads).allSatisfy { $0.isEmpty })
        #expect(matrix.nearest(5, to: [[Float]](), threads: threads).isEmpty)
    }

    @Test func clusteredRowsArePrunedWithoutChangingResults() {
        // Near-duplicates around a few centres, as real collections have: most rows are skipped by the block
        // bound, and the results must still be exactly brute force's.
        var generator = SplitMix(state: 5)
        let centres = (0..<20).map { _ in (0..<128).map { _ in Float.random(in: -1...1, using: &generator) } }
        var matrix = EmbeddingMatrix(width: 128)
        var vectors: [[Float]] = []
        for row in 0..<5_000 {
            let vector = centres[row % 20].map { $0 + Float.random(in: -0.01...0.01, using: &generator) }
            vectors.append(vector)
            matrix.append(id: Int64(row * 3 + 1), embedding: vector)
        }
        let query = vectors[17]
        let truth = Self.bruteForce(vectors, query: query)
        let radius = truth[100].distance
        #expect(matrix.search(within: radius, of: query) == truth.filter { $0.distance <= radius })
        #expect(matrix.nearest(25, to: query) == Array(truth.prefix(25)))
    }

    @Test func removedRowsAreNoLongerFound() {
        let (original, vectors) = Self.randomMatrix(rows: 300, width: 128, seed: 3)
        var matrix = original
        let doomed: Set<Int64> = [1, 4, 301, 898]
        matrix.remove(ids: doomed)
        #expect(matrix.count == 296)
        let query = vectors[0]
        let expected = Self.bruteForce(vectors, query: query).filter { !doomed.contains($0.id) }
        #expect(matrix.nearest(296, to: query) == expected)
        #expect(matrix.allDistances(to: query).count == 296)
    }
}

/// SplitMix64, so the random embeddings are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
