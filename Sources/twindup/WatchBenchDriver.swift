import ArgumentParser
import Foundation

/// One `twindup watch` child process on one watched folder, driven as a user would: files are written into the
/// folder, and its report log is followed for the lines about them.
final class WatchBenchDriver {
    let watched: String
    let daemon: MeasuredDaemon
    let report: ReportFollower
    /// CLOCK_REALTIME milliseconds when the daemon was launched.
    let launchedAt: Double

    /// Launches the daemon on `watched` (a canonical path) with a fresh report log and the index at `index`.
    init(
        watched: String, index: String, report reportPath: String, model: String, settle: Double, logFolder: String
    )
        throws
    {
        self.watched = watched
        report = ReportFollower(path: reportPath)
        launchedAt = Self.realtimeMilliseconds()
        daemon = try MeasuredDaemon(
            arguments: [
                watched, "--report", reportPath, "--index", index, "--model", model, "--settle", "\(settle)",
            ], logFolder: logFolder)
    }

    /// Waits for the start-up rescan's line, then for the daemon to go quiet. Returns seconds from launch to the
    /// rescan line, and whether it went quiet.
    func waitForStartup(timeout: Double = 300) throws -> (seconds: Double, quiet: Bool) {
        let started = try report.wait(interval: 0.02, timeout: timeout) { follower in
            follower.otherEvents.contains { $0.event == "rescan" && $0.reason == "startup" } || !daemon.isRunning
        }
        guard started, daemon.isRunning,
            let line = report.otherEvents.first(where: { $0.event == "rescan" && $0.reason == "startup" })
        else {
            throw ValidationError("twindup watch did not start; it wrote:\n\(daemon.standardErrorTail)")
        }
        let quiet = try daemon.waitUntilQuiet()
        return (Double((line.milliseconds ?? 0)) / 1000 - launchedAt / 1000, quiet)
    }

    /// CPU the daemon uses over `seconds` of doing nothing, as a fraction of one core.
    func idleCPU(seconds: Double) throws -> (cpuSeconds: Double, elapsed: Double) {
        let before = try daemon.cpuSeconds()
        let start = Date()
        Thread.sleep(forTimeInterval: seconds)
        let used = try daemon.cpuSeconds() - before
        return (used, Date().timeIntervalSince(start))
    }

