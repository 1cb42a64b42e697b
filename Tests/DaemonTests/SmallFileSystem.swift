import Foundation
import TestSupport

/// A small tmpfs mounted on a folder for a test's life, so that the test can fill it and free it again (needs
/// root, which these tests have; without it the test fails, saying so).
final class SmallFileSystem {
    let folder: String
    private var fillers: [String] = []

    init(mountedOn folder: String, bytes: Int) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let mount = try ChildProcess.run(
            try ChildProcess.program(named: "mount"), ["-t", "tmpfs", "-o", "size=\(bytes),mode=0777", "tmpfs", folder])
        guard mount.status == 0 else {
            throw HostileFiles.CallFailed("mount -t tmpfs on", "\(folder) (\(mount.standardError))", errorNumber: EPERM)
        }
    }

    deinit {
        // Lazily: a daemon killed by the test may still hold files open for a moment.
        _ = try? ChildProcess.run(try ChildProcess.program(named: "umount"), ["-l", folder])
    }

    /// Writes a filler file until the file system refuses another byte (ENOSPC).
    func fill() throws {
        let path = folder + "/filler-\(fillers.count)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw HostileFiles.CallFailed("open", path) }
        defer { close(descriptor) }
        fillers.append(path)
        for chunkSize in [65536, 4096, 1] {
            let chunk = [UInt8](repeating: 0xA5, count: chunkSize)
            while true {
                let count = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 { continue }
                guard errno == ENOSPC else { throw HostileFiles.CallFailed("write", path) }
                break
            }
        }
    }

    /// Deletes the fillers: the space is free again.
    func free() throws {
        for path in fillers { try FileManager.default.removeItem(atPath: path) }
        fillers = []
    }
}
