import DuplicateIndex

/// What the watcher tells the indexer, in the order things happened.
enum WatchEvent: Sendable, Equatable {
    /// A complete picture file to index (new, or changed since it was indexed).
    case ready(RawPath)
    /// A file or folder is gone: its rows leave the index.
    case removed(RawPath)
    /// A file or folder was renamed inside the watched folders.
    case moved(from: RawPath, to: RawPath)
    /// Events may have been lost (`queue_overflow`), or the daemon starts (`startup`), or it is time
    /// (`periodic`): reconcile everything with the index.
    case rescan(reason: String)
}
