import Foundation
import GRDB
import ImageHashing
import TwinModel

/// The index file: SQLite through GRDB, in WAL mode so that readers never wait for the scan and a crash loses at
/// most the transaction in progress.
///
/// Opening never replaces or repairs a file it cannot read: a damaged file is reported with its path and left
/// exactly as it was.
public final class IndexStore: Sendable {
    public let path: String
    /// The model id the index's embeddings are for.
    public let modelID: String
    let pool: DatabasePool

    /// Opens or creates the index at `path` for embeddings of `modelID`. An index made by another model is refused
    /// unless `adoptingModel` (`twindup reindex`), which records the new model; its rows are then re-embedded.
    public init(path: String, modelID: String, adoptingModel: Bool = false) throws(IndexError) {
        self.path = path
        self.modelID = modelID
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // With WAL, NORMAL survives a process crash; only a power failure may lose the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(10)
        // Read before anything writes: GRDB's pool makes a small write when it opens (to create the WAL), so a
        // damaged or foreign index is first read through a read-only connection, and fails with the file as it was.
        let stored = try Self.probe(path: path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.indexError(error, path: path)
        }
        self.pool = pool
        if let stored, stored != modelID, !adoptingModel {
            throw IndexError(
                .modelMismatch, path: path,
                cause: "its embeddings were made by model \(stored), not by \(modelID): run `twindup reindex` to "
                    + "re-embed its files with this model (or pass --model with the model it was made by)")
        }
        try guarded {
            try IndexSchema.migrator.migrate(pool)
            try pool.write { db in
                if stored != modelID {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('model_id', ?)", arguments: [modelID])
                }
            }
        }
    }

