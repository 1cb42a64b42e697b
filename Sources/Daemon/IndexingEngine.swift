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

    /// Stops the batch being applied as soon as the files being read are done; they are committed.
    func cancelCurrentWork() {
        cancellation.withLock { $0.cancel() }
    }

    /// Applies `events` and returns when they are in the index (or failed: the caller schedules a rescan).
    func apply(_ events: [WatchEvent]) async -> Bool {
        await withCheckedContinuation { continuation in
            work.async {
                continuation.resume(returning: self.applyOnQueue(events))
            }
        }
    }

    private func applyOnQueue(_ events: [WatchEvent]) -> Bool {
        defer { embedded.store(index.matrix.count, ordering: .relaxed) }
        let current = cancellation.withLock { $0 }
        guard !current.isCancelled else { return true }
        var options = settings.withLock { ScanOptions(threshold: $0.threshold, workers: $0.workers) }
        options.cancellation = current
        // Smaller transactions than a batch scan: the daemon commits what it reported promptly.
        options.commitFiles = 64
        options.commitInterval = 0.5
        if delayPerFile > 0 { Thread.sleep(forTimeInterval: delayPerFile * Double(events.count)) }
        do {
            if let reasons = Self.rescanReasons(events) {
                // A rescan reconciles everything, which covers every other event of the batch.
                for reason in reasons {
                    try report.append(ReportEvent(kind: .rescan, model: index.store.modelID, reason: reason))
                }
                counters.rescans.add(1, ordering: .relaxed)
                let summary = try index.reconcile(roots, options: options, report: report)
                counters.add(summary)
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
            func indexReady() throws {
                guard !ready.isEmpty else { return }
                let summary = try index.update(files: ready, options: options, report: report)
                counters.add(summary)
                ready = []
            }
            for event in events {
                switch event {
                case .ready(let path):
                    ready.append(path)
                case .removed(let path):
                    try indexReady()
                    counters.removed.add(try index.remove(under: path), ordering: .relaxed)
                case .moved(let source, let destination):
                    try indexReady()
                    let moved = try index.move(from: source, to: destination)
                    if FileIdentity.isDirectory(destination) {
                        // Files of the folder that were not indexed yet (still settling, say) are found here.
                        counters.add(try index.reconcile([destination], options: options, report: report))
                    } else if moved == 0 {
                        ready.append(destination)
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
