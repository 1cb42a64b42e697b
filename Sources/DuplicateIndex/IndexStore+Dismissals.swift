import Foundation
import GRDB

/// A pair a person said is not a duplicate, as `twindup dismiss --list` shows it.
public struct Dismissal: Sendable, Equatable {
    public var pair: ContentPair
    /// Where the pictures with `pair.first` and `pair.second` were when the pair was dismissed.
    public var firstPath: RawPath
    public var secondPath: RawPath
    public var dismissedAt: Date
}

/// What one `dismiss` did.
public struct DismissalOutcome: Sendable {
    public var dismissal: Dismissal
    /// False when the pair had been dismissed before.
    public var isNew: Bool
    /// Findings between pictures of the pair's two contents, deleted from the index.
    public var findingsRemoved: Int
}

/// The `dismissal` table. Every write is one short transaction without the writer lock: dismissing changes no file
/// row and no embedding, so it may run while the daemon holds the lock; SQLite (WAL, busy timeout) orders the two
/// writers, and the daemon sees the change through `meta.dismissal_generation` before its next batch.
extension IndexStore {
    /// Records that the indexed files at `one` and `other` are not duplicates, and deletes the findings between any
    /// files with their contents.
    public func dismiss(_ one: RawPath, _ other: RawPath, at time: Date = Date()) throws -> DismissalOutcome {
        guard one != other else { throw DismissalError(.sameFile, path: one, other: other) }
        return try writingDismissals { db in
            let first = try Self.dismissable(one, db)
            let second = try Self.dismissable(other, db)
            if first.device == second.device && first.inode == second.inode {
                throw DismissalError(.sameFile, path: one, other: other)
            }
            let pair = ContentPair(first.hash, second.hash)
            let (firstPath, secondPath) = pair.first == first.hash ? (one, other) : (other, one)
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO dismissal (first_hash, second_hash, first_path, second_path, dismissed_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Data(pair.first), Data(pair.second), Data(firstPath.bytes), Data(secondPath.bytes),
                    Self.milliseconds(time),
                ])
            let isNew = db.changesCount > 0
            try db.execute(
                sql: """
                    DELETE FROM finding WHERE
                        (file_id IN (SELECT id FROM file WHERE content_hash = ?)
                            AND match_id IN (SELECT id FROM file WHERE content_hash = ?))
                        OR (file_id IN (SELECT id FROM file WHERE content_hash = ?)
                            AND match_id IN (SELECT id FROM file WHERE content_hash = ?))
                    """,
                arguments: [Data(pair.first), Data(pair.second), Data(pair.second), Data(pair.first)])
            let removed = db.changesCount
            let stored = try Self.dismissals(db).first { $0.pair == pair }
            return DismissalOutcome(dismissal: stored!, isNew: isNew, findingsRemoved: removed)
        }
    }

    /// Removes the dismissal of the pair `one`, `other`: each named by a path the index holds now, or by the path
    /// it had when dismissed. Returns the dismissal removed.
    @discardableResult
    public func undoDismissal(_ one: RawPath, _ other: RawPath) throws -> Dismissal {
        try writingDismissals { db in
            let dismissals = try Self.dismissals(db)
            let oneHashes = try Self.hashes(named: one, among: dismissals, db)
            let otherHashes = try Self.hashes(named: other, among: dismissals, db)
            guard
                let found = dismissals.first(where: { dismissal in
                    let (first, second) = (dismissal.pair.first, dismissal.pair.second)
                    return (oneHashes.contains(first) && otherHashes.contains(second))
                        || (oneHashes.contains(second) && otherHashes.contains(first))
                })
            else { throw DismissalError(.notDismissed, path: one, other: other) }
            try db.execute(
                sql: "DELETE FROM dismissal WHERE first_hash = ? AND second_hash = ?",
                arguments: [Data(found.pair.first), Data(found.pair.second)])
            return found
        }
    }

    /// Every dismissal, oldest first.
    public func dismissals() throws(IndexError) -> [Dismissal] {
        try guarded { try pool.read { db in try Self.dismissals(db) } }
    }

    /// The dismissed pairs, or nil when the table has not changed since `generation` was read: one small read.
    public func dismissedPairs(ifChangedSince generation: Int64) throws(IndexError) -> DismissedPairs? {
        try guarded {
            try pool.read { db in
                let current =
                    try Int64.fetchOne(
                        db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'dismissal_generation'")
                    ?? 0
                guard current != generation else { return nil }
                let pairs = try Row.fetchAll(db, sql: "SELECT first_hash, second_hash FROM dismissal").map { row in
                    ContentPair([UInt8](row[0] as Data), [UInt8](row[1] as Data))
                }
                return DismissedPairs(generation: current, pairs: pairs)
            }
        }
    }

    /// The content hash of the file row `id`, if it exists.
    func contentHash(ofFile id: Int64) throws(IndexError) -> [UInt8]? {
        try guarded {
            try pool.read { db in
                try Data.fetchOne(db, sql: "SELECT content_hash FROM file WHERE id = ?", arguments: [id]).map {
                    [UInt8]($0)
                }
            }
        }
    }

    /// The paths of the indexed files with these contents, in id order.
    public func paths(withContent hash: [UInt8]) throws(IndexError) -> [RawPath] {
        try guarded {
            try pool.read { db in
                try Data.fetchAll(
                    db, sql: "SELECT path FROM file WHERE content_hash = ? ORDER BY id",
                    arguments: [
                        Data(hash)
                    ]
                ).map { RawPath(bytes: [UInt8]($0)) }
            }
        }
    }

    /// Runs a write transaction; a refusal stays a `DismissalError`, SQLite's failures become `IndexError`s.
    private func writingDismissals<Result>(_ body: (Database) throws -> Result) throws -> Result {
        do {
            return try pool.write(body)
        } catch let error as DismissalError {
            throw error
        } catch {
            throw Self.indexError(error, path: path)
        }
    }

    /// The content hash and file of an indexed, decoded picture, or why it cannot be dismissed.
    private static func dismissable(
        _ path: RawPath, _ db: Database
    ) throws -> (hash: [UInt8], device: Int64, inode: Int64) {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT content_hash, device, inode, embedding IS NOT NULL AS embedded, decode_error
                    FROM file WHERE path = ?
                    """,
                arguments: [Data(path.bytes)])
        else { throw DismissalError(.notIndexed, path: path) }
        guard row["embedded"] as Bool else {
            throw DismissalError(.neverDecoded(row["decode_error"] ?? "no picture"), path: path)
        }
        return ([UInt8](row["content_hash"] as Data), row["device"], row["inode"])
    }

    /// The contents `path` may name: those of the file indexed there now, and those dismissed under that path.
    private static func hashes(
        named path: RawPath, among dismissals: [Dismissal], _ db: Database
    ) throws -> Set<[UInt8]> {
        var hashes = Set<[UInt8]>()
        if let data = try Data.fetchOne(
            db, sql: "SELECT content_hash FROM file WHERE path = ?", arguments: [Data(path.bytes)])
        {
            hashes.insert([UInt8](data))
        }
        for dismissal in dismissals {
            if dismissal.firstPath == path { hashes.insert(dismissal.pair.first) }
            if dismissal.secondPath == path { hashes.insert(dismissal.pair.second) }
        }
        return hashes
    }

    private static func dismissals(_ db: Database) throws -> [Dismissal] {
        try Row.fetchAll(
            db, sql: "SELECT first_hash, second_hash, first_path, second_path, dismissed_at FROM dismissal ORDER BY id"
        ).map { row in
            Dismissal(
                pair: ContentPair([UInt8](row[0] as Data), [UInt8](row[1] as Data)),
                firstPath: RawPath(bytes: [UInt8](row[2] as Data)), secondPath: RawPath(bytes: [UInt8](row[3] as Data)),
                dismissedAt: date(milliseconds: row[4]))
        }
    }
}
