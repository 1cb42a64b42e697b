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
