import GRDB

/// The index's tables, created and upgraded by migrations.
///
/// - `meta(key, value)`: `model_id` (the model the index's embeddings are for) and `schema_version`.
/// - `file`: one row per indexed file. `path` is a BLOB of the path's bytes (Linux names need not be UTF-8);
///   `device`, `inode`, `size`, `mtime_ns` decide whether a file changed; `content_hash` is its SHA-256 (32 bytes);
///   `width`/`height` the picture's upright full size; `embedding` the scaled embedding w ⊙ h as little-endian
///   Float32 (NULL when it could not be decoded, then `decode_error` says why); `model_id` the model that embedded
///   it; `added_at` milliseconds since the Unix epoch.
/// - `finding`: each exact or near duplicate found: `file_id` (the file processed later), `match_id`, `event`
///   (`exact_duplicate`, `near_duplicate`), `probability`, `threshold`, `model_id`, `found_at` (ms). Findings go
///   with either file (`ON DELETE CASCADE`).
/// - `dismissal` (v2): pairs a person said are not duplicates (`twindup dismiss`), keyed by the two files' content
///   hashes so that the decision follows the bytes through renames, moves and re-copies: `first_hash` <
///   `second_hash` bytewise (equal for two identical files), `first_path`/`second_path` the paths of those contents
///   when dismissed (for display and for `train --feedback`), `dismissed_at` (ms). Every insert or delete bumps
///   `meta.dismissal_generation`, which other processes (the daemon) poll to know when to re-read the table.
/// - `file.window_embeddings` (v3): with a model that matches windows (`WindowMatching`), the scaled embeddings of
///   the picture's windows, one after the other, as little-endian Float32; NULL otherwise.
/// - `file.picture_hash` (v4): with a model that compares hashes (`HashComparison`), the picture's 256-bit
///   PDQ-style hash as four little-endian 64-bit words; NULL otherwise.
enum IndexSchema {
    static let version = 4

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE file (
                        id INTEGER PRIMARY KEY,
                        path BLOB NOT NULL UNIQUE,
                        device INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        content_hash BLOB NOT NULL,
                        width INTEGER,
                        height INTEGER,
                        embedding BLOB,
                        decode_error TEXT,
                        model_id TEXT NOT NULL,
                        added_at INTEGER NOT NULL
                    );
                    CREATE INDEX file_by_content_hash ON file(content_hash);
                    CREATE TABLE finding (
                        id INTEGER PRIMARY KEY,
                        file_id INTEGER NOT NULL REFERENCES file(id) ON DELETE CASCADE,
                        match_id INTEGER NOT NULL REFERENCES file(id) ON DELETE CASCADE,
                        event TEXT NOT NULL,
                        probability REAL NOT NULL,
                        threshold REAL NOT NULL,
                        model_id TEXT NOT NULL,
                        found_at INTEGER NOT NULL
                    );
                    CREATE INDEX finding_by_file ON finding(file_id);
                    CREATE INDEX finding_by_match ON finding(match_id);
                    """)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", arguments: ["\(version)"])
        }
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dismissal (
                        id INTEGER PRIMARY KEY,
                        first_hash BLOB NOT NULL,
                        second_hash BLOB NOT NULL,
                        first_path BLOB NOT NULL,
                        second_path BLOB NOT NULL,
                        dismissed_at INTEGER NOT NULL,
                        UNIQUE (first_hash, second_hash)
                    );
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('dismissal_generation', '0');
                    CREATE TRIGGER dismissal_added AFTER INSERT ON dismissal BEGIN
                        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'dismissal_generation';
                    END;
                    CREATE TRIGGER dismissal_removed AFTER DELETE ON dismissal BEGIN
                        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'dismissal_generation';
                    END;
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '2');
                    """)
        }
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    ALTER TABLE file ADD COLUMN window_embeddings BLOB;
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '3');
                    """)
        }
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    ALTER TABLE file ADD COLUMN picture_hash BLOB;
                    INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '4');
                    """)
        }
        return migrator
    }
}