    /// The model id an existing index was made for (nil for a new or empty file), read through a read-only
    /// connection that also reads every table's root and the file table's index.
    static func probe(path: String) throws(IndexError) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.size] as? NSNumber)?.intValue ?? 0 > 0
        else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                _ = try Row.fetchAll(db, sql: "SELECT * FROM sqlite_master")
                _ = try Int.fetchOne(db, sql: "PRAGMA freelist_count")
                guard try db.tableExists("meta") else { return nil }
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM file")
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM finding")
                return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'")
            }
        } catch {
            throw indexError(error, path: path)
        }
    }

    /// Runs `body`, turning SQLite's errors into `IndexError`s that name this index.
    func guarded<Result>(_ body: () throws -> Result) throws(IndexError) -> Result {
        do {
            return try body()
        } catch {
            throw Self.indexError(error, path: path)
        }
    }

    static func indexError(_ error: any Error, path: String) -> IndexError {
        if let error = error as? IndexError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return IndexError(
                    .corrupt, path: path,
                    cause: "\(error.message ?? "damaged"); the file was left untouched: move it aside (or restore "
                        + "a backup) and scan again to build a new index")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return IndexError(.busy, path: path, cause: "\(error.message ?? "locked") (another twindup?)")
            case .SQLITE_FULL:
                return IndexError(
                    .io, path: path,
                    cause: "\(error.message ?? "database or disk is full") (ENOSPC): free space on its file system")
            default:
                if error.message?.contains("migration") == true {
                    return IndexError(.unknownSchema, path: path, cause: error.message ?? "")
                }
            }
            return IndexError(.io, path: path, cause: error.message ?? "\(error)")
        }
        return IndexError(.io, path: path, cause: "\(error)")
    }

    /// Every row embedded by this model, in id order, as a search matrix.
    public func loadMatrix(width: Int) throws(IndexError) -> EmbeddingMatrix {
        try loadMatrices(column: "embedding", width: width, rowsPerFile: 1)[0]
    }

    /// The window embeddings of every row embedded by this model that has them, in id order, as one search matrix
    /// per window place (`windowsPerFile` of them, in the grid's order): a file's window k is a row of matrix k.
    /// With `leavingOutRepeatsOf` (the wholes, in id order, and a place), a file's window at that place is left out
    /// when it equals the file's whole.
    public func loadWindowMatrices(
        width: Int, windowsPerFile: Int, leavingOutRepeatsOf repeats: (wholes: EmbeddingMatrix, place: Int)? = nil
    ) throws(IndexError) -> [EmbeddingMatrix] {
        guard windowsPerFile > 0 else { return [] }
        var wholeRow = 0
        return try loadMatrices(column: "window_embeddings", width: width, rowsPerFile: windowsPerFile) {
            id, place, window in
            guard let (wholes, repeatedPlace) = repeats, place == repeatedPlace else { return true }
            // Both are read in id order, so the file's whole is found by walking forward.
            while wholeRow < wholes.count && wholes.ids[wholeRow] < id { wholeRow += 1 }
            guard wholeRow < wholes.count, wholes.ids[wholeRow] == id else { return true }
            return !wholes.row(wholeRow, equalsLittleEndianBytes: window)
        }
    }

    /// The hashes of every row embedded by this model that has one, in id order, as one search matrix.
    public func loadHashMatrix() throws(IndexError) -> HashMatrix {
        try guarded {
            try pool.read { db in
                var matrix = HashMatrix(kind: HashComparison.kind)
                matrix.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM file") ?? 0)
                let cursor = try Row.fetchCursor(
                    db,
                    sql:
                        "SELECT id, picture_hash FROM file WHERE model_id = ? AND picture_hash IS NOT NULL ORDER BY id",
                    arguments: [modelID])
                while let row = try cursor.next() {
                    let id: Int64 = row[0]
                    let data: Data = row[1]
                    guard let hash = Self.pictureHash(data) else {
                        throw IndexError(
                            .corrupt, path: path,
                            cause: "file row \(id) has a picture hash of \(data.count) bytes, expected "
                                + "\(HashComparison.kind.bitCount / 8)")
                    }
                    matrix.append(id: id, hash: hash)
                }
                return matrix
            }
        }
    }

    /// The blobs of `column` of every row embedded by this model that has one, in id order, as `rowsPerFile`
    /// search matrices: each blob holds `rowsPerFile` rows of `width` little-endian floats, its row k going to
    /// matrix k.
    /// `keeping`, when given, sees each row (file id, place, its bytes) and says whether it joins its matrix.
    private func loadMatrices(
        column: String, width: Int, rowsPerFile: Int, keeping: ((Int64, Int, UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws(IndexError) -> [EmbeddingMatrix] {
        try guarded {
            try pool.read { db in
                var matrices = [EmbeddingMatrix](repeating: EmbeddingMatrix(width: width), count: rowsPerFile)
                let files = try Int.fetchOne(db, sql: "SELECT count(*) FROM file") ?? 0
                for place in matrices.indices { matrices[place].reserveCapacity(files) }
                let cursor = try Row.fetchCursor(
                    db,
                    sql: "SELECT id, \(column) FROM file WHERE model_id = ? AND \(column) IS NOT NULL ORDER BY id",
                    arguments: [modelID])
                let rowBytes = width * 4
                while let row = try cursor.next() {
                    let id: Int64 = row[0]
                    try row.withUnsafeData(atIndex: 1) { data in
                        let count = data?.count ?? 0
                        guard let data, count == rowBytes * rowsPerFile else {
                            throw IndexError(
                                .corrupt, path: path,
                                cause: rowsPerFile == 1
                                    ? "file row \(id) has an embedding of \(count) bytes, expected \(rowBytes)"
                                    : "file row \(id) has window embeddings of \(count) bytes, expected "
                                        + "\(rowsPerFile) × \(rowBytes)")
                        }
                        data.withUnsafeBytes { bytes in
                            for place in 0..<rowsPerFile {
                                let start = place * rowBytes
                                let rowBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + rowBytes)])
                                if let keeping, !keeping(id, place, rowBytes) { continue }
                                matrices[place].append(id: id, littleEndianBytes: rowBytes)
                            }
                        }
                    }
                }
                return matrices
            }
        }
    }

    /// What the index knows of every file, by path.
    func storedStates() throws(IndexError) -> [RawPath: StoredState] {
        try guarded {
            try pool.read { db in
                var states: [RawPath: StoredState] = [:]
                let cursor = try Row.fetchCursor(
                    db, sql: "SELECT id, path, device, inode, size, mtime_ns, model_id FROM file")
                while let row = try cursor.next() {
                    let path = RawPath(bytes: [UInt8](row[1] as Data))
                    states[path] = StoredState(
                        id: row[0],
                        identity: FileIdentity(
                            device: UInt64(bitPattern: row[2]), inode: UInt64(bitPattern: row[3]), size: row[4],
                            modificationTime: row[5]),
                        modelID: row[6])
                }
                return states
            }
        }
    }

    /// What the index knows of the files at or below `roots`, by path: a range over the path index, so a small
    /// folder of a large index reads only its own rows.
    func storedStates(under roots: [RawPath]) throws(IndexError) -> [RawPath: StoredState] {
        try guarded {
            try pool.read { db in
                var states: [RawPath: StoredState] = [:]
                for root in roots {
                    let (low, high) = Self.descendantRange(of: root)
                    let cursor = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT id, path, device, inode, size, mtime_ns, model_id FROM file
                            WHERE path = ? OR (path >= ? AND path < ?)
                            """,
                        arguments: [Data(root.bytes), Data(low), Data(high)])
                    while let row = try cursor.next() {
                        let (path, state) = Self.storedState(row)
                        states[path] = state
                    }
                }
                return states
            }
        }
    }

    /// What the index knows of the file at `path`, if anything.
    func state(of path: RawPath) throws(IndexError) -> StoredState? {
        try guarded {
            try pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT id, path, device, inode, size, mtime_ns, model_id FROM file WHERE path = ?",
                    arguments: [Data(path.bytes)]
                ).map { Self.storedState($0).state }
            }
        }
    }

    /// Gives the rows at or below `source` the paths they have below `destination` after a rename, in one
    /// transaction. Rows already at or below `destination` belonged to files the rename replaced: they are removed
    /// (their ids are returned with the count of rows moved).
    func move(from source: RawPath, to destination: RawPath) throws(IndexError) -> (moved: Int, replaced: [Int64]) {
        try guarded {
            try pool.write { db in
                func rows(under root: RawPath) throws -> [(id: Int64, path: RawPath)] {
                    let (low, high) = Self.descendantRange(of: root)
                    return try Row.fetchAll(
                        db, sql: "SELECT id, path FROM file WHERE path = ? OR (path >= ? AND path < ?)",
                        arguments: [Data(root.bytes), Data(low), Data(high)]
                    ).map { ($0[0], RawPath(bytes: [UInt8]($0[1] as Data))) }
                }
                let replaced = try rows(under: destination).map(\.id)
                for id in replaced { try db.execute(sql: "DELETE FROM file WHERE id = ?", arguments: [id]) }
                let moving = try rows(under: source)
                for row in moving {
                    let renamed = destination.bytes + row.path.bytes.dropFirst(source.bytes.count)
                    try db.execute(
                        sql: "UPDATE file SET path = ? WHERE id = ?", arguments: [Data(renamed), row.id])
                }
                return (moving.count, replaced)
            }
        }
    }

    /// The paths strictly below `root` sort in [`root/`, `root0`): `0` is the byte after `/`.
    static func descendantRange(of root: RawPath) -> (low: [UInt8], high: [UInt8]) {
        var stem = root.bytes
        if stem.last == UInt8(ascii: "/") { stem.removeLast() }
        return (stem + [UInt8(ascii: "/")], stem + [UInt8(ascii: "/") + 1])
    }

    static func storedState(_ row: Row) -> (path: RawPath, state: StoredState) {
        (
            RawPath(bytes: [UInt8](row[1] as Data)),
            StoredState(
                id: row[0],
                identity: FileIdentity(
                    device: UInt64(bitPattern: row[2]), inode: UInt64(bitPattern: row[3]), size: row[4],
                    modificationTime: row[5]),
                modelID: row[6])
        )
    }

    /// The first row embedded by this model with these bytes, other than `excluded` rows (being replaced).
    func copy(ofContent hash: [UInt8], excluding excluded: Set<Int64>) throws(IndexError) -> IndexedFile? {
        try guarded {
            try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM file WHERE content_hash = ? AND model_id = ? ORDER BY id",
                    arguments: [Data(hash), modelID]
                )
                .lazy.map(Self.indexedFile).first { !excluded.contains($0.id) }
            }
        }
    }

    public func file(id: Int64) throws(IndexError) -> IndexedFile? {
        try guarded {
            try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM file WHERE id = ?", arguments: [id]).map(Self.indexedFile)
            }
        }
    }

    public func paths(of ids: [Int64]) throws(IndexError) -> [Int64: RawPath] {
        try guarded {
            try pool.read { db in
                var paths: [Int64: RawPath] = [:]
                for id in ids {
                    if let data = try Data.fetchOne(db, sql: "SELECT path FROM file WHERE id = ?", arguments: [id]) {
                        paths[id] = RawPath(bytes: [UInt8](data))
                    }
                }
                return paths
            }
        }
    }

    /// One past the largest file id: the scan numbers new rows itself, so that findings can refer to rows still
    /// waiting in its batch.
    func nextFileID() throws(IndexError) -> Int64 {
        try guarded { try pool.read { db in (try Int64.fetchOne(db, sql: "SELECT max(id) FROM file") ?? 0) + 1 } }
    }

    func commit(_ batch: IndexBatch) throws(IndexError) {
        guard !batch.isEmpty else { return }
        try guarded {
            try pool.write { db in
                for id in batch.deletions { try db.execute(sql: "DELETE FROM file WHERE id = ?", arguments: [id]) }
                let insertFile = try db.cachedStatement(
                    sql: """
                        INSERT INTO file (id, path, device, inode, size, mtime_ns, content_hash, width, height,
                            embedding, window_embeddings, picture_hash, decode_error, model_id, added_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for file in batch.files {
                    try insertFile.execute(arguments: [
                        file.id, Data(file.path.bytes), Int64(bitPattern: file.identity.device),
                        Int64(bitPattern: file.identity.inode), file.identity.size, file.identity.modificationTime,
                        Data(file.contentHash), file.width, file.height, file.embedding.map(Self.blob),
                        file.windowEmbeddings.map(Self.blob), file.pictureHash.map(Self.blob), file.decodeError,
                        file.modelID,
                        Self.milliseconds(file.addedAt),
                    ])
                }
                let insertFinding = try db.cachedStatement(
                    sql: """
                        INSERT INTO finding (file_id, match_id, event, probability, threshold, model_id, found_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for finding in batch.findings {
                    try insertFinding.execute(arguments: [
                        finding.fileID, finding.matchID, finding.kind.rawValue, finding.probability,
                        finding.threshold, finding.modelID, Self.milliseconds(finding.foundAt),
                    ])
                }
            }
        }
    }

    /// Every finding with both paths, oldest first.
    public func findings() throws(IndexError) -> [(finding: Finding, path: RawPath, match: RawPath)] {
        try guarded {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT finding.*, a.path AS file_path, b.path AS match_path FROM finding
                        JOIN file a ON a.id = finding.file_id JOIN file b ON b.id = finding.match_id
                        ORDER BY finding.id
                        """
                )
                .map { row in
                    let finding = Finding(
                        kind: ReportEvent.Kind(rawValue: row["event"]) ?? .nearDuplicate, fileID: row["file_id"],
                        matchID: row["match_id"], probability: row["probability"], threshold: row["threshold"],
                        modelID: row["model_id"], foundAt: Self.date(milliseconds: row["found_at"]))
                    return (
                        finding, RawPath(bytes: [UInt8](row["file_path"] as Data)),
                        RawPath(bytes: [UInt8](row["match_path"] as Data))
                    )
                }
            }
        }
    }

    /// Adds rows in one transaction (ids chosen by the caller, above every existing id).
    public func insert(_ files: [IndexedFile]) throws(IndexError) {
        try commit(IndexBatch(files: files))
    }

    /// Removes the rows (and their findings) of these files.
    public func remove(ids: [Int64]) throws(IndexError) {
        try commit(IndexBatch(deletions: ids))
    }

    public func statistics() throws(IndexError) -> IndexStatistics {
        var statistics: IndexStatistics = try guarded {
            try pool.read { db in
                var statistics = IndexStatistics()
                statistics.files = try Int.fetchOne(db, sql: "SELECT count(*) FROM file") ?? 0
                statistics.embedded =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM file WHERE embedding IS NOT NULL AND model_id = ?",
                        arguments: [modelID]) ?? 0
                statistics.decodeErrors =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM file WHERE decode_error IS NOT NULL") ?? 0
                statistics.otherModel =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM file WHERE model_id != ?", arguments: [modelID])
                    ?? 0
                statistics.exactFindings =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM finding WHERE event = 'exact_duplicate'") ?? 0
                statistics.nearFindings =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM finding WHERE event = 'near_duplicate'") ?? 0
                statistics.modelID = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'") ?? ""
                statistics.schemaVersion =
                    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") ?? ""
                return statistics
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber) ?? nil
            statistics.bytesOnDisk += size?.int64Value ?? 0
        }
        return statistics
    }

    /// `PRAGMA integrity_check`: "ok", or SQLite's list of problems.
    public func integrityCheck() throws(IndexError) -> String {
        try guarded {
            try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
        }
    }

    static func indexedFile(_ row: Row) -> IndexedFile {
        func floats(_ data: Data?) -> [Float]? {
            data.map { data in
                data.withUnsafeBytes { raw in
                    (0..<(data.count / 4)).map {
                        Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))
                        )
                    }
                }
            }
        }
        let embedding = floats(row["embedding"])
        return IndexedFile(
            id: row["id"], path: RawPath(bytes: [UInt8](row["path"] as Data)),
            identity: FileIdentity(
                device: UInt64(bitPattern: row["device"]), inode: UInt64(bitPattern: row["inode"]), size: row["size"],
                modificationTime: row["mtime_ns"]),
            contentHash: [UInt8](row["content_hash"] as Data), width: row["width"], height: row["height"],
            embedding: embedding, windowEmbeddings: floats(row["window_embeddings"]),
            pictureHash: (row["picture_hash"] as Data?).flatMap(Self.pictureHash), decodeError: row["decode_error"],
            modelID: row["model_id"],
            addedAt: date(milliseconds: row["added_at"]))
    }

    /// Little-endian Float32, the storage format of embeddings.
    static func blob(_ embedding: [Float]) -> Data {
        var data = Data(capacity: embedding.count * 4)
        for value in embedding { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// A hash as stored: its words as little-endian 64-bit integers.
    static func blob(_ hash: PerceptualHash) -> Data {
        var data = Data(capacity: hash.words.count * 8)
        for word in hash.words { withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// The stored hash; nil when the blob is not one hash of the comparison's kind.
    static func pictureHash(_ data: Data) -> PerceptualHash? {
        let words = HashComparison.kind.bitCount / 64
        guard data.count == words * 8 else { return nil }
        return data.withUnsafeBytes { raw in
            PerceptualHash(
                kind: HashComparison.kind,
                words: (0..<words).map {
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
                })
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
