import DuplicateIndex
import Foundation
import Logging
import Synchronization

/// The indexer: takes batches of watch events and applies them to the index on its own serial queue, off Swift's
/// cooperative threads (reading, decoding and embedding block for as long as the pictures take, and the watchdog
/// must keep beating meanwhile). Within a batch, consecutive ready files go through the scan pipeline together,
/// decoded on all cores; removals and renames are applied in order between them.
final class IndexingEngine: @unchecked Sendable {
    // Safe to share: `index` and `delayPerFile` are used only on `work`, a serial queue, and every other stored
    // property is immutable or synchronised itself (ReportLog, DaemonCounters, Mutex, ScanCancellation).
    private let work = DispatchQueue(label: "twindup.indexing", qos: .utility)
    private let index: ImageIndex
    private let roots: [RawPath]
    private let report: ReportLog
    private let counters: DaemonCounters
    private let logger: Logger
    private let settings: Mutex<(threshold: Double, workers: Int)>
    private let cancellation = Mutex(ScanCancellation())
    /// From each ready file's event to its commit.
    let latency = LatencyHistogram()
    /// Slows every file down, to let tests overflow the queue on a fast machine.
    private let delayPerFile: Double

    init(
        index: ImageIndex, roots: [RawPath], report: ReportLog, threshold: Double, workers: Int,
        counters: DaemonCounters, logger: Logger, delayPerFile: Double = 0
    ) {
        self.index = index
        self.roots = roots
        self.report = report
        self.counters = counters
        self.logger = logger
        self.delayPerFile = delayPerFile
        settings = Mutex((threshold, workers))
    }

    var modelID: String { index.store.modelID }

    func setThreshold(_ threshold: Double) {
        settings.withLock { $0.threshold = threshold }
    }

    /// Pictures embedded in the index, as of the last batch (for status lines).
    var indexedPictures: Int { embedded.load(ordering: .relaxed) }
    private let embedded = Atomic<Int>(0)

    /// The threshold in force (it changes on reload).
    var threshold: Double { settings.withLock { $0.threshold } }

    /// Stops the batch being applied as soon as the files being read are done; they are committed.
    func cancelCurrentWork() {
        cancellation.withLock { $0.cancel() }
    }

    /// Applies `events` and returns when they are in the index (or failed: the caller schedules a rescan).
    func apply(_ events: [EventQueue.Entry]) async -> Bool {
        await withCheckedContinuation { continuation in
            work.async {
                continuation.resume(returning: self.applyOnQueue(events))
            }
        }
    }

