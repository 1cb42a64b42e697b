import Foundation
import ImageHashing

/// One row of the index's `file` table.
public struct IndexedFile: Sendable {
    public var id: Int64
    public var path: RawPath
    public var identity: FileIdentity
    /// SHA-256 of the file's bytes.
    public var contentHash: [UInt8]
    /// Upright full-resolution size; nil when the file could not be decoded.
    public var width: Int?
    public var height: Int?
    /// The scaled embedding w ⊙ h; nil when the file could not be decoded.
    public var embedding: [Float]?
    /// With window matching, the scaled embeddings of the picture's windows, one after the other; nil without.
    public var windowEmbeddings: [Float]?
    /// With a model that compares hashes, the picture's hash (`HashComparison`); nil without.
    public var pictureHash: PerceptualHash?
    public var decodeError: String?
    public var modelID: String
    public var addedAt: Date

    public init(
        id: Int64, path: RawPath, identity: FileIdentity, contentHash: [UInt8], width: Int?, height: Int?,
        embedding: [Float]?, windowEmbeddings: [Float]? = nil, pictureHash: PerceptualHash? = nil,
        decodeError: String?, modelID: String, addedAt: Date
    ) {
        self.id = id
        self.path = path
        self.identity = identity
        self.contentHash = contentHash
        self.width = width
        self.height = height
        self.embedding = embedding
        self.windowEmbeddings = windowEmbeddings
        self.pictureHash = pictureHash
        self.decodeError = decodeError
        self.modelID = modelID
        self.addedAt = addedAt
    }
}

/// One row of the `finding` table: `fileID`, processed later, duplicates `matchID`.
public struct Finding: Sendable {
    public var kind: ReportEvent.Kind
    public var fileID: Int64
    public var matchID: Int64
    public var probability: Double
    public var threshold: Double
    public var modelID: String
    public var foundAt: Date
}

/// Writes the scan makes in one transaction: rows replaced or removed, rows added, findings.
struct IndexBatch {
    var deletions: [Int64] = []
    var files: [IndexedFile] = []
    var findings: [Finding] = []

    var isEmpty: Bool { deletions.isEmpty && files.isEmpty && findings.isEmpty }
}

/// What the index knows of a file without reading it.
struct StoredState: Sendable {
    var id: Int64
    var identity: FileIdentity
    var modelID: String
}

/// Counts `twindup stats` prints.
public struct IndexStatistics: Sendable {
    public var files = 0
    public var embedded = 0
    public var decodeErrors = 0
    /// Rows embedded by another model, waiting for `twindup reindex`.
    public var otherModel = 0
    public var exactFindings = 0
    public var nearFindings = 0
    public var modelID = ""
    public var schemaVersion = ""
    public var bytesOnDisk: Int64 = 0
}
