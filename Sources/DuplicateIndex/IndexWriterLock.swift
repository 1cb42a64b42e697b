import Foundation

/// Only one process writes an index at a time: an exclusive `flock` on `<index>.lock`, held while the value
/// lives. Two scans interleaving their removals and additions would each undo the other's view of the folders.
final class IndexWriterLock {
    private let descriptor: Int32

    init(indexPath: String) throws(IndexError) {
        let lockPath = indexPath + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IndexError(
                .io, path: indexPath, cause: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            throw IndexError(
                .busy, path: indexPath,
                cause: reason == EWOULDBLOCK
                    ? "another twindup process is writing to it"
                    : "cannot lock \(lockPath): \(String(cString: strerror(reason)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
