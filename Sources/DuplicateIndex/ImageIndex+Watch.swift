import Foundation

/// What the daemon does to the index as files come and go: the same pipeline as `scan`, driven by paths.
extension ImageIndex {
    /// Brings these files up to date in the index: new and changed picture files are read and reported exactly as
    /// `scan` would, unchanged ones (same device, inode, size and modification time) are skipped, and paths that are
    /// no longer picture files leave the index. A path named twice is handled once.
    public func update(
        files paths: [RawPath], options: ScanOptions, report: ReportLog? = nil
    ) throws -> ScanSummary {
        try writing {
            let start = Date()
            var summary = ScanSummary()
            var items: [ScanItem] = []
            var gone: [Int64] = []
            var seen = Set<RawPath>()
            for path in paths where seen.insert(path).inserted {
                let stored = try store.state(of: path)
                guard let status = try? FileSystem.status(of: path), status.kind == .regular,
                    let suffix = path.lowercasedExtension, DirectoryWalker.pictureExtensions.contains(suffix)
                else {
                    if let stored { gone.append(stored.id) }
                    continue
                }
                summary.found += 1
                if let stored {
                    if stored.identity == status.identity && stored.modelID == store.modelID {
                        summary.unchanged += 1
                        continue
                    }
                    summary.changed += 1
                } else {
                    summary.added += 1
                }
                items.append(ScanItem(path: path, replacing: stored?.id))
            }
            if !gone.isEmpty {
                try store.remove(ids: gone)
                replaceMatrixRows(removing: Set(gone))
                summary.removed = gone.count
            }
            try process(items, options: options, report: report, summary: &summary, progress: { _ in })
            summary.seconds = Date().timeIntervalSince(start)
            return summary
        }
    }

    /// Brings the index up to date with everything at or below `roots` (canonical paths), as `scan` does: the
    /// reconciliation after start-up, a queue overflow or a new folder.
    public func reconcile(_ roots: [RawPath], options: ScanOptions, report: ReportLog? = nil) throws -> ScanSummary {
        try writing { try scanLocked(roots, options: options, report: report, progress: { _ in }) }
    }

    /// Removes the rows of every file at or below `path` (deleted, or moved out of the watched folders).
    @discardableResult
    public func remove(under path: RawPath) throws(IndexError) -> Int { try forget(path) }

    /// Follows a rename inside the watched folders: the rows at or below `source` take the paths below
    /// `destination`, nothing is read again. Rows the rename replaced leave the index. Returns how many rows moved.
    @discardableResult
    public func move(from source: RawPath, to destination: RawPath) throws(IndexError) -> Int {
        try writing { () throws(IndexError) -> Int in
            let (moved, replaced) = try store.move(from: source, to: destination)
            replaceMatrixRows(removing: Set(replaced))
            return moved
        }
    }
}
