import Foundation
import GRDB
import ImageIO
import TestSupport
import Testing

/// A scratch folder with a watched tree, a folder outside it, and `twindup watch` running on the tree as a real
/// process with a stand-in for systemd's notification socket.
final class WatchFixture {
    let root: URL
    /// The watched folder, by its canonical path (the one reports use).
    let watched: String
    let outside: String
    let reportPath: String
    let indexPath: String
    let notify: NotifySocketListener
    private(set) var daemon: BackgroundProcess?
    private var starts = 0

    /// `reportFolder` and `indexFolder` put the report log and the index in their own folders below the scratch
    /// folder (to mount a small file system there, say).
    init(reportFolder: String? = nil, indexFolder: String? = nil) throws {
        let scratch = try TestData.makeScratchDirectory()
        root = URL(fileURLWithPath: scratch.path.resolvingSymlinks)
        watched = root.appendingPathComponent("watched").path
        outside = root.appendingPathComponent("outside").path
        for folder in [watched, outside] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        reportPath = root.appendingPathComponent(reportFolder.map { "\($0)/report.jsonl" } ?? "report.jsonl").path
        indexPath = root.appendingPathComponent(indexFolder.map { "\($0)/index.sqlite" } ?? "index.sqlite").path
        notify = try NotifySocketListener(folder: root)
    }

    deinit {
        if let daemon, daemon.process.isRunning { daemon.send(SIGKILL) }
        try? FileManager.default.removeItem(at: root)
    }

    /// Starts the daemon and waits for READY=1, then (unless told not to) for its start-up rescan to be done.
    /// `launcher` runs it through another program (setpriv, unshare): the launcher's arguments, then the daemon's
    /// path and arguments.
    func start(
        _ extra: [String] = [], settle: Double = 0.5, launcher: [String] = [], waitForStartupScan: Bool = true
    ) throws {
        let executable = try BuiltExecutable(named: "twindup")
        let arguments =
            ["watch", watched, "--report", reportPath, "--index", indexPath, "--settle", "\(settle)"] + extra
        let startupScans = ((try? report()) ?? []).filter { $0["reason"] as? String == "startup" }.count
        daemon = try BackgroundProcess(
            launcher.first.map { URL(fileURLWithPath: $0) } ?? executable.url,
            launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [executable.url.path] + arguments,
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"], logFolder: root)
        starts += 1
        let ready = notify.waitFor("READY=1", count: starts, timeout: 60)
        try #require(ready, "the daemon did not report READY=1; it wrote: \(daemon?.standardError ?? "")")
        guard waitForStartupScan else { return }
        // The start-up rescan is queued before READY=1; wait until it has run so that tests start from a quiet
        // daemon.
        try #require(
            waitForReport { lines in lines.filter { $0["reason"] as? String == "startup" }.count > startupScans })
        try #require(waitForIdle())
    }

    /// Sends SIGTERM and returns the exit status (nil: still running after `timeout` seconds).
    func stop(timeout: Double = 5) -> Int32? {
        daemon?.send(SIGTERM)
        return daemon?.waitForExit(timeout: timeout)
    }

    func path(_ relative: String) -> String { watched + "/" + relative }

    func report() throws -> [[String: Any]] { try JSONLines.read(reportPath) }

    /// Report lines about files (not started/stopped/rescan).
    func findings() throws -> [[String: Any]] {
        try report().filter { ["near_duplicate", "exact_duplicate", "decode_error"].contains($0["event"] as? String) }
    }

    func waitForReport(timeout: Double = 60, _ condition: ([[String: Any]]) -> Bool) -> Bool {
        waitUntil(timeout: timeout) { condition((try? report()) ?? []) }
    }

    /// Waits until the daemon's status says its queue is empty and the index stopped changing for a moment.
    func waitForIdle(timeout: Double = 60) -> Bool {
        var last: [String: Int64] = [:]
        var stableSince = Date()
        return waitUntil(timeout: timeout, interval: 0.1) {
            let now = (try? indexedFiles()) ?? [:]
            if now != last {
                last = now
                stableSince = Date()
            }
            return Date().timeIntervalSince(stableSince) > 1.0
        }
    }

    /// Waits until `path` is in the index.
    func waitForIndexed(_ path: String, timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout, interval: 0.1) { (try? indexedFiles())?[path] != nil }
    }

    /// Every indexed path with its row id, read straight from the SQLite file.
    func indexedFiles() throws -> [String: Int64] {
        guard FileManager.default.fileExists(atPath: indexPath) else { return [:] }
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: indexPath, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            var files: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, path FROM file") {
                files[String(decoding: row["path"] as Data, as: UTF8.self)] = row["id"]
            }
            return files
        }
    }

    func copy(_ source: String, to relative: String) throws {
        let destination = path(relative)
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// Real pictures from the test data: three unrelated photographs and near-duplicates of the first.
enum Pictures {
    static let photo = TestData.path("jpeg/testorig.jpg")
    static let monkey = TestData.path("jpeg/monkey16.png")
    static let street = TestData.path("jpeg/vgl_5674_0098.png")
    /// The same photograph encoded by another libjpeg DCT.
    static let photoReencoded = TestData.path("jpeg/testimgint.jpg")

    /// The photograph at half size, recompressed at quality 60.
    static func photoResizedAndRecompressed() throws -> [UInt8] {
        let image = try ImageDecoder().decode(fileAt: photo)
        let half = image.resized(width: image.width / 2, height: image.height / 2, filter: .areaAverage)
        return try JPEGEncoder.encode(half, quality: 60)
    }
}

extension String {
    var resolvingSymlinks: String {
        guard let resolved = realpath(self, nil) else { return self }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
