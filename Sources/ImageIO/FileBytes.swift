#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file, refusing anything that is not a regular file or is over the size limit before reading.
/// The errno calls for file access live here and nowhere else in ImageIO.
enum FileBytes {
    static func read(path: String, maxBytes: Int) throws(ImageDecodeError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, "cannot open: \(lastErrorText())") }
        defer { _ = close(descriptor) }  // read-only: a failed close loses nothing
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(path, "cannot stat: \(lastErrorText())") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw unreadable(path, "not a regular file") }
        let size = Int(status.st_size)
        guard size > 0 else { throw ImageDecodeError(.empty, path: path, cause: "the file has 0 bytes") }
        guard size <= maxBytes else {
            throw ImageDecodeError(.tooLarge, path: path, cause: "\(size) bytes is over the limit of \(maxBytes) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        var failure: String?
        bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let count = Glibc.read(descriptor, buffer.baseAddress! + filled, size - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = "read failed: \(lastErrorText())"
                    return
                }
                if count == 0 { break }  // shrank while we read: decode what is there
                filled += count
            }
        }
        if let failure { throw unreadable(path, failure) }
        guard filled > 0 else { throw ImageDecodeError(.empty, path: path, cause: "the file has 0 bytes") }
        return filled == size ? bytes : Array(bytes.prefix(filled))
    }

    private static func unreadable(_ path: String, _ cause: String) -> ImageDecodeError {
        ImageDecodeError(.fileUnreadable, path: path, cause: cause)
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
