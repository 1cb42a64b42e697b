import DuplicateIndex
import Foundation
import Logging
import ServiceLifecycle
import TwinModel
import UnixSignals

/// `twindup watch`: watches folders with inotify and reports each new picture's exact and near duplicates to the
/// report log, as a set of services in one `ServiceGroup`:
///
/// - the watcher (its own thread, libinotifytools) turns events into work for
/// - the indexer (its own queue), which reads, decodes and embeds on all cores, reports and indexes;
/// - the notifier tells systemd how things are (STATUS=, WATCHDOG=1);
/// - the metrics file and the metrics listener, when configured, tell Prometheus;
/// - the signal service reloads on SIGHUP and announces STOPPING=1 first when the group shuts down.
///
/// SIGTERM or SIGINT shut the group down gracefully: the watcher stops, the indexer finishes the files it is
/// reading and commits them, and the process exits 0. Whatever was still queued is caught up by the start-up
/// rescan of the next run.
public struct WatchDaemon: Sendable {
    /// Where things are, resolved by the command line from the settings and the environment.
    public struct Paths: Sendable, Equatable {
        public var index: String
        public var model: String
        public var report: String

        public init(index: String, model: String, report: String) {
            self.index = index
            self.model = model
            self.report = report
        }
    }

    public var settings: WatchSettings
    public var paths: Paths
    /// Reads the settings again (configuration file and command line) on SIGHUP.
    public var reloadSettings: @Sendable () throws -> WatchSettings
    /// Seconds added per event: lets tests overflow the queue with a slow indexer. Not for production.
    public var delayPerEvent: Double = 0

    public init(
        settings: WatchSettings, paths: Paths, reloadSettings: @escaping @Sendable () throws -> WatchSettings
    ) {
        self.settings = settings
        self.paths = paths
        self.reloadSettings = reloadSettings
    }

    public func run(logger: Logger) async throws {
        let notifier = SystemdNotifier()
        let roots = try settings.directories.map(Self.watchedRoot)
        guard !roots.isEmpty else { throw DaemonError("name at least one folder to watch") }
        // Bound before anything loads, so that an address in use fails start-up at once.
        let listener = try settings.metricsListen.map { address throws(DaemonError) in try MetricsListener(address) }
        let counters = DaemonCounters()
        let queue = EventQueue(capacity: settings.queueCapacity)
        // inotify first: from here on nothing that happens in the folders is missed, while the model and the
        // index load.
        let watcher = try Watcher(
            roots: roots, settleSeconds: settings.settleSeconds,
            unwatchedRescanSeconds: settings.unwatchedRescanSeconds, queue: queue, counters: counters, logger: logger)
        let setup = try await watcher.start()
        let engine: IndexingEngine
        let report: ReportLog
        let threshold: Double
        do {
            let detector = try TwinDetector(contentsOf: paths.model)
            let index = try ImageIndex(path: paths.index, detector: detector)
            try index.holdWriterLock()
            report = try ReportLog(path: paths.report)
            threshold = settings.threshold ?? detector.defaultThreshold
            engine = IndexingEngine(
                index: index, roots: roots, report: report, threshold: threshold,
                workers: settings.workers ?? ProcessInfoCores.active, counters: counters, logger: logger,
                delayPerFile: delayPerEvent)
        } catch {
            watcher.stop()
            await watcher.waitUntilFinished()
            throw error
        }
        try report.append(ReportEvent(kind: .started, threshold: threshold, model: engine.modelID))
        queue.offer(rescan: "startup")
        logger.info(
            """
            watching \(roots.map(\.description).joined(separator: ", ")) (\(setup.watchedFolders) folders); \
            model \(engine.modelID), threshold \(threshold); index \(paths.index); report \(paths.report)
            """)
        let status: @Sendable () -> String = {
            counters.statusLine(queueDepth: queue.depth, indexed: engine.indexedPictures)
        }
        let metrics = DaemonMetrics(counters: counters, queue: queue, engine: engine, report: report)
        let textfile = MetricsTextfile(
            path: settings.metricsTextfile, interval: settings.metricsIntervalSeconds, logger: logger,
            render: { metrics.exposition() })
        var metricsServices: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: MetricsTextfileService(textfile: textfile), serviceName: "metrics-textfile")
        ]
        if let listener {
            listener.start(logger: logger) { metrics.exposition() }
            metricsServices.append(
                .init(service: MetricsListenerService(listener: listener), serviceName: "metrics-listener"))
            logger.notice("serving metrics at http://\(listener.address)/metrics")
            if !listener.address.isLoopback {
                logger.warning(
                    "metrics at \(listener.address) are reachable from other hosts, and have no authentication")
            }
        }
        notifier.notify("READY=1\nSTATUS=\(status())")

        // The group starts services in order and stops them in reverse: the metrics go last, after the indexer.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: metricsServices + [
                    .init(service: NotifierService(notifier: notifier, status: status), serviceName: "notifier"),
                    .init(
                        service: PeriodicRescanService(
                            queue: queue, counters: counters, interval: settings.rescanIntervalSeconds,
                            unwatchedInterval: settings.unwatchedRescanSeconds),
                        serviceName: "periodic-rescan"),
                    .init(
                        service: IndexingService(queue: queue, engine: engine, logger: logger), serviceName: "indexer"),
                    .init(service: WatcherService(watcher: watcher), serviceName: "watcher"),
                    .init(
                        service: SignalService(
                            notifier: notifier, report: report, engine: engine, watcher: watcher, textfile: textfile,
                            current: settings, paths: paths, reloadSettings: reloadSettings, status: status,
                            logger: logger),
                        serviceName: "signals"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            try? report.append(ReportEvent(kind: .stopped, model: engine.modelID, error: "\(error)"))
            textfile.writeNow()
            throw error
        }
        try report.append(ReportEvent(kind: .stopped, model: engine.modelID))
        // The last figures, with everything the indexer finished while stopping.
        textfile.writeNow()
        logger.info("stopped")
    }

    /// The canonical path of a folder to watch; a missing folder or a file is an error that names it.
    static func watchedRoot(_ folder: String) throws -> RawPath {
        let path: RawPath
        do {
            path = try RawPath.canonical(folder)
        } catch {
            throw DaemonError("\(folder): cannot watch: \(String(cString: strerror(error.errorNumber)))")
        }
        guard FileIdentity.isDirectory(path) else { throw DaemonError("\(folder): cannot watch: not a folder") }
        return path
    }
}

