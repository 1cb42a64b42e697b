import DuplicateIndex
import Synchronization

/// What the daemon has done since it started, for systemd's STATUS= line and the logs. Updated from the watcher
/// thread and the indexer, read from anywhere.
final class DaemonCounters: Sendable {
    let filesRead = Atomic<Int>(0)
    let exactDuplicates = Atomic<Int>(0)
    let nearDuplicates = Atomic<Int>(0)
    let decodeErrors = Atomic<Int>(0)
    let removed = Atomic<Int>(0)
    let rescans = Atomic<Int>(0)
    let droppedEvents = Atomic<Int>(0)
    let watchedFolders = Atomic<Int>(0)
    /// Set when the watch limit left some folders unwatched: they are covered by periodic rescans.
    let watchesIncomplete = Atomic<Bool>(false)

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
