import ArgumentParser
import DuplicateIndex
import Foundation
import ImageIO
import TwinModel

/// The daemon measured from outside, as a real `twindup watch` process: latency from a file's close to its report
/// line, sustained throughput against `twindup scan`, resident memory, and CPU while idle.
struct BenchWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Measure twindup watch as a running process: report latency, throughput, memory and idle CPU.",
        discussion: """
            Runs this executable as `twindup watch DIR --report R --index I --settle S` on a scratch folder, the way \
            a file server runs it, and measures only from outside. The watched folder is seeded with one original \
            picture; every file written afterwards is a distinct near-duplicate of it (a crop of 0–7 pixels per \
            side, every eighth also shrunk to 90–99%, JPEG quality 60–95), made before anything is timed, so each \
            one must get a near_duplicate line. Files are written with open, write, close; the close time is \
            CLOCK_REALTIME right after close returns, and latency is the `ts` of the file's first report line minus \
            that (ts has whole milliseconds, truncated, so a latency can read up to 1 ms low).

            In order: idle CPU (utime + stime from /proc over --idle-seconds once start-up has gone quiet), resident \
            memory (VmRSS) with an empty index, latency idle (one file at a time, waiting for each line), latency \
            under load (--load-rate files per second for --load-seconds, paced, not in bursts), throughput (--count \
            files written as fast as possible; files/s from the first close to the last line about them), then \
            SIGTERM (exit status reported), `twindup scan` of the same files into a fresh index (the same pipeline \
            without inotify: the baseline), and a second daemon started on an index of --indexed synthetic \
            embeddings (outside the watched folder) for resident memory per indexed picture.

            --picture takes a photo, or a folder in which the first JPEG of --min-megapixels to --max-megapixels (in \
            a fixed shuffle) is used. Without it: a photo from \(WatchBenchPicture.defaultFolder) when that folder \
            exists, else the test photograph upscaled to 3 MP.
            """
    )

    @Option(help: "A photo, or a folder to choose one from (see above).")
    var picture: String?

    @Option(help: "Smallest photo chosen from a folder, in megapixels.")
    var minMegapixels = 2.0

    @Option(help: "Largest photo chosen from a folder, in megapixels.")
    var maxMegapixels = 4.0

    @Option(help: "Files written one at a time for the idle latency.")
    var idleFiles = 60

    @Option(help: "Files per second written for the latency under load.")
    var loadRate = 100.0

    @Option(help: "Seconds of writing at --load-rate.")
    var loadSeconds = 10.0

    @Option(help: "Files written as fast as possible for the throughput.")
    var count = 1000

    @Option(help: "Synthetic embeddings in the index for the memory measurement.")
    var indexed = 100_000

    @Option(help: "Seconds of idleness over which CPU is measured.")
    var idleSeconds = 10.0

    @Option(help: "The daemon's --settle (seconds; closed files do not wait for it).")
    var settle = 2.0

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Folder for the scratch files (default: the temporary folder); about 2 MB per file.")
    var scratch: String?

    @Option(help: "Also write the figures to this JSON file.")
    var json: String?

    @Flag(help: "Keep the scratch folder (index, report logs, daemon output) for a look afterwards.")
    var keepScratch = false

    func validate() throws {
        guard idleFiles >= 1, count >= 1, indexed >= 1 else {
            throw ValidationError("--idle-files, --count and --indexed must be at least 1")
        }
        guard loadRate > 0, loadSeconds > 0, Int(loadRate * loadSeconds) >= 2 else {
            throw ValidationError("--load-rate × --load-seconds must make at least 2 files")
        }
        guard idleSeconds > 0, minMegapixels <= maxMegapixels else {
            throw ValidationError("--idle-seconds must be positive, --min-megapixels at most --max-megapixels")
        }
    }

    func run() throws {
        let modelPath = try ModelLocation.resolve(model)
        let detector = try TwinDetector(contentsOf: modelPath)
        let original = try WatchBenchPicture.load(picture, megapixels: minMegapixels...maxMegapixels)
        let image = original.image
        let loadFiles = Int(loadRate * loadSeconds)
        let cores = ProcessInfoCores.active
        print(
            String(
                format: "twindup bench watch: %@ (%dx%d, %.1f MP); %d idle files, %.0f files/s for %.0f s, %d at once, "
                    + "%d indexed, settle %.1f s; %d cores",
                original.source, image.width, image.height, Double(image.width * image.height) / 1e6, idleFiles,
                loadRate, loadSeconds, count, indexed, settle, cores))

        let folder = try makeScratch()
        defer { if !keepScratch { try? FileManager.default.removeItem(atPath: folder) } }
        if keepScratch { print("scratch folder (kept): \(folder)") }

        // Everything written later is made now, untimed: two warm-up files, then the three phases' files.
        let madeStart = Date()
        let warmUp = 2
        let variants = try NearDuplicateVariants(
            of: image, count: warmUp + idleFiles + loadFiles + count, into: folder + "/staging")
        let madeSeconds = Date().timeIntervalSince(madeStart)
        var staged = variants.paths[...]
        func take(_ number: Int) -> [String] {
            defer { staged = staged.dropFirst(number) }
            return Array(staged.prefix(number))
        }
        let averageBytes = Double(variants.bytes) / Double(variants.paths.count)
        let seedBytes = try JPEGEncoder.encode(image, quality: 95)
        let strongest = try detector.probability(
            Self.embedding(of: seedBytes, detector: detector),
            Self.embedding(of: NearDuplicateVariants.Recipe.strongest.apply(to: image), detector: detector))
        print(
            String(
                format: "variants: %d made in %.1f s (untimed), %.0f KB on average; the strongest edit has p = %.3f "
                    + "against the original (threshold %.3g)%@",
                variants.paths.count, madeSeconds, averageBytes / 1024, strongest, detector.defaultThreshold,
                strongest >= detector.defaultThreshold ? "" : ": some variants may not be flagged"))

        // The daemon on an empty index.
        let watched = folder + "/watched"
        for phase in ["seed", "warmup", "idle", "load", "throughput"] {
            try FileManager.default.createDirectory(atPath: watched + "/" + phase, withIntermediateDirectories: true)
        }
        let driver = try WatchBenchDriver(
            watched: watched, index: folder + "/index.sqlite", report: folder + "/report.jsonl", model: modelPath,
            settle: settle, logFolder: folder + "/logs")
        let startupEmpty = try driver.waitForStartup()
        let residentEmpty = try driver.daemon.residentBytes()
        let cpu = try driver.idleCPU(seconds: idleSeconds)
        let idleCPU = WatchBenchFigures.IdleCPU(
            seconds: cpu.elapsed, cpuSeconds: cpu.cpuSeconds, percentOfOneCore: 100 * cpu.cpuSeconds / cpu.elapsed,
            settledBefore: startupEmpty.quiet)

        let seed = folder + "/staging/original.jpg"
        try Data(seedBytes).write(to: URL(fileURLWithPath: seed))
        try driver.seed(with: seed, as: "seed/original.jpg", firstVariant: take(1)[0], into: "warmup")
        let warm = try driver.dropOneAtATime(take(warmUp - 1), into: "warmup", timeout: 120)
        guard warm.flagged == warmUp - 1 else {
            throw ValidationError(
                "twindup watch did not flag a near-duplicate of the original; see \(folder)/report.jsonl "
                    + "with --keep-scratch")
        }
        let idle = try driver.dropOneAtATime(take(idleFiles), into: "idle", timeout: 30)
        let load = try driver.dropPaced(take(loadFiles), into: "load", rate: loadRate, timeout: 30)
        let burst = try driver.dropAtOnce(take(count), into: "throughput", timeout: 30)
        let exitEmpty = driver.daemon.terminate()
        try driver.report.poll()
        let rescans = driver.report.otherEvents.filter { $0.event == "rescan" && $0.reason != "startup" }.count

        let daemonSeconds = burst.lastLine.map { (Double($0) - burst.firstClose) / 1000 } ?? .nan
        let scanSeconds = try scanBaseline(
            seedFolder: watched + "/seed", files: watched + "/throughput", folder: folder, detector: detector)
        let flaggedAtOnce = burst.findings.filter { $0?.event == "near_duplicate" }.count
        let throughput = WatchBenchFigures.Throughput(
            files: count, flagged: flaggedAtOnce, missing: burst.findings.filter { $0 == nil }.count,
            daemonSeconds: daemonSeconds, daemonFilesPerSecond: Double(count) / daemonSeconds,
            scanSeconds: scanSeconds, scanFilesPerSecond: Double(count) / scanSeconds,
            daemonToScan: scanSeconds / daemonSeconds)

        // A second daemon, on a large index, for memory per indexed picture.
        let buildStart = Date()
        let largeIndex = folder + "/index-large.sqlite"
        try Self.writeSyntheticIndex(at: largeIndex, rows: indexed, pathsUnder: folder + "/outside", detector: detector)
        let buildSeconds = Date().timeIntervalSince(buildStart)
        let emptyFolder = folder + "/watched-large"
        try FileManager.default.createDirectory(atPath: emptyFolder, withIntermediateDirectories: true)
        let large = try WatchBenchDriver(
            watched: emptyFolder, index: largeIndex, report: folder + "/report-large.jsonl", model: modelPath,
            settle: settle, logFolder: folder + "/logs-large")
        let startupLarge = try large.waitForStartup()
        let residentLarge = try large.daemon.residentBytes()
        let exitLarge = large.daemon.terminate()
        let memory = WatchBenchFigures.Memory(
            residentEmptyBytes: residentEmpty, residentIndexedBytes: residentLarge, indexedRows: indexed,
            bytesPerIndexedPicture: Double(residentLarge - residentEmpty) / Double(indexed),
            startupEmptySeconds: startupEmpty.seconds, startupIndexedSeconds: startupLarge.seconds)

        let figures = WatchBenchFigures(
            options: .init(
                picture: original.source, pictureWidth: image.width, pictureHeight: image.height,
                idleFiles: idleFiles, loadRate: loadRate, loadSeconds: loadSeconds, count: count, indexed: indexed,
                idleSeconds: idleSeconds, settle: settle, cores: cores, model: detector.modelID,
                threshold: detector.defaultThreshold),
            variantsMadeSeconds: madeSeconds, variantAverageBytes: averageBytes,
            strongestVariantProbability: strongest, idleCPU: idleCPU, idle: idle, load: load,
            throughput: throughput, memory: memory, unexpectedRescans: rescans, exitStatusEmpty: exitEmpty,
            exitStatusIndexed: exitLarge)
        print(WatchBenchPrintout(figures: figures, indexBuildSeconds: buildSeconds).text)
        if let json { try figures.write(to: json) }
        if exitEmpty != 0 || exitLarge != 0 { throw ExitCode.failure }
    }

    /// The embeddings of a JPEG decoded and matched as the daemon does it (at the model's DCT scale, with its
    /// windows).
    private static func embedding(of bytes: [UInt8], detector: TwinDetector) throws -> WindowedEmbedding {
        var work = DecodeWork()
        let image = try ImageDecoder().decode(
            bytes: bytes, path: "variant", minimumShortSide: detector.minimumDecodeSide, work: &work)
        return try detector.matchingEmbedding(of: image)
    }

    /// A fresh scratch folder, by its canonical path (the one the daemon's report uses).
    private func makeScratch() throws -> String {
        let parent = scratch ?? FileManager.default.temporaryDirectory.path
        let folder = (parent as NSString).appendingPathComponent("twindup-bench-watch-\(getpid())")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try RawPath.canonical(folder).description
    }

    /// `twindup scan`'s pipeline on the same files, into a fresh index that holds the original first (as the
    /// daemon's did): the seconds the scan of `files` took.
    private func scanBaseline(
        seedFolder: String, files: String, folder: String, detector: TwinDetector
    ) throws
        -> Double
    {
        let index = try ImageIndex(path: folder + "/index-scan.sqlite", detector: detector)
        let report = try ReportLog(path: folder + "/report-scan.jsonl")
        let options = ScanOptions(threshold: detector.defaultThreshold)
        _ = try index.scan([seedFolder], options: options, report: report)
        let summary = try index.scan([files], options: options, report: report)
        print(
            "scan baseline: \(summary.decoded) decoded, \(summary.nearDuplicates) near-duplicate findings, "
                + "\(summary.decodeErrors) errors")
        return summary.seconds
    }

    /// An index file of `rows` synthetic embeddings (w ⊙ N(0, 1), as `bench index` draws them) for files under
    /// `pathsUnder`, a folder nobody watches, so the daemon's start-up rescan keeps them.
    static func writeSyntheticIndex(
        at path: String, rows: Int, pathsUnder folder: String, detector: TwinDetector
    )
        throws
    {
        let store = try IndexStore(path: path, modelID: detector.modelID)
        let distribution = try SyntheticEmbeddings(
            width: detector.architecture.embeddingWidth, detector: detector, calibrationIndex: nil)
        var generator = SystemRandomNumberGenerator()
        var batch: [IndexedFile] = []
        for row in 0..<rows {
            var hash = [UInt8](repeating: 0, count: 32)
            withUnsafeBytes(of: row.littleEndian) { hash.replaceSubrange(0..<8, with: $0) }
            batch.append(
                IndexedFile(
                    id: Int64(row + 1), path: RawPath("\(folder)/\(row / 1000)/\(row).jpg"),
                    identity: FileIdentity(device: 1, inode: UInt64(row), size: 1_000_000, modificationTime: 0),
                    contentHash: hash, width: 4000, height: 3000, embedding: distribution.draw(using: &generator),
                    decodeError: nil, modelID: detector.modelID, addedAt: Date()))
            if batch.count == 10_000 {
                try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try store.insert(batch)
    }
}
