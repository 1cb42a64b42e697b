/// Lists the image files below some folders, without following symbolic links: a link may point out of the tree
/// or back up into it, and any file it points to inside the tree is found by its own path anyway. Directories are
/// remembered by device and inode, so a bind mount looping back cannot make the walk endless.
struct DirectoryWalker {
    struct Found: Sendable {
        var path: RawPath
        var identity: FileIdentity
    }

    /// File name extensions taken for pictures; the format itself is read from the bytes.
    static let pictureExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]

    /// Folders or files that could not be listed or examined; the walk goes on without them.
    var problems: [FileSystemError] = []

    /// Regular files with a picture extension below `roots` (canonical paths), each once, sorted by path.
    mutating func walk(_ roots: [RawPath]) -> [Found] {
        var found: [RawPath: FileIdentity] = [:]
        var visitedDirectories = Set<[UInt64]>()
        var pending = roots
        while let path = pending.popLast() {
            let status: FileSystem.Status
            do { status = try FileSystem.status(of: path) } catch {
                problems.append(error)
                continue
            }
            switch status.kind {
            case .regular:
                if let suffix = path.lowercasedExtension, Self.pictureExtensions.contains(suffix) {
                    found[path] = status.identity
                }
            case .directory:
                guard visitedDirectories.insert([status.identity.device, status.identity.inode]).inserted else {
                    continue
                }
                do {
                    for name in try FileSystem.entries(of: path) { pending.append(path.appending(name)) }
                } catch {
                    problems.append(error)
                }
            case .symbolicLink, .other:
                continue
            }
        }
        return found.map { Found(path: $0.key, identity: $0.value) }.sorted { $0.path < $1.path }
    }
}

/// The picture files below a folder, for the daemon: listed the way `scan` lists them.
public enum PictureFiles {
    public static func list(under folder: RawPath) -> [(path: RawPath, identity: FileIdentity)] {
        var walker = DirectoryWalker()
        return walker.walk([folder]).map { ($0.path, $0.identity) }
    }
}
