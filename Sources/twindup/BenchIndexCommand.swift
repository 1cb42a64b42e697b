import ArgumentParser
import DuplicateIndex
import Foundation
import ImageHashing
import TwinModel

/// Query latency, memory and open time of the index on synthetic embeddings.
struct BenchIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Measure index query latency, memory per image and open time on synthetic embeddings.",
        discussion: """
            Synthetic scaled embeddings are drawn per coordinate from a normal distribution with the mean and \
            standard deviation of the real embeddings in --calibrate (an index made by twindup scan), or w ⊙ N(0, 1) \
            without it. Queries: half are fresh draws (no neighbours), half are stored rows plus a small jitter \
            (a near-duplicate exists). Each is timed for the range search at the model's default threshold and for \
            the 10 nearest, with the block-bound filter and as a plain SIMD pass over every row (the baseline).
            """
    )

    @Option(parsing: .upToNextOption, help: "Index sizes.")
    var sizes: [Int] = [10_000, 100_000, 1_000_000]

    @Option(help: "Queries per size.")
    var queries = 200

    @Option(help: "An index whose embeddings set the synthetic distribution.")
    var calibrate: String?

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Also build an index file of the largest size and time opening it (needs ~1 GB of disk).")
    var openTime = true

    @Option(
        parsing: .upToNextOption,
        help: "Indexed pictures for the window matching's searches (about 7 KB of memory each); none to skip.")
    var windowSizes: [Int] = [100_000]

    func run() throws {
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model))
        let width = detector.architecture.embeddingWidth
        let radius = detector.radius(threshold: detector.defaultThreshold)
        let distribution = try SyntheticEmbeddings(width: width, detector: detector, calibrationIndex: calibrate)
        print(
            "twindup bench index: \(width)-d scaled embeddings, \(distribution.source); radius \(radius) (p ≥ \(detector.defaultThreshold)); \(ProcessInfoCores.active) cores"
        )
        print(
            "rows       range p50/p99 ms   exhaustive p50/p99 ms   10-NN p50/p99 ms   exhaustive 10-NN ms   matches/query  bytes/row"
        )
        var generator = SystemRandomNumberGenerator()
        for size in sizes {
            let baseline = MemoryUse.residentBytes()
            var matrix = EmbeddingMatrix(width: width)
            matrix.reserveCapacity(size)
            for id in 0..<size { matrix.append(id: Int64(id + 1), embedding: distribution.draw(using: &generator)) }
            let perRow = Double(MemoryUse.residentBytes() - baseline) / Double(size)
            let queryVectors: [[Float]] = (0..<queries).map { number in
                if number % 2 == 0 { return distribution.draw(using: &generator) }
                return matrix.embedding(atRow: Int.random(in: 0..<size, using: &generator)).map {
                    $0 + Float.random(in: -0.001...0.001, using: &generator)
                }
            }
            var range: [Double] = []
            var exhaustive: [Double] = []
            var nearest: [Double] = []
            var exhaustiveNearest: [Double] = []
            var matches = 0
            for query in queryVectors {
                range.append(Self.milliseconds { matches += matrix.search(within: radius, of: query).count })
                exhaustive.append(Self.milliseconds { _ = matrix.exhaustiveSearch(within: radius, of: query) })
                nearest.append(Self.milliseconds { _ = matrix.nearest(10, to: query) })
                if exhaustiveNearest.count < 20 {
                    exhaustiveNearest.append(Self.milliseconds { _ = matrix.exhaustiveNearest(10, to: query) })
                }
            }
            print(
                String(
                    format:
                        "%-9d  %6.2f / %6.2f      %6.2f / %6.2f         %6.2f / %6.2f     %6.2f                %6.2f         %.0f",
                    size, Self.percentile(range, 50), Self.percentile(range, 99), Self.percentile(exhaustive, 50),
                    Self.percentile(exhaustive, 99), Self.percentile(nearest, 50), Self.percentile(nearest, 99),
                    Self.percentile(exhaustiveNearest, 50), Double(matches) / Double(queries), perRow))
            if openTime && size == sizes.max() { try measureOpen(matrix: matrix, detector: detector) }
        }
        if let comparison = detector.windowMatching?.hashComparison {
            try measureHashes(comparison: comparison, radius: radius)
        }
        if let matching = detector.windowMatching {
            try measureWindowedMatches(matching: matching, distribution: distribution, radius: radius)
        }
    }

    /// A picture's embedding searches with the window matching (`ImageIndex.embeddingMatches`: its whole and
    /// windows against the wholes and the windows of each place), the searches of one matrix in one pass against
    /// one search at a time (the baseline), on synthetic pictures whose whole and windows are independent draws;
    /// half the queries are a stored picture's rows with a small jitter.
    private func measureWindowedMatches(
        matching: WindowMatching, distribution: SyntheticEmbeddings, radius: Float
    ) throws {
        let places = matching.grid.count
        let (penalty, aligned) = (Float(matching.penalty), matching.alignedPenalty.map { Float($0) })
        print("window matching: whole and \(places) windows per picture, penalties \(penalty) and \(aligned ?? .nan)")
        print(
            "pictures   search: together p50/p99 ms   one at a time p50/p99 ms   speed-up (p50)   matches/query   "
                + "10 nearest: together p50/p99 ms   one at a time p50/p99 ms   speed-up (p50)")
        var generator = SystemRandomNumberGenerator()
        for size in windowSizes where size > 0 {
            var wholes = EmbeddingMatrix(width: distribution.means.count)
            wholes.reserveCapacity(size)
            var windows = [EmbeddingMatrix](repeating: wholes, count: places)
            for id in 0..<size {
                wholes.append(id: Int64(id + 1), embedding: distribution.draw(using: &generator))
                for place in 0..<places {
                    windows[place].append(id: Int64(id + 1), embedding: distribution.draw(using: &generator))
                }
            }
            var together: [Double] = []
            var oneByOne: [Double] = []
            var nearestTogether: [Double] = []
            var nearestOneByOne: [Double] = []
            var matches = 0
            for number in 0..<queries {
                let picture: WindowedEmbedding
                if number % 2 == 0 {
                    picture = WindowedEmbedding(
                        whole: distribution.draw(using: &generator),
                        windows: (0..<places).map { _ in distribution.draw(using: &generator) })
                } else {
                    let row = Int.random(in: 0..<size, using: &generator)
                    func jittered(_ values: [Float]) -> [Float] {
                        values.map { $0 + Float.random(in: -0.001...0.001, using: &generator) }
                    }
                    picture = WindowedEmbedding(
                        whole: jittered(wholes.embedding(atRow: row)),
                        windows: windows.map { jittered($0.embedding(atRow: row)) })
                }
                let found = try Self.timedBothWays(
                    "the searches", together: &together, oneByOne: &oneByOne
                ) { isTogether in
                    ImageIndex.embeddingMatches(
                        of: picture, within: radius, wholes: wholes, windows: windows, penalty: penalty,
                        alignedPenalty: aligned, contentPlace: nil, threads: ProcessInfoCores.active,
                        together: isTogether)
                }
                matches += found.count
                // What twindup query asks: the 10 nearest files by the same comparisons.
                _ = try Self.timedBothWays(
                    "the 10 nearest", together: &nearestTogether, oneByOne: &nearestOneByOne
                ) { isTogether in
                    ImageIndex.embeddingNearest(
                        10, to: picture, wholes: wholes, windows: windows, penalty: penalty,
                        alignedPenalty: aligned, contentPlace: nil, threads: ProcessInfoCores.active,
                        together: isTogether)
                }
            }
            print(
                String(
                    format:
                        "%-9d          %6.2f / %6.2f        %6.2f / %6.2f             %5.2f×          %6.2f                     %6.2f / %6.2f        %6.2f / %6.2f             %5.2f×",
                    size, Self.percentile(together, 50), Self.percentile(together, 99), Self.percentile(oneByOne, 50),
                    Self.percentile(oneByOne, 99), Self.percentile(oneByOne, 50) / Self.percentile(together, 50),
                    Double(matches) / Double(queries), Self.percentile(nearestTogether, 50),
                    Self.percentile(nearestTogether, 99), Self.percentile(nearestOneByOne, 50),
                    Self.percentile(nearestOneByOne, 99),
                    Self.percentile(nearestOneByOne, 50) / Self.percentile(nearestTogether, 50)))
        }
    }

    /// Runs `search` in one pass per matrix (`true`) and one search at a time (`false`), adding each time in
    /// milliseconds to its list; the two must find the same files, which are returned.
    private static func timedBothWays(
        _ what: String, together: inout [Double], oneByOne: inout [Double], _ search: (Bool) -> [Neighbor]
    ) throws -> [Neighbor] {
        var inOnePass: [Neighbor] = []
        var oneAtATime: [Neighbor] = []
        together.append(milliseconds { inOnePass = search(true) })
        oneByOne.append(milliseconds { oneAtATime = search(false) })
        guard inOnePass == oneAtATime else {
            throw ValidationError("\(what) in one pass found \(inOnePass), one at a time \(oneAtATime)")
        }
        return inOnePass
    }

    /// The hash comparison's search on uniformly random hashes (half the queries a stored hash with a few bits
    /// flipped, so that a match exists), against the same hashes kept as rows of 256 floats of 0 or the scale
    /// searched by the embeddings' L1 range search (how the index kept them before; up to 100,000 rows, since
    /// that baseline takes about 1.1 KB per row).
    private func measureHashes(comparison: HashComparison, radius: Float) throws {
        guard let bits = comparison.largestBits(within: radius) else { return }
        let kind = HashComparison.kind
        print(
            "hashes: \(kind.bitCount)-bit, within \(bits) bits (distance \(comparison.distance(bits: bits)) ≤ \(radius))"
        )
        print("rows       bits p50/p99 ms    floats p50/p99 ms   floats/bits   matches/query  bytes/row (bits, floats)")
        var generator = SystemRandomNumberGenerator()
        func randomHash() -> PerceptualHash {
            PerceptualHash(kind: kind, words: (0..<(kind.bitCount / 64)).map { _ in generator.next() })
        }
        func floatRow(_ hash: PerceptualHash) -> [Float] {
            (0..<kind.bitCount).map { (hash.words[$0 / 64] >> UInt64($0 % 64)) & 1 == 1 ? comparison.scale : 0 }
        }
        for size in sizes {
            var before = MemoryUse.residentBytes()
            var matrix = HashMatrix(kind: kind)
            matrix.reserveCapacity(size)
            for id in 0..<size { matrix.append(id: Int64(id + 1), hash: randomHash()) }
            let bitsPerRow = Double(MemoryUse.residentBytes() - before) / Double(size)
            let queries: [PerceptualHash] = (0..<self.queries).map { number in
                guard number % 2 == 1 else { return randomHash() }
                var words = matrix.hash(atRow: Int.random(in: 0..<size, using: &generator)).words
                for _ in 0..<8 {
                    let bit = Int.random(in: 0..<kind.bitCount, using: &generator)
                    words[bit / 64] ^= 1 << UInt64(bit % 64)
                }
                return PerceptualHash(kind: kind, words: words)
            }
            var floats: EmbeddingMatrix?
            var floatsPerRow = Double.nan
            if size <= 100_000 {
                before = MemoryUse.residentBytes()
                var rows = EmbeddingMatrix(width: kind.bitCount)
                rows.reserveCapacity(size)
                for row in 0..<size { rows.append(id: matrix.ids[row], embedding: floatRow(matrix.hash(atRow: row))) }
                floatsPerRow = Double(MemoryUse.residentBytes() - before) / Double(size)
                floats = rows
            }
            var bitTimes: [Double] = []
            var floatTimes: [Double] = []
            var matches = 0
            for query in queries {
                var found = 0
                bitTimes.append(Self.milliseconds { found = matrix.search(withinBits: bits, of: query).count })
                matches += found
                if let floats {
                    var floatFound = 0
                    let row = floatRow(query)
                    floatTimes.append(
                        Self.milliseconds {
                            floatFound = floats.search(within: radius - comparison.offset, of: row).count
                        })
                    guard floatFound == found else {
                        throw ValidationError("the float rows found \(floatFound) hashes, the bits \(found)")
                    }
                }
            }
            let floatP50 = floatTimes.isEmpty ? Double.nan : Self.percentile(floatTimes, 50)
            print(
                String(
                    format: "%-9d  %6.2f / %6.2f      %6.2f / %6.2f      %6.1f×        %6.2f         %.0f, %.0f",
                    size, Self.percentile(bitTimes, 50), Self.percentile(bitTimes, 99), floatP50,
                    floatTimes.isEmpty ? Double.nan : Self.percentile(floatTimes, 99),
                    floatP50 / Self.percentile(bitTimes, 50), Double(matches) / Double(self.queries), bitsPerRow,
                    floatsPerRow))
        }
    }

    /// Writes `matrix` as an index file, then times opening it (reading every embedding into a new matrix).
    private func measureOpen(matrix: EmbeddingMatrix, detector: TwinDetector) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindup-bench-index-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("index.sqlite").path
        let store = try IndexStore(path: path, modelID: detector.modelID)
        let writeStart = Date()
        var batch: [IndexedFile] = []
        for row in 0..<matrix.count {
            var hash = [UInt8](repeating: 0, count: 32)
            withUnsafeBytes(of: row.littleEndian) { hash.replaceSubrange(0..<8, with: $0) }
            batch.append(
                IndexedFile(
                    id: matrix.ids[row], path: RawPath("/synthetic/\(row / 1000)/\(row).jpg"),
                    identity: FileIdentity(device: 1, inode: UInt64(row), size: 1_000_000, modificationTime: 0),
                    contentHash: hash, width: 4000, height: 3000, embedding: matrix.embedding(atRow: row),
                    decodeError: nil, modelID: detector.modelID, addedAt: Date()))
            if batch.count == 10_000 {
                try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try store.insert(batch)
        let writeSeconds = Date().timeIntervalSince(writeStart)
        let before = MemoryUse.residentBytes()
        let openStart = Date()
        let reopened = try ImageIndex(path: path, detector: detector)
        let openSeconds = Date().timeIntervalSince(openStart)
        let grown = MemoryUse.residentBytes() - before
        let size = try store.statistics().bytesOnDisk
        print(
            String(
                format:
                    "open: %d rows (%.0f MB on disk, written in %.1f s) opened in %.2f s; resident +%.0f bytes per image after opening",
                reopened.matrix.count, Double(size) / 1e6, writeSeconds, openSeconds,
                Double(grown) / Double(reopened.matrix.count)))
    }

    static func milliseconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func percentile(_ values: [Double], _ percent: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * percent / 100).rounded()))]
    }
}

/// Resident memory of this process, from /proc/self/statm.
enum MemoryUse {
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
