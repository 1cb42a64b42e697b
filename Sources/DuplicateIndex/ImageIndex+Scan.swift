import Foundation
import Synchronization

extension ImageIndex {
    /// Brings the index up to date with the picture files under `folders`: new and changed files are read (copies
    /// of known bytes are not decoded), each is reported against the index, files gone from the folders leave it.
    /// Unchanged files (same device, inode, size and modification time) are not read at all.
    public func scan(
        _ folders: [String], options: ScanOptions, report: ReportLog? = nil,
        progress: (ScanProgress) -> Void = { _ in }
    ) throws -> ScanSummary {
        try writing {
            try scanLocked(
                try folders.map { try FileSystem.canonical(RawPath($0)) }, options: options, report: report,
                progress: progress)
        }
    }

    /// `scan` of canonical paths, under the writer lock.
    func scanLocked(
        _ roots: [RawPath], options: ScanOptions, report: ReportLog?, progress: (ScanProgress) -> Void
    ) throws -> ScanSummary {
        let start = Date()
        var walker = DirectoryWalker()
        let found = walker.walk(roots)
        var summary = ScanSummary()
        summary.found = found.count
        summary.walkProblems = walker.problems.map(\.description)

        let stored = try store.storedStates(under: roots)
        var items: [ScanItem] = []
        var seen = Set<RawPath>()
        for file in found {
            seen.insert(file.path)
            if let state = stored[file.path] {
                if state.identity == file.identity && state.modelID == store.modelID {
                    summary.unchanged += 1
                } else {
                    summary.changed += 1
                    items.append(ScanItem(path: file.path, replacing: state.id))
                }
            } else {
                summary.added += 1
                items.append(ScanItem(path: file.path))
            }
        }
        let gone = stored.filter { entry in !seen.contains(entry.key) && roots.contains { entry.key.isWithin($0) } }
        summary.removed = gone.count
        try store.remove(ids: gone.map(\.value.id))
        replaceMatrixRows(removing: Set(gone.map(\.value.id)))
        try process(items, options: options, report: report, summary: &summary, progress: progress)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Re-embeds every indexed file with this index's model (after the model changed), and drops files that are
    /// gone. Interrupted, it can simply be run again.
    public func reindex(
        options: ScanOptions, report: ReportLog? = nil, progress: (ScanProgress) -> Void = { _ in }
    ) throws -> ScanSummary {
        try writing {
            let start = Date()
            let stored = try store.storedStates().sorted { $0.key < $1.key }
            var summary = ScanSummary()
            summary.found = stored.count
            summary.changed = stored.count
            let items = stored.map { ScanItem(path: $0.key, replacing: $0.value.id) }
            try process(items, options: options, report: report, summary: &summary, progress: progress)
            summary.seconds = Date().timeIntervalSince(start)
            return summary
        }
    }

    /// Reads and decodes `items` on `options.workers` threads, at most a bounded number ahead, while this thread
    /// embeds them in batches, searches, reports and commits in batched transactions. After a failure (the report
    /// log or the index on a full disk) nothing uncommitted is left in the search matrix.
    func process(
        _ items: [ScanItem], options: ScanOptions, report: ReportLog?, summary: inout ScanSummary,
        progress: (ScanProgress) -> Void
    ) throws {
        // Dismissals made by another process (`twindup dismiss` beside the daemon) count from this batch on.
        try refreshDismissals()
        try keepingMatrixInStep {
            try processInStep(items, options: options, report: report, summary: &summary, progress: progress)
        }
    }

    private func processInStep(
        _ items: [ScanItem], options: ScanOptions, report: ReportLog?, summary: inout ScanSummary,
        progress: (ScanProgress) -> Void
    ) throws {
        let outcomes = BoundedBuffer<ScanOutcome>(capacity: max(2 * options.embeddingBatch, 4 * options.workers))
        // Rows being replaced leave the search first: a changed file must not find its own old embedding.
        let replaced = Set(items.compactMap(\.replacing))
        replaceMatrixRows(removing: replaced)
        let worker = ScanWorker(
            decoder: decoder, matching: detector.matchingPreparation, decodeSide: detector.minimumDecodeSide,
            store: store, claims: ContentClaims(), replaced: replaced)
        let next = Counter()
        let finished = DispatchGroup()
        for _ in 0..<min(options.workers, max(1, items.count)) {
            finished.enter()
            Thread.detachNewThread {
                while let index = next.take(below: items.count) {
                    outcomes.put(worker.process(items[index], position: index))
                }
                finished.leave()
            }
        }
        DispatchQueue.global().async {
            finished.wait()
            outcomes.put(nil)
        }
        var run = ScanCommitter(
            index: self, options: options, report: report, replaced: replaced, nextID: try store.nextFileID())
        var ended = false
        defer {
            if !ended {
                // After an error: stop handing out files and let the workers finish, none blocked on a full buffer.
                next.stop()
                while outcomes.take() != nil {}
            }
        }
        let start = Date()
        var processed = 0
        var stopping = false
        while true {
            if !stopping, options.cancellation?.isCancelled == true {
                // Files being read are finished and indexed; no new one is started.
                stopping = true
                next.stop()
            }
            guard let outcome = outcomes.take() else {
                ended = true
                break
            }
            try run.handle(outcome, summary: &summary)
            processed += 1
            progress(
                ScanProgress(
                    processed: processed, total: items.count, decoded: summary.decoded,
                    seconds: Date().timeIntervalSince(start)))
        }
        try run.finish(summary: &summary)
    }
}

/// The next index to hand out, shared by the workers.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func take(below limit: Int) -> Int? {
        let index = value.add(1, ordering: .relaxed).oldValue
        return index < limit ? index : nil
    }

    func stop() {
        value.store(Int.max / 2, ordering: .relaxed)
    }
}
