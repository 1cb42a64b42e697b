import ArgumentParser
import Foundation
import ImageIO

/// Decode speed on real photos: full size, and at the DCT scale the network uses, against libjpeg-turbo's own
/// `djpeg -scale 1/8` on the same files in the same run.
struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Measure JPEG decode time against djpeg -scale 1/8 on the same files.",
        discussion: """
            Defaults to three photos of 1.5, 4.5 and 12.2 megapixels from Debian's lomiri-wallpapers-16.04 \
            (apt-get install lomiri-wallpapers-16.04). djpeg comes from libjpeg-turbo-progs. djpeg's time includes \
            starting a process, so the time of djpeg on an 8x8 JPEG is measured too and also reported subtracted.
            """
    )

    static let defaultPhotos = [
        "/usr/share/backgrounds/Picture_1A_by_freespace.jpg",
        "/usr/share/backgrounds/Picture_0B_by_freespace.jpg",
        "/usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg",
    ]

    @Argument(help: "JPEG files or directories of them (default: the lomiri-wallpapers-16.04 photos).")
    var paths: [String] = []

    @Option(help: "Timed repetitions of each measurement; the median is reported.")
    var repetitions = 15

    @Option(help: "The network's input side: the scaled decode keeps at least this many pixels on the short side.")
    var minimumShortSide = 96

    @Option(help: "The djpeg executable.")
    var djpeg = "/usr/bin/djpeg"

    func run() throws {
        let files = try photoFiles()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("twindup-bench-\(getpid()).jpg")
        let tiny = Image(width: 8, height: 8, pixels: [UInt8](repeating: 128, count: 8 * 8 * 3))
        try Data(try JPEGEncoder.encode(tiny, quality: 90)).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let decoder = ImageDecoder()
        print(
            "twindup bench decode: median of \(repetitions) runs, ms per image; scaled = DCT scale for short side ≥ \(minimumShortSide)"
        )
        print(
            "photo                                   MP    full  scaled(size)        djpeg 1/8  spawn  scaled/djpeg  scaled/(djpeg-spawn)"
        )
        for path in files {
            let full = try decoder.decode(fileAt: path)
            let scaled = try decoder.decode(fileAt: path, minimumShortSide: minimumShortSide)
            var fullTimes: [Duration] = []
            var scaledTimes: [Duration] = []
            var djpegTimes: [Duration] = []
            var spawnTimes: [Duration] = []
            for repetition in 0..<repetitions {
                // Interleaved, so that a noisy neighbour slows every measurement alike.
                if repetition < max(3, repetitions / 3) {
                    fullTimes.append(try BenchTiming.time { _ = try decoder.decode(fileAt: path) })
                }
                scaledTimes.append(
                    try BenchTiming.time { _ = try decoder.decode(fileAt: path, minimumShortSide: minimumShortSide) })
                djpegTimes.append(try BenchTiming.time { try runDjpeg(path) })
                spawnTimes.append(try BenchTiming.time { try runDjpeg(scratch.path) })
            }
            let megapixels = Double(full.width * full.height) / 1e6
            let djpegMs = BenchTiming.medianMilliseconds(djpegTimes)
            let spawnMs = BenchTiming.medianMilliseconds(spawnTimes)
            let scaledMs = BenchTiming.medianMilliseconds(scaledTimes)
            let name = URL(fileURLWithPath: path).lastPathComponent
            let size = "\(scaled.width)x\(scaled.height)"
            print(
                BenchTiming.pad(name, 38), BenchTiming.pad(String(format: "%.1f", megapixels), 5, right: true),
                BenchTiming.pad(String(format: "%.1f", BenchTiming.medianMilliseconds(fullTimes)), 7, right: true),
                BenchTiming.pad(String(format: "%.2f (%@)", scaledMs, size), 19, right: true),
                BenchTiming.pad(String(format: "%.2f", djpegMs), 9, right: true),
                BenchTiming.pad(String(format: "%.2f", spawnMs), 6, right: true),
                BenchTiming.pad(String(format: "%.2f", scaledMs / djpegMs), 13, right: true),
                BenchTiming.pad(
                    djpegMs > spawnMs ? String(format: "%.2f", scaledMs / (djpegMs - spawnMs)) : "n/a", 21, right: true)
            )
        }
    }

    private func photoFiles() throws -> [String] {
        let requested = paths.isEmpty ? Self.defaultPhotos : paths
        var files: [String] = []
        for path in requested {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError(
                    "\(path) does not exist" + (paths.isEmpty ? " (apt-get install lomiri-wallpapers-16.04)" : ""))
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                files += names.filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }
                    .map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
            } else {
                files.append(path)
            }
        }
        guard !files.isEmpty else { throw ValidationError("no JPEG files in \(requested.joined(separator: " "))") }
        return files
    }

    private func runDjpeg(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: djpeg)
        process.arguments = ["-scale", "1/8", "-outfile", "/dev/null", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(djpeg) failed on \(path) with status \(process.terminationStatus)")
        }
    }
}
