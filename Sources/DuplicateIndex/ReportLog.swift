import Foundation
import Synchronization

/// The report log: JSON Lines appended with `O_APPEND`, one `write` per line, so lines from concurrent writers
/// (another scan, the daemon) never interleave and each event is in the kernel before the next one is handled.
/// `reopen()` follows logrotate's `create` (the daemon calls it on SIGHUP). The path `-` means standard output.
/// It counts the lines it wrote by event, so that the daemon's metrics equal the lines in the file exactly.
public final class ReportLog: Sendable {
    private struct State {
        var descriptor: Int32
        var linesWritten: [ReportEvent.Kind: Int] = [:]
    }

    public let path: String
    private let state: Mutex<State>

    public init(path: String) throws(FileSystemError) {
        self.path = path
        state = Mutex(State(descriptor: try Self.open(path)))
    }

    deinit {
        state.withLock { _ = close($0.descriptor) }
    }

    /// Lines of this kind written completely by this log since it was opened (a failed write is not counted).
    public func linesWritten(_ kind: ReportEvent.Kind) -> Int {
        state.withLock { $0.linesWritten[kind] ?? 0 }
    }

    /// Appends the event's line. On failure (a full disk, say) no part of the line stays in the file, so the next
    /// line cannot be glued to a fragment; the caller keeps what the line reports and tries again later.
    public func append(_ event: ReportEvent) throws(FileSystemError) {
        let line = Array((event.jsonLine + "\n").utf8)
        let failure: Int32? = state.withLock { state in
            let descriptor = state.descriptor
            var written = 0
            while written < line.count {
                let count = line.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
                if count < 0 {
                    if errno == EINTR { continue }
                    let failure = errno
                    if written > 0 { Self.removeFragment(of: written, bytesFrom: descriptor) }
                    return failure
                }
                written += count
            }
            state.linesWritten[event.kind, default: 0] += 1
            return nil
        }
        if let failure { throw FileSystemError(path: RawPath(path), operation: "write", errorNumber: failure) }
    }

    /// Cuts the `count` bytes this process just appended off the end of the file, when they are still its end (no
    /// other writer appended after them). Best effort: standard output (a pipe or terminal) cannot be cut.
    private static func removeFragment(of count: Int, bytesFrom descriptor: Int32) {
        // With O_APPEND, the offset after a write is the end of what that write appended.
        let end = lseek(descriptor, 0, SEEK_CUR)
        var info = stat()
        guard end >= count, fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            info.st_size == end
        else { return }
        _ = ftruncate(descriptor, end - off_t(count))
    }

    /// Closes the file and opens `path` again, creating it if it was rotated away.
    public func reopen() throws(FileSystemError) {
        guard path != Self.standardOutputPath else { return }
        let fresh = try Self.open(path)
        state.withLock { state in
            close(state.descriptor)
            state.descriptor = fresh
        }
    }

    /// The path that stands for standard output.
    public static let standardOutputPath = "-"

    private static func open(_ path: String) throws(FileSystemError) -> Int32 {
        if path == standardOutputPath {
            let descriptor = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
            guard descriptor >= 0 else {
                throw FileSystemError(path: RawPath(path), operation: "dup", errorNumber: errno)
            }
            return descriptor
        }
        let descriptor = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError(path: RawPath(path), operation: "open", errorNumber: errno) }
        return descriptor
    }
}
