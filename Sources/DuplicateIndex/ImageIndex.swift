import Foundation
import ImageHashing
import ImageIO
import TwinModel

/// An index opened with a model: the store on disk, the search matrices in memory, and the detector that embeds
/// new files. A pair is a duplicate when its distance is within `radius(threshold:)`, which is the model's
/// p ≥ threshold restated exactly in the metric the matrices search. With window matching that distance is the
/// closest of whole against whole, whole against a window of the other, a window against the other whole, windows
/// at the same place and, with a hash comparison, the two pictures' hashes.
public final class ImageIndex {
    public let store: IndexStore
    public let detector: TwinDetector
    /// One row per embedded file: its whole picture.
    public private(set) var matrix: EmbeddingMatrix
    /// With window matching, one matrix per window place of the grid, each with a row for every file that has
    /// windows (its window at that place); none otherwise.
    public private(set) var windowMatrices: [EmbeddingMatrix]
    /// With a hash comparison, one row per file that has a hash; nil otherwise.
    public private(set) var hashMatrix: HashMatrix?
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
        (matrix, windowMatrices, hashMatrix) = try Self.searchMatrices(of: store, for: detector)
        try refreshDismissals()
    }

    /// Re-reads the dismissed pairs if the store's table changed since they were read: one small query when not.
    public func refreshDismissals() throws(IndexError) {
        if let newer = try store.dismissedPairs(ifChangedSince: dismissed.generation) { dismissed = newer }
    }

    /// The L1 radius in scaled-embedding space within which p ≥ `threshold`.
    public func radius(threshold: Double) -> Float { detector.radius(threshold: threshold) }

    /// The model's p for a distance between scaled embeddings (with window matching, a closest distance).
    public func probability(distance: Float) -> Double { detector.probability(distance: distance) }

    /// The scaled embeddings of one picture file, whole and (with window matching) its windows.
    public func matchingEmbedding(ofFileAt path: String) throws -> WindowedEmbedding {
        let image = try decoder.decode(fileAt: path, minimumShortSide: detector.minimumDecodeSide)
        return try detector.matchingEmbedding(of: image)
    }

    /// Indexed files whose distance to `picture` is within `radius`, nearest first, ties by id: whole against
    /// whole, and with window matching also whole against the stored windows, each window against the stored
    /// wholes and, with an aligned penalty, each window against the stored windows at its place (never windows at
    /// different places), plus the matching's penalties, and with a hash comparison the picture's hash against the
    /// stored hashes; each file at its closest distance (`TwinDetector.closestDistance`).
    public func matches(of picture: WindowedEmbedding, within radius: Float, threads: Int) -> [Neighbor] {
        var closest = ClosestPerFile()
        closest.take(
            Self.embeddingMatches(
                of: picture, within: radius, wholes: matrix, windows: windowMatrices, penalty: windowPenalty,
                alignedPenalty: alignedWindowPenalty, contentPlace: contentPlace, threads: threads))
        if let comparison = hashComparison, let hashMatrix, let hash = picture.hash,
            let bits = comparison.largestBits(within: radius)
        {
            closest.take(
                hashMatrix.search(withinBits: bits, of: hash, threads: threads).map {
                    Neighbor(id: $0.id, distance: comparison.distance(bits: $0.bits))
                })
        }
        return closest.neighbors.filter { $0.distance <= radius }
    }

    /// The embedding searches of `matches` (`EmbeddingSearchPlan`) as range searches, each file at its closest
    /// distance. The searches of one matrix run as one pass (`EmbeddingMatrix.search(_:threads:)`): 1 + places
    /// passes instead of 1 + 3·places searches; `together: false` runs them one by one, the benchmark's baseline,
    /// with the same result.
    public static func embeddingMatches(
        of picture: WindowedEmbedding, within radius: Float, wholes: EmbeddingMatrix, windows: [EmbeddingMatrix],
        penalty: Float, alignedPenalty: Float?, contentPlace: Int?, threads: Int, together: Bool = true
    ) -> [Neighbor] {
        let plan = EmbeddingSearchPlan(
            for: picture, places: windows.count, penalty: penalty, alignedPenalty: alignedPenalty,
            contentPlace: contentPlace, within: radius)
        return plan.closest(wholes: wholes, windows: windows) { matrix, searches in
            let queries = searches.map { (query: $0.query, radius: radius - $0.addition) }
            return together
                ? matrix.search(queries, threads: threads)
                : queries.map { matrix.search(within: $0.radius, of: $0.query, threads: threads) }
        }
    }

    /// Bytes the search matrices (wholes, windows by place, hashes) take in memory.
    public var searchMemoryBytes: Int {
        matrix.memoryBytes + windowMatrices.reduce(0) { $0 + $1.memoryBytes } + (hashMatrix?.memoryBytes ?? 0)
    }

    /// What a distance through a window adds (`WindowMatching.penalty`).
    var windowPenalty: Float { Float(detector.windowMatching?.penalty ?? 0) }

    /// What a distance between windows at the same place adds (`WindowMatching.alignedPenalty`); nil: such
    /// windows are not compared.
    var alignedWindowPenalty: Float? { detector.windowMatching?.alignedPenalty.map { Float($0) } }

    /// The matching's hash comparison (`WindowMatching.hashComparison`); nil: hashes are not compared.
    var hashComparison: HashComparison? { detector.windowMatching?.hashComparison }

    /// The window place of the content window, when the matching has one.
    var contentPlace: Int? { Self.contentPlace(of: detector) }

    /// Whether `window`, at `place`, is a content window that repeats its picture's `whole` (no frame): such a
    /// window is stored but not searched, since every comparison through it is matched, at a smaller penalty, by the
    /// same comparison through the whole.
    static func repeatsWhole(_ window: [Float], _ whole: [Float], place: Int, contentPlace: Int?) -> Bool {
        place == contentPlace && window == whole
    }

    static func contentPlace(of detector: TwinDetector) -> Int? {
        guard let grid = detector.windowMatching?.grid, grid.contentWindow else { return nil }
        return grid.perAxis * grid.perAxis
    }

    /// Every search matrix `detector` needs, read from `store`: wholes, windows by place, hashes.
    private static func searchMatrices(
        of store: IndexStore, for detector: TwinDetector
    ) throws(IndexError) -> (EmbeddingMatrix, [EmbeddingMatrix], HashMatrix?) {
        let width = detector.architecture.embeddingWidth
        let wholes = try store.loadMatrix(width: width)
        // Content windows that repeat their whole are not searched (`embeddingMatches`); most pictures have no
        // border, so this leaves most of the place's rows out, unread into the matrix.
        let windows = try store.loadWindowMatrices(
            width: width, windowsPerFile: windowsPerFile(of: detector),
            leavingOutRepeatsOf: contentPlace(of: detector).map { (wholes, $0) })
        return (
            wholes, windows,
            detector.windowMatching?.hashComparison == nil ? nil : try store.loadHashMatrix()
        )
    }

    /// The windows `detector` embeds per picture: the window matrices the index keeps.
    static func windowsPerFile(of detector: TwinDetector) -> Int {
        detector.windowMatching?.grid.count ?? 0
    }

    /// The `k` indexed files nearest to `picture` by the distance `matches` uses.
    public func nearest(_ k: Int, to picture: WindowedEmbedding) -> [Neighbor] {
        var closest = ClosestPerFile()
        closest.take(
            Self.embeddingNearest(
                k, to: picture, wholes: matrix, windows: windowMatrices, penalty: windowPenalty,
                alignedPenalty: alignedWindowPenalty, contentPlace: contentPlace,
                threads: EmbeddingMatrix.defaultThreads))
        if let comparison = hashComparison, let hashMatrix, let hash = picture.hash {
            closest.take(
                hashMatrix.nearest(k, to: hash).map {
                    Neighbor(id: $0.id, distance: comparison.distance(bits: $0.bits))
                })
        }
        return Array(closest.neighbors.prefix(k))
    }

    /// The embedding searches of `nearest` (the same `EmbeddingSearchPlan` as `matches`, every comparison made): each
    /// file at its closest distance among the `k` nearest of every search (a file's closest distance comes from one
    /// search, and fewer than k files are nearer in that search, so the k nearest of each hold the k nearest
    /// overall). The searches of one matrix run as one pass (`EmbeddingMatrix.nearest(_:to:threads:)` with several
    /// queries); `together: false` runs them one by one, the benchmark's baseline, with the same result.
    public static func embeddingNearest(
        _ k: Int, to picture: WindowedEmbedding, wholes: EmbeddingMatrix, windows: [EmbeddingMatrix],
        penalty: Float, alignedPenalty: Float?, contentPlace: Int?, threads: Int, together: Bool = true
    ) -> [Neighbor] {
        let plan = EmbeddingSearchPlan(
            for: picture, places: windows.count, penalty: penalty, alignedPenalty: alignedPenalty,
            contentPlace: contentPlace, within: nil)
        let closest = plan.closest(wholes: wholes, windows: windows) { matrix, searches in
            let queries = searches.map(\.query)
            return together
                ? matrix.nearest(k, to: queries, threads: threads)
                : queries.map { matrix.nearest(k, to: $0, threads: threads) }
        }
        return Array(closest.prefix(k))
    }

    /// The `k` indexed files nearest to the picture at `path`, with their probabilities.
    public func nearest(
        _ k: Int, toFileAt path: String
    ) throws -> [(path: RawPath, probability: Double, distance: Float)] {
        let neighbors = nearest(k, to: try matchingEmbedding(ofFileAt: path))
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
            replaceMatrixRows(removing: Set(doomed))
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

    /// Takes the files' rows, whole and window, out of the search (file ids can be used again by later files).
    func replaceMatrixRows(removing ids: Set<Int64>) {
        matrix.remove(ids: ids)
        for place in windowMatrices.indices { windowMatrices[place].remove(ids: ids) }
        hashMatrix?.remove(ids: ids)
    }

    /// Runs `body`, which changes the matrix ahead of the store; if it fails, the matrix is reloaded from the store
    /// before it is used again, so that no file matches a row that was never committed (its own, say).
    func keepingMatrixInStep<Result>(_ body: () throws -> Result) throws -> Result {
        if matrixNeedsReload {
            (matrix, windowMatrices, hashMatrix) = try Self.searchMatrices(of: store, for: detector)
            matrixNeedsReload = false
        }
        do {
            return try body()
        } catch {
            matrixNeedsReload = true
            throw error
        }
    }

    func addMatrixRows(id: Int64, embedding: [Float], windowEmbeddings: [Float]?, pictureHash: PerceptualHash?) {
        matrix.append(id: id, embedding: embedding)
        if let pictureHash { hashMatrix?.append(id: id, hash: pictureHash) }
        guard let windowEmbeddings else { return }
        let width = matrix.width
        precondition(windowEmbeddings.count == windowMatrices.count * width, "one window per place of the grid")
        for place in windowMatrices.indices {
            let window = Array(windowEmbeddings[(place * width)..<((place + 1) * width)])
            if Self.repeatsWhole(window, embedding, place: place, contentPlace: contentPlace) { continue }
            windowMatrices[place].append(id: id, embedding: window)
        }
    }
}
