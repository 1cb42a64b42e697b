import ArgumentParser
import DuplicateIndex
import Foundation
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