    private func applyOnQueue(_ entries: [EventQueue.Entry]) -> Bool {
        defer { refreshSizes() }
        let current = cancellation.withLock { $0 }
        guard !current.isCancelled else { return true }
        var options = settings.withLock { ScanOptions(threshold: $0.threshold, workers: $0.workers) }
        options.cancellation = current
        // Smaller transactions than a batch scan: the daemon commits what it reported promptly.
        options.commitFiles = 64
        options.commitInterval = 0.5
        let arrivals = Arrivals()
        options.committed = { [counters, latency] paths in
            counters.filesIndexed.add(paths.count, ordering: .relaxed)
            let now = ContinuousClock.now
            for path in paths {
                if let readAt = arrivals.take(path) { latency.observe(now - readAt) }
            }
        }
        let events = entries.map(\.event)
        if delayPerFile > 0 { Thread.sleep(forTimeInterval: delayPerFile * Double(events.count)) }
        do {
            if let reasons = Self.rescanReasons(events) {
                // A rescan reconciles everything, which covers every other event of the batch; the files those
                // events named are timed from their event all the same.
                for entry in entries {
                    if case .ready(let path) = entry.event { arrivals.note(path, readAt: entry.readAt) }
                }
                for reason in reasons {
                    try report.append(ReportEvent(kind: .rescan, model: index.store.modelID, reason: reason))
                    counters.countRescan(reason: reason)
                }
                let summary = try index.reconcile(roots, options: options, report: report)
                counters.add(summary)
                counters.filesSeen.add(summary.added + summary.changed, ordering: .relaxed)
                let seconds = String(format: "%.1f", summary.seconds)
                logger.info(
                    """
                    rescan (\(reasons.joined(separator: ", "))): \(summary.found) files, \(summary.added) new, \
                    \(summary.changed) changed, \(summary.removed) removed in \(seconds) s
                    """)
                for problem in summary.walkProblems { logger.warning("\(problem)") }
                return true
            }
            var ready: [RawPath] = []
            func readyNow(_ path: RawPath, readAt: ContinuousClock.Instant) {
                ready.append(path)
                arrivals.note(path, readAt: readAt)
                counters.filesSeen.add(1, ordering: .relaxed)
            }
            func indexReady() throws {
                guard !ready.isEmpty else { return }
                let summary = try index.update(files: ready, options: options, report: report)
                counters.add(summary)
                ready = []
            }
            for entry in entries {
                switch entry.event {
                case .ready(let path):
                    readyNow(path, readAt: entry.readAt)
                case .removed(let path):
                    try indexReady()
                    counters.removed.add(try index.remove(under: path), ordering: .relaxed)
                case .moved(let source, let destination):
                    try indexReady()
                    let moved = try index.move(from: source, to: destination)
                    counters.moved.add(moved, ordering: .relaxed)
                    if FileIdentity.isDirectory(destination) {
                        // Files of the folder that were not indexed yet (still settling, say) are found here.
                        let summary = try index.reconcile([destination], options: options, report: report)
                        counters.add(summary)
                        counters.filesSeen.add(summary.added + summary.changed, ordering: .relaxed)
                    } else if moved == 0 {
                        readyNow(destination, readAt: entry.readAt)
                    }
                case .rescan:
                    break
                }
            }
            try indexReady()
            return true
        } catch {
            logger.error("\(Self.explain(error, reportPath: report.path))")
            return false
        }
    }

    /// The gauges of the index's size, after a batch.
    private func refreshSizes() {
        embedded.store(index.matrix.count, ordering: .relaxed)
        do {
            counters.indexFiles.store(try index.store.fileCount(), ordering: .relaxed)
        } catch {
            logger.debug("cannot count the index's files: \(error)")
        }
    }

    /// A failed batch in words for whoever reads the journal: which file, what the system said, what happens next.
    static func explain(_ error: any Error, reportPath: String) -> String {
        let retry = "their files are not indexed and are read and reported again by the rescan that retries"
        if let error = error as? FileSystemError, error.path == RawPath(reportPath) {
            return "cannot write the report log \(reportPath): \(error.reason); findings not written are held back: "
                + retry
        }
        if let error = error as? IndexError {
            return "cannot write the \(error); the files of the failed transaction are not indexed: " + retry
        }
        return "indexing failed: \(error)"
    }

    /// The reasons of the batch's rescans, or nil when it has none.
    private static func rescanReasons(_ events: [WatchEvent]) -> [String]? {
        var reasons: [String] = []
        for case .rescan(let reason) in events where !reasons.contains(reason) { reasons.append(reason) }
        return reasons.isEmpty ? nil : reasons
    }
}

/// When each ready file of a batch was read from inotify, until its row is committed. Shared with the commit
/// callback, which runs on the indexer's thread too: the lock is never contended.
private final class Arrivals: Sendable {
    private let readAt = Mutex<[RawPath: ContinuousClock.Instant]>([:])

    /// The first event for a path counts: that is how long its file waited.
    func note(_ path: RawPath, readAt instant: ContinuousClock.Instant) {
        readAt.withLock { times in
            if let earlier = times[path], earlier <= instant { return }
            times[path] = instant
        }
    }

    func take(_ path: RawPath) -> ContinuousClock.Instant? {
        readAt.withLock { $0.removeValue(forKey: path) }
    }
}
