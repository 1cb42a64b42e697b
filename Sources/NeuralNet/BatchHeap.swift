import CMalloc

/// glibc's heap settings for the batch commands that stream the engine's tensors (train, calibrate, eval).
///
/// A training step allocates and frees the same few hundred megabytes of activations and gradients every time.
/// With glibc's defaults each thread gets an arena of 64 MB heaps, blocks over the mmap threshold are mapped and
/// unmapped per step, and freed tops are handed back to the kernel, so every step pays to fault in and clear the
/// same pages again: measured on the 2-core build machine, 5–7 million page faults in 100 seconds of training, and
/// 0.733 s per step against 0.636 s with these settings (RSS 1.49 GB either way). The daemon keeps glibc's defaults:
/// it must give memory back after a large picture.
public enum BatchHeap {
    /// One arena for the process: set before any other thread allocates, or threads keep arenas of their own.
    public static let arenas: Int32 = 1
    /// Blocks up to 1 GiB come from the heap and are reused, not mapped afresh.
    public static let mmapThreshold: Int32 = 1 << 30
    /// The heap's free top is kept up to 1 GiB instead of being trimmed after every step.
    public static let trimThreshold: Int32 = 1 << 30

    /// The twindup commands that stream tensors batch after batch and run with these settings: train, calibrate,
    /// eval, and bench neural, which times training. The daemon and scan keep glibc's defaults.
    public static let commandPaths = [["train"], ["calibrate"], ["eval"], ["bench", "neural"]]

    /// Whether a twindup command line (`arguments`, without the program's name) runs one of `commandPaths`.
    public static func isBatchCommand(_ arguments: [String]) -> Bool {
        commandPaths.contains { path in arguments.count >= path.count && Array(arguments.prefix(path.count)) == path }
    }

    /// The settings that failed, by name; empty when glibc took all of them.
    @discardableResult
    public static func keepFreedMemoryForReuse() -> [String] {
        let settings: [(name: String, option: Int32, value: Int32)] = [
            ("M_ARENA_MAX", M_ARENA_MAX, arenas),
            ("M_MMAP_THRESHOLD", M_MMAP_THRESHOLD, mmapThreshold),
            ("M_TRIM_THRESHOLD", M_TRIM_THRESHOLD, trimThreshold),
        ]
        // mallopt returns 1 on success and 0 on failure.
        return settings.filter { mallopt($0.option, $0.value) != 1 }.map { "\($0.name)=\($0.value)" }
    }
}
