import DuplicateIndex
import Foundation

/// Scan progress on stderr: a bar redrawn in place on a terminal, a plain line every few seconds otherwise
/// (logs and pipes get no carriage returns).
struct ProgressDisplay {
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastShown = -Double.infinity

    mutating func show(_ progress: ScanProgress) {
        let done = progress.processed == progress.total
        let interval = isTerminal ? 0.1 : 5
        guard done || progress.seconds - lastShown >= interval else { return }
        lastShown = progress.seconds
        let rate = progress.seconds > 0 ? Double(progress.processed) / progress.seconds : 0
        let fraction = progress.total > 0 ? Double(progress.processed) / Double(progress.total) : 1
        if isTerminal {
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled)
            let line = String(
                format: "\r[%@] %d/%d files, %.1f files/s%@", bar, progress.processed, progress.total, rate,
                done ? "\n" : "")
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            let line = String(
                format: "twindup: %d/%d files (%.0f%%), %d decoded, %.1f files/s\n", progress.processed,
                progress.total, fraction * 100, progress.decoded, rate)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
