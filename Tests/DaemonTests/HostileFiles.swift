import Foundation

/// Entries no picture folder should hold, made with the system calls themselves: FIFOs, Unix sockets, device
/// nodes, and files whose names are any bytes at all (not UTF-8, newlines, quotes).
enum HostileFiles {
    /// A system call the test needed failed; the test cannot go on.
    struct CallFailed: Error, CustomStringConvertible {
        var description: String

        init(_ call: String, _ path: String, errorNumber: Int32 = errno) {
            description = "\(call) \(path): \(String(cString: strerror(errorNumber))) (these tests run as root)"
        }
    }

    /// Writes `contents` to the file whose path is exactly `path`'s bytes, created with `mode`.
    static func write(_ contents: [UInt8], toPathBytes path: [UInt8], mode: mode_t = 0o644) throws {
        let descriptor = (path + [0]).withUnsafeBufferPointer { name in
            name.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, mode) }
        }
        let shown = String(decoding: path, as: UTF8.self)
        guard descriptor >= 0 else { throw CallFailed("open", shown) }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            guard count > 0 else { throw CallFailed("write", shown) }
            written += count
        }
        // open() applied the umask; the mode asked for is the one wanted (0 for an unreadable file).
        guard fchmod(descriptor, mode) == 0 else { throw CallFailed("fchmod", shown) }
    }

    static func makeFIFO(_ path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw CallFailed("mkfifo", path) }
    }

    /// A bound Unix socket left on disk (its descriptor closed: nobody listens).
    static func makeSocket(_ path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CallFailed("socket", path) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw CallFailed("bind", path, errorNumber: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw CallFailed("bind", path) }
    }

    /// A device node (needs root): `character` or block, with the kernel's old-style number (major < 4096,
    /// minor < 256).
    static func makeDevice(_ path: String, character: Bool, major: UInt, minor: UInt) throws {
        let type = character ? S_IFCHR : S_IFBLK
        guard mknod(path, type | 0o600, dev_t(major << 8 | minor)) == 0 else { throw CallFailed("mknod", path) }
    }

    /// Renames `source` over `destination` in one step (`rename(2)`).
    static func rename(_ source: String, over destination: String) throws {
        guard Foundation.rename(source, destination) == 0 else { throw CallFailed("rename", destination) }
    }
}