    /// Writes `staged`'s bytes to `relative` under the watched folder (open, write, close) and returns the
    /// CLOCK_REALTIME time in milliseconds right after close returned. The bytes are read before the file is
    /// opened, so reading them is not part of the time.
    func drop(_ staged: String, as relative: String) throws -> Double {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: staged)))
        let path = watched + "/" + relative
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("open", path) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = Self.failure("write", path)
                close(descriptor)
                throw error
            }
            written += count
        }
        guard close(descriptor) == 0 else { throw Self.failure("close", path) }
        return Self.realtimeMilliseconds()
    }

    /// The canonical path the report uses for `relative`.
    func reportedPath(_ relative: String) -> String { watched + "/" + relative }

    /// Drops the original, then one near-duplicate of it, and waits until one of them is reported against the
    /// other: the original is then in the index. (The original has no line of its own, and two files arriving together
    /// may be read in either order, so the variant's line alone cannot be waited for.)
    func seed(with original: String, as relative: String, firstVariant: String, into folder: String) throws {
        _ = try drop(original, as: relative)
        let variant = folder + "/" + (firstVariant as NSString).lastPathComponent
        _ = try drop(firstVariant, as: variant)
        let paths = [reportedPath(relative), reportedPath(variant)]
        let seen = try report.wait(timeout: 120) { follower in
            !daemon.isRunning || paths.contains { follower.findings[$0] != nil }
        }
        try requireRunning()
        guard seen else {
            throw ValidationError("twindup watch reported nothing about \(paths.joined(separator: " and "))")
        }
    }

    /// Drops each file and waits up to `timeout` seconds for its line before the next.
    func dropOneAtATime(_ staged: [String], into folder: String, timeout: Double) throws -> WatchBenchFigures.Latency {
        var closes: [Double] = []
        var findings: [ReportFollower.Finding?] = []
        for source in staged {
            let relative = folder + "/" + (source as NSString).lastPathComponent
            let path = reportedPath(relative)
            closes.append(try drop(source, as: relative))
            _ = try report.wait(timeout: timeout) { $0.findings[path] != nil || !daemon.isRunning }
            try requireRunning()
            findings.append(report.findings[path])
        }
        return WatchBenchFigures.Latency(files: staged.count, findings: findings, closes: closes)
    }

    /// Drops the files `rate` per second, each at its own time (not in bursts), then waits for their lines until
    /// `timeout` seconds pass without a new line.
    func dropPaced(
        _ staged: [String], into folder: String, rate: Double, timeout: Double
    ) throws
        -> WatchBenchFigures.Latency
    {
        let relatives = staged.map { folder + "/" + ($0 as NSString).lastPathComponent }
        var closes: [Double] = []
        let start = Self.monotonicSeconds() + 0.05
        for (number, source) in staged.enumerated() {
            let due = start + Double(number) / rate
            let wait = due - Self.monotonicSeconds()
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            closes.append(try drop(source, as: relatives[number]))
        }
        let rateWritten = Double(staged.count - 1) / ((closes.last! - closes.first!) / 1000)
        let findings = try waitForAll(relatives, timeout: timeout)
        return WatchBenchFigures.Latency(
            files: staged.count, findings: findings, closes: closes, writtenPerSecond: rateWritten)
    }

    /// Drops the files as fast as they can be written; returns the first close (ms), the last report line about
    /// any of them (ms), and their findings.
    func dropAtOnce(
        _ staged: [String], into folder: String, timeout: Double
    ) throws
        -> (firstClose: Double, lastLine: Int64?, findings: [ReportFollower.Finding?])
    {
        let relatives = staged.map { folder + "/" + ($0 as NSString).lastPathComponent }
        var firstClose: Double?
        for (source, relative) in zip(staged, relatives) {
            let closed = try drop(source, as: relative)
            if firstClose == nil { firstClose = closed }
        }
        let findings = try waitForAll(relatives, timeout: timeout)
        let lastLine = relatives.compactMap { report.lastLineMilliseconds[reportedPath($0)] }.max()
        return (firstClose ?? .nan, lastLine, findings)
    }

    private func waitForAll(_ relatives: [String], timeout: Double) throws -> [ReportFollower.Finding?] {
        let paths = relatives.map(reportedPath)
        _ = try report.wait(interval: 0.05, timeout: timeout) { follower in
            !daemon.isRunning || paths.allSatisfy { follower.findings[$0] != nil }
        }
        try requireRunning()
        return paths.map { report.findings[$0] }
    }

    private func requireRunning() throws {
        guard daemon.isRunning else {
            throw ValidationError("twindup watch exited during the benchmark; it wrote:\n\(daemon.standardErrorTail)")
        }
    }

    /// The wall clock (CLOCK_REALTIME, as the daemon's `ts`) in milliseconds; NaN if the clock cannot be read.
    static func realtimeMilliseconds() -> Double {
        var now = timespec()
        guard clock_gettime(CLOCK_REALTIME, &now) == 0 else { return .nan }
        return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1e6
    }

    /// CLOCK_MONOTONIC in seconds, for pacing; NaN if the clock cannot be read.
    static func monotonicSeconds() -> Double {
        var now = timespec()
        guard clock_gettime(CLOCK_MONOTONIC, &now) == 0 else { return .nan }
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func failure(_ operation: String, _ path: String) -> ValidationError {
        ValidationError("\(path): \(operation): \(String(cString: strerror(errno)))")
    }
}
