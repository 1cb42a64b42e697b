/// What a rescan compares to decide that a file is unchanged, without reading it: the device and inode it lives
/// on, its size and its modification time to the nanosecond.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Nanoseconds since the Unix epoch.
    public var modificationTime: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modificationTime: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modificationTime = modificationTime
    }
}

extension FileIdentity {
    /// The identity of the regular file at `path` now (`lstat`: a symbolic link is not followed), or nil when there
    /// is none.
    public static func ofRegularFile(at path: RawPath) -> FileIdentity? {
        guard let status = try? FileSystem.status(of: path), status.kind == .regular else { return nil }
        return status.identity
    }

    /// Whether `path` is a directory itself (not a symbolic link to one).
    public static func isDirectory(_ path: RawPath) -> Bool {
        (try? FileSystem.status(of: path))?.kind == .directory
    }
}
