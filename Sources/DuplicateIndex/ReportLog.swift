import Foundation
import Synchronization

/// The report log: JSON Lines appended with `O_APPEND`, one `write` per line, so lines from concurrent writers
/// (another scan, the daemon) never interleave and each event is in the kernel before the next one is handled.
/// `reopen()` follows logrotate's `create` (the daemon calls it on SIGHUP). The path `-` means standard output.
public final class ReportLog: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>

    public init(path: String) throws(FileSystemError) {
        self.path = path
        descriptor = Mutex(try Self.open(path))
    }

    deinit {
        descriptor.withLock { _ = close($0) }
    }

    public func append(_ event: ReportEvent) throws(FileSystemError) {
        let line = Array((event.jsonLine + "\n").utf8)
        let failure: Int32? = descriptor.withLock { descriptor in
            var written = 0
            while written < line.count {
                let count = line.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return nil
        }
        if let failure { throw FileSystemError(path: RawPath(path), operation: "write", errorNumber: failure) }
    }

    /// Closes the file and opens `path` again, creating it if it was rotated away.
    public func reopen() throws(FileSystemError) {
        guard path != Self.standardOutputPath else { return }
        let fresh = try Self.open(path)
        descriptor.withLock { descriptor in
            close(descriptor)
            descriptor = fresh
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
