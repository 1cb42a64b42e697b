import DuplicateIndex
import Synchronization

/// What the daemon has done since it started, for systemd's STATUS= line, the logs and the metrics. Updated from
/// the watcher thread and the indexer, read from anywhere.
final class DaemonCounters: Sendable {
    let filesRead = Atomic<Int>(0)
    /// Files the indexer set out to read: ready files from inotify, and new or changed files found by rescans.
    let filesSeen = Atomic<Int>(0)
    /// Rows committed to the index (new and changed files, copies, files that failed to decode).
    let filesIndexed = Atomic<Int>(0)
    let exactDuplicates = Atomic<Int>(0)
    let nearDuplicates = Atomic<Int>(0)
    let decodeErrors = Atomic<Int>(0)
    /// Rows removed because their file was deleted, moved out of the watched folders or found gone by a rescan.
    let removed = Atomic<Int>(0)
    /// Rows that followed a rename inside the watched folders.
    let moved = Atomic<Int>(0)
    let droppedEvents = Atomic<Int>(0)
    let watchedFolders = Atomic<Int>(0)
    /// Rows in the index after the last batch.
    let indexFiles = Atomic<Int>(0)
    /// Set when the watch limit left some folders unwatched: they are covered by periodic rescans.
    let watchesIncomplete = Atomic<Bool>(false)
    /// Rescans run, by reason. A lock, not atomics: the reasons are open-ended and rescans are rare.
    private let rescansByReason = Mutex<[String: Int]>([:])

    func countRescan(reason: String) {
        rescansByReason.withLock { $0[reason, default: 0] += 1 }
    }

    /// Rescans run so far, by reason; the daemon's usual reasons are present from the start, at 0, so that a rate
    /// over them is defined before the first one happens.
    var rescans: [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: Self.rescanReasons.map { ($0, 0) })
        counts.merge(rescansByReason.withLock { $0 }) { _, counted in counted }
        return counts
    }

    static let rescanReasons = ["startup", "periodic", "queue_overflow", "error_recovery"]

    func add(_ summary: ScanSummary) {
        filesRead.add(summary.added + summary.changed, ordering: .relaxed)
        exactDuplicates.add(summary.exactDuplicates, ordering: .relaxed)
        nearDuplicates.add(summary.nearDuplicates, ordering: .relaxed)
        decodeErrors.add(summary.decodeErrors, ordering: .relaxed)
        removed.add(summary.removed, ordering: .relaxed)
    }

    /// One line for `systemctl status`.
    func statusLine(queueDepth: Int, indexed: Int) -> String {
        var line =
            "watching \(watchedFolders.load(ordering: .relaxed)) folders; \(indexed) files indexed; "
            + "\(filesRead.load(ordering: .relaxed)) read, \(exactDuplicates.load(ordering: .relaxed)) exact and "
            + "\(nearDuplicates.load(ordering: .relaxed)) near duplicates, \(decodeErrors.load(ordering: .relaxed)) "
            + "decode errors since start; queue \(queueDepth)"
        if watchesIncomplete.load(ordering: .relaxed) { line += "; watch limit reached: rescanning periodically" }
        return line
    }
}
