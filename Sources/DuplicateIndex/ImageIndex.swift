import Foundation
import ImageIO
import TwinModel

/// An index opened with a model: the store on disk, the search matrix in memory, and the detector that embeds new
/// files. A pair is a duplicate when its distance is within `radius(threshold:)`, which is the model's
/// p ≥ threshold restated exactly in the metric the matrix searches.
public final class ImageIndex {
    public let store: IndexStore
    public let detector: TwinDetector
    public private(set) var matrix: EmbeddingMatrix
    public var decoder = ImageDecoder()
    /// The writer lock when held for the index's whole life (the daemon); otherwise each write takes it.
    private var heldLock: IndexWriterLock?
    /// Set when a write failed after changing `matrix` but before committing (a full disk): the matrix then holds
    /// rows the store does not, and lacks rows it does. The next write reloads it from the store.
    private var matrixNeedsReload = false
    /// The pairs never to report, as last read from the store; `refreshDismissals` re-reads them when another
    /// process (`twindup dismiss`) changed the table.
    public private(set) var dismissed = DismissedPairs.none

    /// Opens (or creates) the index at `path`; see `IndexStore.init` for `adoptingModel`.
    public init(path: String, detector: TwinDetector, adoptingModel: Bool = false) throws(IndexError) {
        self.detector = detector
        store = try IndexStore(path: path, modelID: detector.modelID, adoptingModel: adoptingModel)
        matrix = try store.loadMatrix(width: detector.architecture.embeddingWidth)
        try refreshDismissals()
    }

    /// Re-reads the dismissed pairs if the store's table changed since they were read: one small query when not.
    public func refreshDismissals() throws(IndexError) {
        if let newer = try store.dismissedPairs(ifChangedSince: dismissed.generation) { dismissed = newer }
    }

    /// The L1 radius in scaled-embedding space within which p ≥ `threshold`.
    public func radius(threshold: Double) -> Float { detector.radius(threshold: threshold) }

    /// p = σ(b − d) for a distance d between scaled embeddings.
    public func probability(distance: Float) -> Double { detector.probability(distance: distance) }

    /// The scaled embedding of one picture file.
    public func scaledEmbedding(ofFileAt path: String) throws -> [Float] {
        let input = try NetworkInput.preprocess(fileAt: path, preparation: detector.inputPreparation, decoder: decoder)
        return detector.scaled(try detector.embed(inputs: [input])[0])
    }

    /// The `k` indexed files nearest to the picture at `path`, with their probabilities.
    public func nearest(
        _ k: Int, toFileAt path: String
    ) throws -> [(path: RawPath, probability: Double, distance: Float)] {
        let neighbors = matrix.nearest(k, to: try scaledEmbedding(ofFileAt: path))
        let paths = try store.paths(of: neighbors.map(\.id))
        return neighbors.compactMap { neighbor in
            paths[neighbor.id].map { ($0, probability(distance: neighbor.distance), neighbor.distance) }
        }
    }

    /// Removes every file at or below `path` from the index; returns how many.
    @discardableResult
    public func forget(_ path: RawPath) throws(IndexError) -> Int {
        try writing { () throws(IndexError) -> Int in
            let doomed = try store.storedStates(under: [path]).map(\.value.id)
            try store.remove(ids: doomed)
            matrix.remove(ids: Set(doomed))
            return doomed.count
        }
    }

    /// Takes the writer lock until this index is released, so that no other process writes to the index meanwhile
    /// (the daemon). Every write of this index then runs under it.
    public func holdWriterLock() throws(IndexError) {
        if heldLock == nil { heldLock = try IndexWriterLock(indexPath: store.path) }
    }

    /// Runs `body` under the writer lock: the held one, or one taken for the call.
    func writing<Result>(_ body: () throws -> Result) throws -> Result {
        if heldLock != nil { return try body() }
        let lock = try IndexWriterLock(indexPath: store.path)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    func writing<Result>(_ body: () throws(IndexError) -> Result) throws(IndexError) -> Result {
        if heldLock != nil { return try body() }
        let lock = try IndexWriterLock(indexPath: store.path)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    /// Groups of duplicates among the stored findings at or above `threshold` that involve a file under `roots`.
    public func duplicateGroups(under roots: [RawPath], threshold: Double) throws(IndexError) -> [[RawPath]] {
        let pairs = try store.findings().filter { entry in
            entry.finding.probability >= threshold
                && roots.contains { entry.path.isWithin($0) || entry.match.isWithin($0) }
        }
        return DuplicateGroups.groups(linking: pairs.map { ($0.path, $0.match) })
    }

    func replaceMatrixRows(removing ids: Set<Int64>) { matrix.remove(ids: ids) }

    /// Runs `body`, which changes the matrix ahead of the store; if it fails, the matrix is reloaded from the store
    /// before it is used again, so that no file matches a row that was never committed (its own, say).
    func keepingMatrixInStep<Result>(_ body: () throws -> Result) throws -> Result {
        if matrixNeedsReload {
            matrix = try store.loadMatrix(width: detector.architecture.embeddingWidth)
            matrixNeedsReload = false
        }
        do {
            return try body()
        } catch {
            matrixNeedsReload = true
            throw error
        }
    }

    func addMatrixRow(id: Int64, embedding: [Float]) { matrix.append(id: id, embedding: embedding) }
}
