import Foundation
import GRDB

/// One indexed file as the review page shows it: what the index recorded when it read the file.
public struct ReviewedFile: Sendable, Hashable {
    public var id: Int64
    public var path: RawPath
    public var size: Int64
    /// Upright full-resolution size; nil when the file did not decode.
    public var width: Int?
    public var height: Int?
    /// Nanoseconds since the Unix epoch, as the file system reported them when the file was indexed.
    public var modificationTime: Int64
    public var addedAt: Date

    public var modified: Date { Date(timeIntervalSince1970: Double(modificationTime) / 1e9) }
}

/// One stored finding with both of its files: `file` was processed later and duplicates `match`.
public struct ReviewPair: Sendable {
    public var kind: ReportEvent.Kind
    public var probability: Double
    public var threshold: Double
    public var modelID: String
    public var foundAt: Date
    public var file: ReviewedFile
    public var match: ReviewedFile
}

extension IndexStore {
    /// The findings found at or after `since` (all when nil) whose two files are both still indexed, newest first.
    /// A pair found more than once (each side processed after the other, say) appears once, as last found.
    public func reviewPairs(foundSince since: Date? = nil) throws(IndexError) -> [ReviewPair] {
        try guarded {
            try pool.read { db in
                let columns = "id, path, size, width, height, mtime_ns, added_at"
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT finding.event, finding.probability, finding.threshold, finding.model_id,
                            finding.found_at,
                            \(Self.prefixed(columns, table: "a")), \(Self.prefixed(columns, table: "b"))
                        FROM finding
                        JOIN file a ON a.id = finding.file_id JOIN file b ON b.id = finding.match_id
                        WHERE finding.found_at >= ?
                        ORDER BY finding.found_at DESC, finding.id DESC
                        """,
                    arguments: [since.map(Self.milliseconds) ?? Int64.min])
                var seen = Set<[Int64]>()
                return rows.compactMap { row -> ReviewPair? in
                    let file = Self.reviewedFile(row, from: 5)
                    let match = Self.reviewedFile(row, from: 12)
                    guard seen.insert([min(file.id, match.id), max(file.id, match.id)]).inserted else { return nil }
                    return ReviewPair(
                        kind: ReportEvent.Kind(rawValue: row[0]) ?? .nearDuplicate, probability: row[1],
                        threshold: row[2], modelID: row[3], foundAt: Self.date(milliseconds: row[4]), file: file,
                        match: match)
                }
            }
        }
    }

    private static func prefixed(_ columns: String, table: String) -> String {
        columns.split(separator: ", ").map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// The seven `file` columns `reviewPairs` selects, starting at `first`.
    private static func reviewedFile(_ row: Row, from first: Int) -> ReviewedFile {
        ReviewedFile(
            id: row[first], path: RawPath(bytes: [UInt8](row[first + 1] as Data)), size: row[first + 2],
            width: row[first + 3], height: row[first + 4], modificationTime: row[first + 5],
            addedAt: date(milliseconds: row[first + 6]))
    }
}

extension KeepSuggestion.Picture {
    /// The facts of a reviewed file; nil when it never decoded (no resolution known).
    public init?(_ file: ReviewedFile) {
        guard let width = file.width, let height = file.height else { return nil }
        self.init(
            path: file.path, width: width, height: height, bytes: file.size, modificationTime: file.modificationTime)
    }
}