/// A problem that stops the daemon from starting, in words for the person starting it.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The settings cannot work as given (an address in use, say): retrying without changing them would not help.
    public var isConfigurationProblem: Bool

    init(_ description: String, isConfigurationProblem: Bool = false) {
        self.description = description
        self.isConfigurationProblem = isConfigurationProblem
    }
}

/// Runs the watcher thread for the group; shutting down stops it, which ends the queue.
private struct WatcherService: Service {
    let watcher: Watcher

    func run() async throws {
        var stopRequested = false
        await withGracefulShutdownHandler {
            await watcher.waitUntilFinished()
        } onGracefulShutdown: {
            watcher.stop()
        }
        stopRequested = Task.isShuttingDownGracefully
        if !stopRequested { throw DaemonError("the inotify watcher stopped; see the messages above") }
    }
}

/// Feeds the queue's batches to the indexer. After a failure (disk full, say) it waits, longer each time, and asks
/// for a rescan, which finds whatever the failed batch left out.
private struct IndexingService: Service {
    let queue: EventQueue
    let engine: IndexingEngine
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            var failures = 0
            while let batch = await queue.nextBatch(limit: 512) {
                if await engine.apply(batch) {
                    failures = 0
                    continue
                }
                failures += 1
                let wait = min(60.0, pow(2.0, Double(failures - 1)))
                logger.warning("retrying with a rescan in \(Int(wait)) s")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
                queue.offer(rescan: "error_recovery")
            }
        } onGracefulShutdown: {
            engine.cancelCurrentWork()
        }
        // The queue ends when the watcher stops, which happens first in a shutdown: wait for this service's turn
        // rather than look like a service that failed.
        try? await gracefulShutdown()
    }
}

/// Serves the metrics until the group shuts down (or is cancelled), then closes the listening socket.
private struct MetricsListenerService: Service {
    let listener: MetricsListener

    func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await listener.waitUntilFinished()
            } onGracefulShutdown: {
                listener.stop()
            }
        } onCancel: {
            listener.stop()
        }
        // The thread ends early only after a failure it logged: the daemon goes on without it.
        try? await gracefulShutdown()
    }
}

