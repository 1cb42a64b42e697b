import Foundation
import GRDB
import Testing

/// One row of the index's `file` table, read straight from the SQLite file.
struct IndexRow {
    var path: [UInt8]
    var inode: Int64
    var width: Int?
    var decodeError: String?
}

extension WatchFixture {
    /// Every row of the index, with its path's exact bytes.
    func indexRows() throws -> [IndexRow] {
        guard FileManager.default.fileExists(atPath: indexPath) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: indexPath, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT path, inode, width, decode_error FROM file").map { row in
                IndexRow(
                    path: [UInt8](row["path"] as Data), inode: row["inode"], width: row["width"],
                    decodeError: row["decode_error"])
            }
        }
    }

    /// The report's lines about files, each with the exact bytes of its path (from `path_bytes` when the name is
    /// not UTF-8).
    func findingsByPathBytes() throws -> [(bytes: [UInt8], line: [String: Any])] {
        try findings().map { line in
            if let base64 = line["path_bytes"] as? String, let data = Data(base64Encoded: base64) {
                return ([UInt8](data), line)
            }
            return (Array((line["path"] as? String ?? "").utf8), line)
        }
    }

    /// The daemon's peak resident memory so far (`VmHWM`), in bytes.
    func peakMemoryBytes() throws -> Int {
        let pid = try #require(daemon?.processIdentifier)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try #require(Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1]))
        return kilobytes * 1024
    }

    /// Gives the scratch folders to `user` (and its group of the same number), so that a daemon running as that
    /// user can watch, index and report there; the notification socket becomes writable by anyone.
    func handOver(toUser user: uid_t) throws {
        for folder in [root.path, watched, outside] {
            guard chown(folder, user, gid_t(user)) == 0 else { throw HostileFiles.CallFailed("chown", folder) }
        }
        guard chmod(notify.path, 0o666) == 0 else { throw HostileFiles.CallFailed("chmod", notify.path) }
    }

    /// Whether the daemon process is still running.
    var isRunning: Bool { daemon?.process.isRunning == true }

    /// What the daemon wrote to standard error so far.
    var standardError: String { daemon?.standardError ?? "" }

    /// `PRAGMA integrity_check` of the index, read through a read-only connection.
    func integrityCheck() throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: indexPath, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Findings stored in the index whose file or match has no row (a broken reference).
    func danglingFindings() throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: indexPath, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM finding
                    WHERE file_id NOT IN (SELECT id FROM file) OR match_id NOT IN (SELECT id FROM file)
                    """) ?? 0
        }
    }
}
