import Foundation
import GRDB
import ImageIO
import TestSupport
import Testing

@testable import DuplicateIndex

/// A `twindup scan` process killed with SIGKILL in the middle, as a crash or the OOM killer would.
struct CrashTests {
    /// 12 distinct 1600×1200 pictures, each saved 25 times with a different JPEG comment: 300 files with distinct
    /// bytes, enough work for the scan to be caught in the middle.
    static func writePictures(to folder: URL) throws -> [String] {
        var generator = SplitMix(state: 11)
        var paths: [String] = []
        for picture in 0..<12 {
            let (width, height, block) = (1600, 1200, 40)
            let colours = (0..<((width / block) * (height / block) * 3)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let cell = ((y / block) * (width / block) + x / block) * 3
                    for channel in 0..<3 { pixels[(y * width + x) * 3 + channel] = colours[cell + channel] }
                }
            }
            let jpeg = try JPEGEncoder.encode(Image(width: width, height: height, pixels: pixels), quality: 75)
            let subfolder = folder.appendingPathComponent("batch\(picture % 3)")
            try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
            for copy in 0..<25 {
                // SOI, then a COM segment naming the copy, then the rest of the file.
                let comment = Array("copy \(picture)-\(copy)".utf8)
                let segment: [UInt8] = [0xFF, 0xFE, 0, UInt8(comment.count + 2)] + comment
                let path = subfolder.appendingPathComponent("p\(picture)-\(copy).jpg").path
                try Data(jpeg.prefix(2) + segment + jpeg.dropFirst(2)).write(to: URL(fileURLWithPath: path))
                paths.append(path)
            }
        }
        return paths
    }

    @Test func killedScanLeavesAnIndexThatOpensAndARescanCompletes() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            let paths = try Self.writePictures(to: tree)
            let indexPath = folder.appendingPathComponent("index.sqlite").path
            let process = Process()
            process.executableURL = try BuiltExecutable(named: "twindup").url
            process.arguments = ["scan", tree.path, "--index", indexPath, "--model", IndexFixtures.modelPath]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait for the first committed transaction, then kill.
            let reader = try DatabasePoolProbe(path: indexPath)
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning, Date() < deadline, reader.committedFiles() == 0 {
                Thread.sleep(forTimeInterval: 0.02)
            }
            let wasRunning = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(
                wasRunning && process.terminationReason == .uncaughtSignal, "the scan ended before it could be killed")

            let index = try ImageIndex(path: indexPath, detector: try IndexFixtures.detector())
            #expect(try index.store.integrityCheck() == "ok")
            let survivors = try index.store.storedStates().count
            #expect(
                survivors > 0 && survivors < paths.count, "kill -9 did not land mid-scan (\(survivors) files indexed)")
            let summary = try index.scan([tree.path], options: ScanOptions(threshold: 0.9))
            #expect(summary.unchanged == survivors && summary.added == paths.count - survivors)
            let stored = try index.store.storedStates()
            #expect(Set(stored.keys) == Set(paths.map { RawPath($0) }), "files were lost or indexed twice")
            #expect(index.matrix.count == paths.count)
            #expect(Set(index.matrix.ids).count == paths.count)
        }
    }
}

/// Counts committed rows from outside the scanning process.
struct DatabasePoolProbe {
    let path: String

    init(path: String) throws { self.path = path }

    func committedFiles() -> Int {
        guard FileManager.default.fileExists(atPath: path),
            let queue = try? GRDB.DatabaseQueue(
                path: path,
                configuration: {
                    var c = GRDB.Configuration(); c.readonly = true; return c
                }())
        else { return 0 }
        defer { try? queue.close() }
        return (try? queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM file") ?? 0 }) ?? 0
    }
}
