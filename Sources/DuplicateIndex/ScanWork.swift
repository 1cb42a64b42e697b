import Foundation
import ImageHashing
import ImageIO
import Synchronization
import TwinModel

/// One file the scan reads: its path and, when it had a row already (changed, or embedded by another model), the
/// id of the row it replaces.
struct ScanItem: Sendable {
    var path: RawPath
    var replacing: Int64?
}

/// What a worker made of one file, for the indexing thread.
enum ScanOutcome: Sendable {
    /// Decoded and preprocessed, whole and (with window matching) as windows: ready for the network.
    case decoded(
        ScanItem, FileIdentity, hash: [UInt8], input: [Float], windowInputs: [[Float]?],
        pictureHash: PerceptualHash?, width: Int, height: Int)
    /// Read but not decodable: a `decode_error`, and a row that remembers it until the file changes.
    case undecodable(ScanItem, FileIdentity, hash: [UInt8], error: String)
    /// The same bytes as a file the index already holds; not decoded.
    case copyOfIndexed(ScanItem, FileIdentity, hash: [UInt8], original: IndexedFile)
    /// The same bytes as a file seen earlier in this scan; not decoded.
    case copyOfScanned(ScanItem, FileIdentity, hash: [UInt8])
    /// Gone since the walk (or since it was indexed), or no longer a regular file.
    case vanished(ScanItem)
    /// Could not be read: a `decode_error`, no row, so the next scan tries again.
    case unreadable(ScanItem, error: String)
    /// The index itself failed: the scan stops.
    case indexFailed(IndexError)
}

/// The contents seen so far in a scan. Of the files with one content hash, the first in the scan's order decodes
/// it and the others are its copies, whichever worker hashes first: files read in parallel finish in any order,
/// and a report must not call the earlier of two dropped files the copy of the later one.
///
/// Each position settles in order: `settle` waits until every earlier position has settled (they were handed
/// out before it and are being read on other threads, so the wait is for a read and a hash at most).
// @unchecked Sendable is safe here: `seen` and `nextPosition` are read and written only while `condition` is
// locked.
final class ContentClaims: @unchecked Sendable {
    private let condition = NSCondition()
    private var seen = Set<[UInt8]>()
    private var nextPosition = 0

    /// Records the file at `position` (its content hash, or nil when it had none to read) once every earlier
    /// position is recorded; returns whether it is the first file with that content.
    func settle(_ hash: [UInt8]?, position: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while nextPosition < position { condition.wait() }
        nextPosition = position + 1
        condition.broadcast()
        guard let hash else { return false }
        return seen.insert(hash).inserted
    }
}

/// The reading, hashing and decoding half of the scan, run on several threads at once. Everything it touches is
/// immutable or synchronised.
struct ScanWorker: Sendable {
    let decoder: ImageDecoder
    /// The network inputs and hash the model's matching needs of a picture.
    let matching: MatchingPreparation
    /// The short side pictures are decoded to at least (`TwinDetector.minimumDecodeSide`).
    let decodeSide: Int
    let store: IndexStore
    let claims: ContentClaims
    /// Rows being replaced in this scan: their old bytes are not a copy to take.
    let replaced: Set<Int64>

    /// Processes `item`, the scan's file number `position`: every position must be processed, in any order.
    func process(_ item: ScanItem, position: Int) -> ScanOutcome {
        let bytes: [UInt8]
        let identity: FileIdentity
        do {
            guard let read = try FileSystem.readRegularFile(item.path, maxBytes: decoder.limits.maxFileBytes) else {
                _ = claims.settle(nil, position: position)
                return .vanished(item)
            }
            (bytes, identity) = read
        } catch {
            _ = claims.settle(nil, position: position)
            if error.errorNumber == ENOENT || error.errorNumber == ENOTDIR { return .vanished(item) }
            if error.errorNumber == EFBIG {
                return .unreadable(item, error: "too large: over the limit of \(decoder.limits.maxFileBytes) bytes")
            }
            return .unreadable(item, error: "\(error.operation): \(String(cString: strerror(error.errorNumber)))")
        }
        let hash = SHA256.digest(of: bytes).bytes
        guard claims.settle(hash, position: position) else { return .copyOfScanned(item, identity, hash: hash) }
        do {
            if let original = try store.copy(ofContent: hash, excluding: replaced) {
                return .copyOfIndexed(item, identity, hash: hash, original: original)
            }
        } catch {
            return .indexFailed(error)
        }
        do {
            var work = DecodeWork()
            let image = try decoder.decode(
                bytes: bytes, path: item.path.description, minimumShortSide: decodeSide, work: &work)
            let inputs = matching.inputs(of: image)
            return .decoded(
                item, identity, hash: hash, input: inputs.whole, windowInputs: inputs.windows, pictureHash: inputs.hash,
                width: image.originalWidth, height: image.originalHeight)
        } catch {
            return .undecodable(item, identity, hash: hash, error: "\(error.code): \(error.cause)")
        }
    }
}
