import Foundation
import Logging

/// Everything `twindup watch` can be told, from the configuration file and the command line. Each option has one
/// key in the file and one flag; a flag given on the command line wins over the file.
public struct WatchSettings: Sendable, Equatable {
    /// The folders watched recursively (`watch = [...]`, or the command's arguments).
    public var directories: [String] = []
    /// The JSON Lines report log; `-` writes it to standard output.
    public var report: String?
    /// The index file.
    public var index: String?
    /// The model file (default: the shipped model).
    public var model: String?
    /// The probability at or above which a pair is reported (default: the model's own threshold).
    public var threshold: Double?
    /// How long a file written without a close (sftp, SMB, hard links) must keep its size and modification time
    /// before it is read.
    public var settleSeconds: Double = 2
    /// Threads reading and decoding (default: all cores).
    public var workers: Int?
    /// Events waiting for the indexer; when more arrive, the daemon drops them and reconciles with a rescan.
    public var queueCapacity: Int = 8192
    /// Seconds between full reconciliation scans; 0 means only at start-up and after a queue overflow (folders
    /// the watch limit left unwatched are still rescanned: see `unwatchedRescanSeconds`).
    public var rescanIntervalSeconds: Double = 0
    /// The least severe diagnostics written to standard error.
    public var logLevel: Logger.Level = .info
    /// A file the metrics are written to, in Prometheus's text format, for node_exporter's textfile collector
    /// (nil: none).
    public var metricsTextfile: String?
    /// Seconds between two writes of `metricsTextfile`.
    public var metricsIntervalSeconds: Double = 15
    /// Where the metrics are served over HTTP at /metrics (nil: nowhere).
    public var metricsListen: ListenAddress?

    public init() {}

    /// How often folders the inotify watch limit left unwatched are rescanned: every `rescanIntervalSeconds` when
    /// set, at most every 300 s.
    public var unwatchedRescanSeconds: Double {
        rescanIntervalSeconds > 0 ? min(rescanIntervalSeconds, 300) : 300
    }

    /// The configuration file's keys, in the order the example file lists them.
    public static let fileKeys = [
        "watch", "report", "index", "model", "threshold", "settle_seconds", "workers", "queue_capacity",
        "rescan_interval_seconds", "log_level", "metrics_textfile", "metrics_interval_seconds", "metrics_listen",
    ]

    /// The values `metrics_interval_seconds` and `--metrics-interval` accept.
    public static let metricsIntervalRange = 1.0...3600.0

    /// Settings read from a configuration file, with the file's path in every error.
    public static func load(configurationAt path: String) throws(ConfigurationError) -> WatchSettings {
        let table = try ConfigurationFile.parse(contentsOf: path)
        var settings = WatchSettings()
        for (key, entry) in table.entries {
            let fail = { (expected: String) in
                ConfigurationError(path: path, line: entry.line, message: "\(key) must be \(expected)")
            }
            switch key {
            case "watch":
                guard let folders = entry.value.strings, !folders.isEmpty else {
                    throw fail("a list of folders, such as [\"/srv/photos\"]")
                }
                settings.directories = folders
            case "report": settings.report = try entry.value.string.orThrow(fail("a path in quotes"))
            case "index": settings.index = try entry.value.string.orThrow(fail("a path in quotes"))
            case "model": settings.model = try entry.value.string.orThrow(fail("a path in quotes"))
            case "threshold":
                guard let value = entry.value.number, value > 0, value < 1 else {
                    throw fail("a probability strictly between 0 and 1")
                }
                settings.threshold = value
            case "settle_seconds":
                guard let value = entry.value.number, value >= 0, value <= 3600 else {
                    throw fail("a number of seconds from 0 to 3600")
                }
                settings.settleSeconds = value
            case "workers":
                guard let value = entry.value.integer, value >= 0, value <= 1024 else {
                    throw fail("a whole number of threads (0: all cores)")
                }
                settings.workers = value == 0 ? nil : value
            case "queue_capacity":
                guard let value = entry.value.integer, value >= 1, value <= 10_000_000 else {
                    throw fail("a whole number of events from 1 to 10000000")
                }
                settings.queueCapacity = value
            case "rescan_interval_seconds":
                guard let value = entry.value.number, value >= 0 else { throw fail("a number of seconds (0: off)") }
                settings.rescanIntervalSeconds = value
            case "log_level":
                guard let name = entry.value.string, let level = Logger.Level(rawValue: name) else {
                    throw fail("one of \(Logger.Level.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
                }
                settings.logLevel = level
            case "metrics_textfile":
                let path = try entry.value.string.orThrow(fail("a path in quotes (\"\": no file)"))
                settings.metricsTextfile = path.isEmpty ? nil : path
            case "metrics_interval_seconds":
                guard let value = entry.value.number, metricsIntervalRange.contains(value) else {
                    throw fail("a number of seconds from 1 to 3600")
                }
                settings.metricsIntervalSeconds = value
            case "metrics_listen":
                let text = try entry.value.string.orThrow(fail("an address in quotes, such as \"127.0.0.1:9464\""))
                do {
                    settings.metricsListen = try text.isEmpty ? nil : ListenAddress(parsing: text)
                } catch {
                    throw fail("an address such as \"127.0.0.1:9464\" or \"[::1]:9464\"; \(error)")
                }
            default:
                throw ConfigurationError(
                    path: path, line: entry.line,
                    message: "unknown key \(key); the keys are \(fileKeys.joined(separator: ", "))")
            }
        }
        return settings
    }

    /// The settings as a configuration file would spell them, for `--check-config`.
    public var fileText: String {
        func quoted(_ text: String) -> String { ConfigurationFile.quoted(text) }
        var lines = ["watch = [\(directories.map(quoted).joined(separator: ", "))]"]
        if let report { lines.append("report = \(quoted(report))") }
        if let index { lines.append("index = \(quoted(index))") }
        if let model { lines.append("model = \(quoted(model))") }
        if let threshold { lines.append("threshold = \(threshold)") }
        lines.append("settle_seconds = \(settleSeconds)")
        lines.append("workers = \(workers ?? 0)")
        lines.append("queue_capacity = \(queueCapacity)")
        lines.append("rescan_interval_seconds = \(rescanIntervalSeconds)")
        lines.append("log_level = \(quoted(logLevel.rawValue))")
        if let metricsTextfile { lines.append("metrics_textfile = \(quoted(metricsTextfile))") }
        lines.append("metrics_interval_seconds = \(metricsIntervalSeconds)")
        if let metricsListen { lines.append("metrics_listen = \(quoted(metricsListen.description))") }
        return lines.joined(separator: "\n")
    }
}

extension Optional {
    fileprivate func orThrow(_ error: @autoclosure () -> ConfigurationError) throws(ConfigurationError) -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
