import GRDB

extension IndexStore {
    /// Rows in the index: every file indexed, including those that failed to decode. One `count(*)`, cheap enough
    /// to run after every batch the daemon applies (a reader connection: it never waits for the writer).
    public func fileCount() throws(IndexError) -> Int {
        try guarded { try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM file") ?? 0 } }
    }
}