/// STATUS= every few seconds, and WATCHDOG=1 at half the watchdog interval when systemd asks for it.
private struct NotifierService: Service {
    let notifier: SystemdNotifier
    let status: @Sendable () -> String

    func run() async throws {
        guard notifier.isActive else {
            try? await gracefulShutdown()
            return
        }
        let statusInterval = Duration.seconds(5)
        let interval = notifier.watchdogInterval.map { min($0 / 2, statusInterval) } ?? statusInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            notifier.notify((notifier.watchdogInterval == nil ? "" : "WATCHDOG=1\n") + "STATUS=\(status())")
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// Rescans every `interval` seconds when asked to, and every `unwatchedInterval` seconds while the watch limit
/// leaves folders unwatched.
private struct PeriodicRescanService: Service {
    let queue: EventQueue
    let counters: DaemonCounters
    let interval: Double
    let unwatchedInterval: Double

    func run() async throws {
        let clock = ContinuousClock()
        var last = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Checked a few times per period, so that a short one (a small tree, a test) is kept; at most every 10 s.
            let tick = currentInterval > 0 ? min(10, currentInterval / 4) : 10
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(tick)) }
            let due = currentInterval
            if due > 0 && clock.now - last >= .seconds(due) {
                queue.offer(rescan: "periodic")
                last = clock.now
            }
        }
    }

    private var currentInterval: Double {
        counters.watchesIncomplete.load(ordering: .relaxed) ? unwatchedInterval : interval
    }
}

/// SIGHUP: reopen the report log (logrotate's `create`) and apply the configuration again. When the group shuts
/// down, this service goes first and tells systemd STOPPING=1.
private struct SignalService: Service {
    let notifier: SystemdNotifier
    let report: ReportLog
    let engine: IndexingEngine
    let watcher: Watcher
    let textfile: MetricsTextfile
    let current: WatchSettings
    let paths: WatchDaemon.Paths
    let reloadSettings: @Sendable () throws -> WatchSettings
    let status: @Sendable () -> String
    let logger: Logger

    func run() async throws {
        var applied = current
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
            notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(microseconds)\nSTATUS=reloading")
            do {
                try report.reopen()
                logger.info("reopened the report log \(report.path)")
            } catch {
                logger.error("cannot reopen the report log: \(error); still writing to the old file")
            }
            do {
                let fresh = try reloadSettings()
                apply(fresh, over: applied)
                applied = fresh
            } catch {
                logger.error("configuration not reloaded: \(error); keeping the running settings")
            }
            notifier.notify("READY=1\nSTATUS=\(status())")
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping: finishing the files being read")
        logger.info("stopping: finishing the files being read")
    }

    private func apply(_ fresh: WatchSettings, over old: WatchSettings) {
        if let threshold = fresh.threshold, threshold != old.threshold {
            engine.setThreshold(threshold)
            logger.notice("threshold is now \(threshold)")
        }
        if fresh.settleSeconds != old.settleSeconds {
            watcher.setSettleSeconds(fresh.settleSeconds)
            logger.notice("settle time is now \(fresh.settleSeconds) s")
        }
        if fresh.logLevel != old.logLevel {
            JournalLogHandler.setLevel(fresh.logLevel)
            logger.notice("log level is now \(fresh.logLevel)")
        }
        if fresh.metricsTextfile != old.metricsTextfile || fresh.metricsIntervalSeconds != old.metricsIntervalSeconds {
            textfile.update(path: fresh.metricsTextfile, interval: fresh.metricsIntervalSeconds)
        }
        var needRestart: [String] = []
        if fresh.directories != old.directories { needRestart.append("watch") }
        if fresh.report != old.report { needRestart.append("report") }
        if fresh.index != old.index { needRestart.append("index") }
        if fresh.model != old.model { needRestart.append("model") }
        if fresh.workers != old.workers { needRestart.append("workers") }
        if fresh.queueCapacity != old.queueCapacity { needRestart.append("queue_capacity") }
        if fresh.rescanIntervalSeconds != old.rescanIntervalSeconds { needRestart.append("rescan_interval_seconds") }
        if fresh.metricsListen != old.metricsListen { needRestart.append("metrics_listen") }
        if !needRestart.isEmpty {
            logger.warning("changed settings take effect at the next restart: \(needRestart.joined(separator: ", "))")
        }
    }
}
