import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the path and the call's own words (`strerror`).
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    public var path: RawPath
    public var operation: String
    public var errorNumber: Int32

    public var description: String {
        "\(path): \(operation): \(reason)"
    }

    /// The system's words for the error, with its symbolic name for the common ones a reader searches for:
    /// `No space left on device (ENOSPC)`.
    public var reason: String {
        let words = String(cString: strerror(errorNumber))
        return Self.names[errorNumber].map { "\(words) (\($0))" } ?? words
    }

    private static let names: [Int32: String] = [
        ENOSPC: "ENOSPC", EDQUOT: "EDQUOT", EROFS: "EROFS", EIO: "EIO", EACCES: "EACCES", EPERM: "EPERM",
        EFBIG: "EFBIG", ENOENT: "ENOENT", EMFILE: "EMFILE", ENFILE: "ENFILE",
    ]
}

/// The system calls the index and the scan make, in one place. Each is checked; each failure becomes a
/// `FileSystemError` naming the path.
enum FileSystem {
    enum Kind: Sendable {
        case regular, directory, symbolicLink, other
    }

    struct Status: Sendable {
        var kind: Kind
        var identity: FileIdentity
    }

    /// `lstat`: the entry itself, never what a symbolic link points to.
    static func status(of path: RawPath) throws(FileSystemError) -> Status {
        var info = stat()
        let result = path.withCString { lstat($0, &info) }
        guard result == 0 else { throw FileSystemError(path: path, operation: "lstat", errorNumber: errno) }
        return Status(info)
    }

    /// The names in a directory, without `.` and `..`.
    static func entries(of directory: RawPath) throws(FileSystemError) -> [[UInt8]] {
        guard let stream = directory.withCString({ opendir($0) }) else {
            throw FileSystemError(path: directory, operation: "opendir", errorNumber: errno)
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw FileSystemError(path: directory, operation: "readdir", errorNumber: errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
    }

    /// The absolute path with every symbolic link and `..` resolved (`realpath`).
    static func canonical(_ path: RawPath) throws(FileSystemError) -> RawPath {
        guard let resolved = path.withCString({ realpath($0, nil) }) else {
            throw FileSystemError(path: path, operation: "realpath", errorNumber: errno)
        }
        defer { free(resolved) }
        return RawPath(bytes: Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved))))
    }

    /// Reads a regular file whole, refusing one larger than `maxBytes`, and returns its identity as of the read
    /// (`fstat` of the opened file, so the identity and the bytes belong together). Returns nil when the path is
    /// no longer a regular file: a symbolic link, FIFO, socket or device swapped in since it was listed. It is
    /// opened without blocking (a FIFO opened for reading would wait for a writer forever) and without becoming
    /// a controlling terminal.
    static func readRegularFile(
        _ path: RawPath, maxBytes: Int
    ) throws(FileSystemError) -> (bytes: [UInt8], identity: FileIdentity)? {
        let descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) }
        guard descriptor >= 0 else {
            // ELOOP: the last component is a symbolic link; ENXIO: a socket, or a device without its driver.
            if errno == ELOOP || errno == ENXIO || errno == ENODEV { return nil }
            throw FileSystemError(path: path, operation: "open", errorNumber: errno)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw FileSystemError(path: path, operation: "fstat", errorNumber: errno)
        }
        let status = Status(info)
        guard status.kind == .regular else { return nil }
        guard status.identity.size <= Int64(maxBytes) else {
            throw FileSystemError(path: path, operation: "read", errorNumber: EFBIG)
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.identity.size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, operation: "read", errorNumber: errno)
            }
            if count == 0 { break }  // The file shrank since fstat: keep what is there.
            filled += count
        }
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        return (bytes, status.identity)
    }
}

extension FileSystem.Status {
    init(_ info: stat) {
        let mode = info.st_mode & S_IFMT
        kind =
            switch mode {
            case S_IFREG: .regular
            case S_IFDIR: .directory
            case S_IFLNK: .symbolicLink
            default: .other
            }
        identity = FileIdentity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modificationTime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
