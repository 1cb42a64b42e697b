import Synchronization

/// How a scan runs.
public struct ScanOptions: Sendable {
    /// Pairs with probability at or above this are near-duplicates.
    public var threshold: Double
    /// Threads reading, hashing and decoding files.
    public var workers: Int
    /// Pictures embedded per network call.
    public var embeddingBatch = 32
    /// Near-duplicates reported per file, nearest first; more would only repeat links the groups already show.
    public var maxMatchesPerFile = 10
    /// A transaction is committed after this many files, or after `commitInterval` seconds.
    public var commitFiles = 256
    public var commitInterval = 1.0
    /// Set from another thread to stop a scan early (the daemon shutting down): files already being read are
    /// finished and committed, the rest are left for the next scan.
    public var cancellation: ScanCancellation?
    /// Called on the scan's own thread right after each transaction commits, with the paths of the rows it added
    /// (new and changed files, copies, files that failed to decode): the daemon counts and times them.
    public var committed: (@Sendable ([RawPath]) -> Void)?

    public init(threshold: Double, workers: Int = ProcessInfoCores.active) {
        precondition(threshold > 0 && threshold < 1, "the threshold is a probability strictly between 0 and 1")
        self.threshold = threshold
        self.workers = max(1, workers)
    }
}

/// A flag that stops a running scan when set.
public final class ScanCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    public func cancel() { flag.store(true, ordering: .relaxed) }
}
