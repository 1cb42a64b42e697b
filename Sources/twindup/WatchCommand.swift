import ArgumentParser
import Daemon
import DuplicateIndex
import Foundation
import Logging
import NeuralNet

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch folders and report every new picture's exact and near duplicates (the daemon).",
        discussion: """
            Watches each folder and everything below it with inotify. A file is read once it is complete (closed \
            after writing, renamed into place, or unchanged for the settle time); temporary names (rsync's \
            .name.XXXXXX, *.part, *.filepart, *.tmp, *.crdownload) wait for their rename. Each new picture is \
            compared with everything indexed, and findings are appended to the report log as JSON Lines, one line \
            per event. Deleted and renamed files update the index. At start-up, and whenever events were lost, a \
            rescan catches up with what changed.

            Every option can also be set in the configuration file (--config, TOML; see systemd/twindup.toml); \
            options on the command line win. Prometheus metrics (twindup_*) can be written to a file for \
            node_exporter (--metrics-textfile) or served over HTTP (--metrics-listen); an address already in use \
            exits with status 78, like a configuration error.

            Under systemd (Type=notify) it reports readiness, status and \
            watchdog beats; SIGHUP reopens the report log and reloads the configuration; SIGTERM finishes the \
            files being read and exits 0.

            Example:
              twindup watch /srv/photos /srv/drop --report /var/log/twindup/report.jsonl
              twindup watch ~/Pictures --report -        (report lines on standard output)
            """
    )

    @Argument(help: "Folders to watch (or `watch = [...]` in the configuration file).")
    var folders: [String] = []

    @Option(help: "Configuration file (TOML).")
    var config: String?

    @Option(
        help: """
            Append findings to this JSON Lines report log; - for standard output \
            (default: $LOGS_DIRECTORY/report.jsonl, else report.jsonl beside the index).
            """)
    var report: String?

    @Option(
        help: """
            The index file (default: $STATE_DIRECTORY/index.sqlite, $XDG_STATE_HOME/twindup/index.sqlite or \
            ~/.local/state/twindup/index.sqlite).
            """)
    var index: String?

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Probability at or above which two pictures are near-duplicates (default: the model's).")
    var threshold: Double?

    @Option(help: "Seconds a file written without a close must stay unchanged before it is read (default 2).")
    var settle: Double?

    @Option(help: "Threads reading and decoding (default: all cores).")
    var workers: Int?

    @Option(help: "Events waiting for the indexer before the daemon falls back to a rescan (default 8192).")
    var queueCapacity: Int?

    @Option(
        help: """
            Seconds between full rescans; 0: only at start-up and after lost events (default 0). Folders the inotify \
            watch limit leaves unwatched are rescanned this often, at most every 300 s.
            """)
    var rescanInterval: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(
        help: """
            Write the metrics (Prometheus text format) to this file every --metrics-interval seconds and at exit, \
            for node_exporter's textfile collector; "" for none (default none).
            """)
    var metricsTextfile: String?

    @Option(help: "Seconds between writes of the metrics file, 1 to 3600 (default 15).")
    var metricsInterval: Double?

    @Option(
        help: """
            Serve the metrics at http://ADDRESS/metrics: host:port, [ipv6]:port, or a port alone for 127.0.0.1; \
            0 picks a free port; "" for none (default none).
            """)
    var metricsListen: String?

    @Flag(help: "Check the configuration and print the settings in effect, then exit.")
    var checkConfig = false

    @Option(help: .hidden)
    var testDelayPerEvent: Double = 0

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw ValidationError("--threshold must be a probability strictly between 0 and 1")
        }
        if let settle, !(0...3600).contains(settle) { throw ValidationError("--settle must be 0 to 3600 seconds") }
        if let workers, workers < 0 { throw ValidationError("--workers must be 0 (all cores) or more") }
        if let queueCapacity, queueCapacity < 1 { throw ValidationError("--queue-capacity must be at least 1") }
        if let rescanInterval, rescanInterval < 0 { throw ValidationError("--rescan-interval must be 0 or more") }
        if let metricsInterval, !WatchSettings.metricsIntervalRange.contains(metricsInterval) {
            throw ValidationError("--metrics-interval must be 1 to 3600 seconds")
        }
        if let metricsListen, !metricsListen.isEmpty {
            do {
                _ = try ListenAddress(parsing: metricsListen)
            } catch {
                throw ValidationError("--metrics-listen: \(error)")
            }
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue))")
        }
    }

    /// The configuration file's settings with the command line's on top.
    func effectiveSettings() throws -> WatchSettings {
        var settings = try config.map { try WatchSettings.load(configurationAt: $0) } ?? WatchSettings()
        if !folders.isEmpty { settings.directories = folders }
        if let report { settings.report = report }
        if let index { settings.index = index }
        if let model { settings.model = model }
        if let threshold { settings.threshold = threshold }
        if let settle { settings.settleSeconds = settle }
        if let workers { settings.workers = workers == 0 ? nil : workers }
        if let queueCapacity { settings.queueCapacity = queueCapacity }
        if let rescanInterval { settings.rescanIntervalSeconds = rescanInterval }
        if let logLevel, let level = Logger.Level(rawValue: logLevel) { settings.logLevel = level }
        if let metricsTextfile { settings.metricsTextfile = metricsTextfile.isEmpty ? nil : metricsTextfile }
        if let metricsInterval { settings.metricsIntervalSeconds = metricsInterval }
        if let metricsListen {
            settings.metricsListen = try metricsListen.isEmpty ? nil : ListenAddress(parsing: metricsListen)
        }
        return settings
    }

    func run() async throws {
        let settings: WatchSettings
        do {
            settings = try effectiveSettings()
        } catch let error as ConfigurationError {
            // EX_CONFIG: the unit's RestartPreventExitStatus= stops systemd from retrying a configuration that
            // cannot work.
            FileHandle.standardError.write(Data("twindup: \(error)\n".utf8))
            throw ExitCode(78)
        }
        guard !settings.directories.isEmpty else {
            throw ValidationError("name at least one folder to watch (arguments, or `watch = [...]` in --config)")
        }
        let paths = WatchDaemon.Paths(
            index: try IndexLocation.resolve(settings.index), model: try ModelLocation.resolve(settings.model),
            report: try settings.report ?? IndexLocation.defaultReport())
        if checkConfig {
            print(settings.fileText)
            print("# index: \(paths.index)\n# model: \(paths.model)\n# report: \(paths.report)")
            return
        }
        JournalLogHandler.setLevel(settings.logLevel)
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label) }
        let logger = Logger(label: "twindup")
        logger.info("network products run on \(BLASKernels.description)")
        var daemon = WatchDaemon(settings: settings, paths: paths) { try effectiveSettings() }
        daemon.delayPerEvent = testDelayPerEvent
        do {
            try await daemon.run(logger: logger)
        } catch let error as DaemonError where error.isConfigurationProblem {
            logger.critical("\(error)")
            throw ExitCode(78)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
    }
}
