import Foundation
import ImageHashing
import ImageIO
import Synchronization

/// One file the scan reads: its path and, when it had a row already (changed, or embedded by another model), the
/// id of the row it replaces.
struct ScanItem: Sendable {
    var path: RawPath
    var replacing: Int64?
}

/// What a worker made of one file, for the indexing thread.
enum ScanOutcome: Sendable {
    /// Decoded and preprocessed: ready for the network.
    case decoded(ScanItem, FileIdentity, hash: [UInt8], input: [Float], width: Int, height: Int)
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

/// The contents seen so far in a scan: the first file with each content hash decodes it, the others copy it.
final class ContentClaims: Sendable {
    private let claimed = Mutex<Set<[UInt8]>>([])

    /// Whether this is the first file with `hash`.
    func claim(_ hash: [UInt8]) -> Bool {
        claimed.withLock { $0.insert(hash).inserted }
    }
}

/// The reading, hashing and decoding half of the scan, run on several threads at once. Everything it touches is
/// immutable or synchronised.
struct ScanWorker: Sendable {
    let decoder: ImageDecoder
    let preparation: InputPreparation
    let store: IndexStore
    let claims: ContentClaims
    /// Rows being replaced in this scan: their old bytes are not a copy to take.
    let replaced: Set<Int64>

    func process(_ item: ScanItem) -> ScanOutcome {
        let bytes: [UInt8]
        let identity: FileIdentity
        do {
            guard let read = try FileSystem.readRegularFile(item.path, maxBytes: decoder.limits.maxFileBytes) else {
                return .vanished(item)
            }
            (bytes, identity) = read
        } catch {
            if error.errorNumber == ENOENT || error.errorNumber == ENOTDIR { return .vanished(item) }
            if error.errorNumber == EFBIG {
                return .unreadable(item, error: "too large: over the limit of \(decoder.limits.maxFileBytes) bytes")
            }
            return .unreadable(item, error: "\(error.operation): \(String(cString: strerror(error.errorNumber)))")
        }
        let hash = SHA256.digest(of: bytes).bytes
        guard claims.claim(hash) else { return .copyOfScanned(item, identity, hash: hash) }
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
                bytes: bytes, path: item.path.description, minimumShortSide: preparation.side, work: &work)
            return .decoded(
                item, identity, hash: hash, input: NetworkInput.preprocess(image, preparation: preparation),
                width: image.originalWidth, height: image.originalHeight)
        } catch {
            return .undecodable(item, identity, hash: hash, error: "\(error.code): \(error.cause)")
        }
    }
}
