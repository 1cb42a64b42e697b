/// A file's path as the kernel's bytes. Linux file names are bytes, not text: they need not be UTF-8, and they may
/// hold newlines. twindup keeps the bytes, so every file can be opened, stored and reported exactly.
public struct RawPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(!bytes.contains(0), "a path cannot contain a NUL byte")
        self.bytes = bytes
    }

    public init(_ string: String) {
        self.init(bytes: Array(string.utf8))
    }

    /// The path as text for people: exact when the bytes are UTF-8, otherwise with U+FFFD for each bad sequence.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// `self` followed by `/` and `name`.
    public func appending(_ name: [UInt8]) -> RawPath {
        var joined = bytes
        if joined.last != UInt8(ascii: "/") { joined.append(UInt8(ascii: "/")) }
        joined.append(contentsOf: name)
        return RawPath(bytes: joined)
    }

    /// Whether `self` is `folder` or lies somewhere below it.
    public func isWithin(_ folder: RawPath) -> Bool {
        guard bytes.count >= folder.bytes.count, bytes.starts(with: folder.bytes) else { return false }
        if bytes.count == folder.bytes.count || folder.bytes.last == UInt8(ascii: "/") { return true }
        return bytes[folder.bytes.count] == UInt8(ascii: "/")
    }

    /// The lowercased extension after the last dot of the last component, if any.
    var lowercasedExtension: String? {
        let name = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? []
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return nil }
        return String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
    }

    /// The absolute path of `path` with every symbolic link and `..` resolved (`realpath`); the error names the
    /// path and the cause.
    public static func canonical(_ path: String) throws(FileSystemError) -> RawPath {
        try FileSystem.canonical(RawPath(path))
    }

    /// The last component: the file's own name.
    public var lastComponent: [UInt8] {
        Array(bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? [])
    }

    /// Whether the name ends in an extension twindup reads as a picture (`jpg`, `jpeg`, `jpe`, `jfif`, `png`).
    public var hasPictureExtension: Bool {
        lowercasedExtension.map(DirectoryWalker.pictureExtensions.contains) ?? false
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    public func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    public static func < (left: RawPath, right: RawPath) -> Bool {
        left.bytes.lexicographicallyPrecedes(right.bytes)
    }
}
