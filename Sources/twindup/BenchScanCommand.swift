import ArgumentParser
import DuplicateIndex
import Foundation
import ImageIO
import NeuralNet
import TwinModel

/// Scan throughput on real pictures against decode-only at the same DCT scale, and against imagehash's pHash.
struct BenchScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Measure twindup scan throughput against decode-only and imagehash pHash on the same pictures.",
        discussion: """
            Picks --count JPEG and PNG files of --min-megapixels to --max-megapixels under the folders (a fixed \
            shuffle, so reruns pick the same), then times --rounds rounds of: decode-only at the network's DCT \
            scale (read + decode, on all cores: the floor, since entropy decoding cannot be skipped), then a full \
            scan into a fresh index (read, hash, decode, preprocess, embed, search, report, commit); then \
            Scripts/phash_bench.py (imagehash.phash, one core) once, when python3 has imagehash. Each round's \
            ratio compares two back-to-back measurements; the median over rounds resists a neighbour's load \
            spike on a shared machine.
            """
    )

    @Argument(help: "Folders of pictures (for example the extracted Debian packages of the training data).")
    var folders: [String]

    @Option(help: "How many pictures.")
    var count = 1000

    @Option(help: "Rounds of decode-only and scan.")
    var rounds = 5

    @Option(help: "Smallest picture, in megapixels.")
    var minMegapixels = 1.0

    @Option(help: "Largest picture, in megapixels.")
    var maxMegapixels = 12.0

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "The pHash baseline script; skipped when python3 cannot run it.")
    var phashScript = "Scripts/phash_bench.py"

    func run() throws {
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model))
        let files = try choosePictures()
        let pixels = files.reduce(0.0) { $0 + $1.megapixels }
        let jpegs = files.filter { $0.path.lowercased().hasSuffix(".png") == false }.count
        print(
            String(
                format: "twindup bench scan: %d pictures (%d JPEG, %d PNG), %.1f MP on average, %d cores, %@",
                files.count, jpegs, files.count - jpegs, pixels / Double(files.count), ProcessInfoCores.active,
                BLASKernels.description))
        let paths = files.map(\.path)
        // The scan's own DCT scale: with window matching, enough that a window fills the network's input.
        let side = detector.minimumDecodeSide
        var measured: [(decode: Double, scan: Double)] = []
        for round in 1...max(1, rounds) {
            let decodeRate = decodeOnly(paths, side: side)
            let scanRate = try scan(paths, detector: detector)
            measured.append((decodeRate, scanRate))
            print(
                String(
                    format: "round %d: decode only (DCT scale for %d px, all cores) %.1f img/s, scan (fresh index, "
                        + "all cores) %.1f img/s, scan time / decode time %.2f", round, side, decodeRate, scanRate,
                    decodeRate / scanRate))
        }
        let scanRate = BenchIndexCommand.percentile(measured.map(\.scan), 50)
        print(
            String(
                format: "median: decode only %.1f img/s, twindup scan %.1f img/s, scan time / decode-only time %.2f",
                BenchIndexCommand.percentile(measured.map(\.decode), 50), scanRate,
                BenchIndexCommand.percentile(measured.map { $0.decode / $0.scan }, 50)))
        if let phash = try phashRate(paths) {
            print(String(format: "imagehash pHash (python, one core): %.1f img/s", phash))
            print(String(format: "median scan / pHash throughput: %.2fx", scanRate / phash))
        } else {
            print("imagehash pHash: skipped (pip install imagehash to compare)")
        }
    }

    private func choosePictures() throws -> [(path: String, megapixels: Double)] {
        // A fixed shuffle: the same files on every run, JPEGs and PNGs mixed as the folders hold them.
        let candidates = PictureSize.shuffled(
            try folders.flatMap { try PictureSize.files(under: $0, extensions: ["jpg", "jpeg", "png"]) })
        var chosen: [(String, Double)] = []
        for path in candidates where chosen.count < count {
            guard let size = PictureSize.of(fileAt: path) else { continue }
            let megapixels = Double(size.width * size.height) / 1e6
            if megapixels >= minMegapixels && megapixels <= maxMegapixels { chosen.append((path, megapixels)) }
        }
        guard chosen.count == count else {
            throw ValidationError("only \(chosen.count) pictures of \(minMegapixels)–\(maxMegapixels) MP found")
        }
        return chosen
    }

    private func decodeOnly(_ paths: [String], side: Int) -> Double {
        let decoder = ImageDecoder()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: ProcessInfoCores.active) { part in
            for index in stride(from: part, to: paths.count, by: ProcessInfoCores.active) {
                _ = try? decoder.decode(fileAt: paths[index], minimumShortSide: side)
            }
        }
        return Double(paths.count) / Date().timeIntervalSince(start)
    }

    private func scan(_ paths: [String], detector: TwinDetector) throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twindup-bench-scan-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: detector)
        let summary = try index.scan(paths, options: ScanOptions(threshold: detector.defaultThreshold))
        print(
            "scan: \(summary.decoded) decoded, \(summary.decodeErrors) errors, \(summary.exactDuplicates) exact and "
                + "\(summary.nearDuplicates) near duplicates")
        return Double(paths.count) / summary.seconds
    }

    private func phashRate(_ paths: [String]) throws -> Double? {
        guard FileManager.default.fileExists(atPath: phashScript) else { return nil }
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("twindup-bench-list-\(getpid()).txt")
        try paths.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", phashScript, list.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let result = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return result["images_per_second"] as? Double
    }
}
