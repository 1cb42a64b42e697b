import Foundation
import ImageHashing
import TwinModel

/// The indexing half of a scan, on one thread: embeds decoded pictures in batches, finds their exact and near
/// duplicates, writes report lines, and commits rows and findings in batched transactions.
///
/// Report lines are written before their transaction commits: after a crash the files of the lost transaction are
/// processed again and their lines may appear twice, but none is lost.
///
/// Matches whose pair of contents was dismissed (`twindup dismiss`) are neither reported nor recorded; the next
/// nearest match within the threshold takes a dismissed one's place.
struct ScanCommitter {
    private struct Decoded {
        var item: ScanItem
        var identity: FileIdentity
        var hash: [UInt8]
        var input: [Float]
        var windowInputs: [[Float]?]
        var pictureHash: PerceptualHash?
        var width: Int
        var height: Int
    }

    let index: ImageIndex
    let options: ScanOptions
    let report: ReportLog?
    let radius: Float
    /// Rows this scan replaces: never the original of a copy.
    let replaced: Set<Int64>
    private var nextID: Int64
    private var waitingForEmbedding: [Decoded] = []
    /// Copies of files seen earlier in this scan whose original is not indexed yet, by content hash.
    private var waitingForOriginal: [[UInt8]: [(ScanItem, FileIdentity)]] = [:]
    private var batch = IndexBatch()
    /// Paths and content hashes of rows in `batch`, for reporting matches not yet committed.
    private var batchPaths: [Int64: RawPath] = [:]
    private var batchHashes: [Int64: [UInt8]] = [:]
    private var lastCommit = Date()

    init(index: ImageIndex, options: ScanOptions, report: ReportLog?, replaced: Set<Int64>, nextID: Int64) {
        self.index = index
        self.replaced = replaced
        self.options = options
        self.report = report
        self.nextID = nextID
        radius = index.radius(threshold: options.threshold)
    }

    mutating func handle(_ outcome: ScanOutcome, summary: inout ScanSummary) throws {
        switch outcome {
        case .decoded(
            let item, let identity, let hash, let input, let windowInputs, let pictureHash, let width, let height):
            summary.decoded += 1
            waitingForEmbedding.append(
                Decoded(
                    item: item, identity: identity, hash: hash, input: input, windowInputs: windowInputs,
                    pictureHash: pictureHash, width: width, height: height))
            if waitingForEmbedding.count >= options.embeddingBatch { try embedWaiting(summary: &summary) }
        case .undecodable(let item, let identity, let hash, let error):
            summary.decoded += 1
            summary.decodeErrors += 1
            try write(ReportEvent(kind: .decodeError, path: item.path, model: index.store.modelID, error: error))
            try add(
                item, identity: identity, hash: hash, width: nil, height: nil, embedding: nil, error: error,
                summary: &summary)
        case .copyOfIndexed(let item, let identity, let hash, let original):
            try addCopy(item, identity: identity, hash: hash, of: original, summary: &summary)
        case .copyOfScanned(let item, let identity, let hash):
            if let original = try originalInScan(hash) {
                try addCopy(item, identity: identity, hash: hash, of: original, summary: &summary)
            } else {
                waitingForOriginal[hash, default: []].append((item, identity))
            }
        case .vanished(let item):
            if let old = item.replacing { batch.deletions.append(old) }
        case .unreadable(let item, let error):
            summary.decodeErrors += 1
            if let old = item.replacing { batch.deletions.append(old) }
            try write(ReportEvent(kind: .decodeError, path: item.path, model: index.store.modelID, error: error))
        case .indexFailed(let error):
            throw error
        }
        try commitIfDue(force: false)
    }

    mutating func finish(summary: inout ScanSummary) throws {
        try embedWaiting(summary: &summary)
        precondition(waitingForOriginal.isEmpty, "every copy's original is indexed by the end of the scan")
        try commitIfDue(force: true)
    }

    private mutating func embedWaiting(summary: inout ScanSummary) throws {
        guard !waitingForEmbedding.isEmpty else { return }
        let pending = waitingForEmbedding
        waitingForEmbedding = []
        // A long scan sees dismissals made meanwhile from its next batch on.
        try index.refreshDismissals()
        let detector = index.detector
        let wholes = try detector.embed(inputs: pending.map(\.input), threads: options.workers).map(detector.scaled)
        let windowRows = try detector.scaledWindowEmbeddings(
            of: pending.map(\.windowInputs), wholes: wholes, threads: options.workers)
        for ((entry, scaled), windows) in zip(zip(pending, wholes), windowRows) {
            guard scaled.allSatisfy(\.isFinite), windows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                let error = "corrupt: the network's embedding is not finite"
                summary.decodeErrors += 1
                try write(
                    ReportEvent(kind: .decodeError, path: entry.item.path, model: index.store.modelID, error: error))
                try add(
                    entry.item, identity: entry.identity, hash: entry.hash, width: entry.width, height: entry.height,
                    embedding: nil, error: error, summary: &summary)
                continue
            }
            let matches = try undismissed(
                index.matches(
                    of: WindowedEmbedding(whole: scaled, windows: windows, hash: entry.pictureHash), within: radius,
                    threads: options.workers),
                of: entry.hash)
            let id = try add(
                entry.item, identity: entry.identity, hash: entry.hash, width: entry.width, height: entry.height,
                embedding: scaled, windowEmbeddings: windows.isEmpty ? nil : windows.flatMap { $0 },
                pictureHash: entry.pictureHash, error: nil, summary: &summary)
            if !matches.isEmpty { summary.nearDuplicates += 1 }
            let paths = try paths(of: matches.map(\.id))
            for match in matches {
                let probability = index.probability(distance: match.distance)
                try record(
                    .nearDuplicate, id: id, path: entry.item.path, match: match.id, matchPath: paths[match.id],
                    probability: probability)
            }
        }
    }

    private mutating func addCopy(
        _ item: ScanItem, identity: FileIdentity, hash: [UInt8], of original: IndexedFile, summary: inout ScanSummary
    ) throws {
        let id = try add(
            item, identity: identity, hash: hash, width: original.width, height: original.height,
            embedding: original.embedding, windowEmbeddings: original.windowEmbeddings,
            pictureHash: original.pictureHash, error: original.decodeError, summary: &summary)
        // Two identical files dismissed as a pair silence every copy of those bytes.
        guard !index.dismissed.contains(hash, hash) else { return }
        summary.exactDuplicates += 1
        try record(
            .exactDuplicate, id: id, path: item.path, match: original.id, matchPath: original.path, probability: 1)
    }

    /// Adds a row for a processed file, to the matrix at once and to the index with the next commit; then indexes
    /// the copies that were waiting for it.
    @discardableResult
    private mutating func add(
        _ item: ScanItem, identity: FileIdentity, hash: [UInt8], width: Int?, height: Int?, embedding: [Float]?,
        windowEmbeddings: [Float]? = nil, pictureHash: PerceptualHash? = nil, error: String?,
        summary: inout ScanSummary
    ) throws -> Int64 {
        let id = nextID
        nextID += 1
        if let old = item.replacing { batch.deletions.append(old) }
        let file = IndexedFile(
            id: id, path: item.path, identity: identity, contentHash: hash, width: width, height: height,
            embedding: embedding, windowEmbeddings: windowEmbeddings, pictureHash: pictureHash, decodeError: error,
            modelID: index.store.modelID,
            addedAt: Date())
        batch.files.append(file)
        batchPaths[id] = item.path
        batchHashes[id] = hash
        if let embedding {
            index.addMatrixRows(
                id: id, embedding: embedding, windowEmbeddings: windowEmbeddings, pictureHash: pictureHash)
        }
        if let copies = waitingForOriginal.removeValue(forKey: hash) {
            for (copy, copyIdentity) in copies {
                try addCopy(copy, identity: copyIdentity, hash: hash, of: file, summary: &summary)
            }
        }
        return id
    }

    private mutating func record(
        _ kind: ReportEvent.Kind, id: Int64, path: RawPath, match: Int64, matchPath: RawPath?, probability: Double
    ) throws {
        let finding = Finding(
            kind: kind, fileID: id, matchID: match, probability: probability, threshold: options.threshold,
            modelID: index.store.modelID, foundAt: Date())
        batch.findings.append(finding)
        try write(
            ReportEvent(
                kind: kind, time: finding.foundAt, path: path, match: matchPath, probability: probability,
                threshold: options.threshold, model: index.store.modelID))
    }

    /// The row of this scan with these bytes: in the open batch, or already committed.
    private func originalInScan(_ hash: [UInt8]) throws -> IndexedFile? {
        if let file = batch.files.first(where: { $0.contentHash == hash }) { return file }
        return try index.store.copy(ofContent: hash, excluding: replaced)
    }

    /// The nearest `found` up to the per-file limit, leaving out those whose pair with the contents `hash` was
    /// dismissed. Contents never dismissed cost one lookup.
    private func undismissed(_ found: [Neighbor], of hash: [UInt8]) throws -> ArraySlice<Neighbor> {
        guard index.dismissed.involves(hash) else { return found.prefix(options.maxMatchesPerFile) }
        var kept: [Neighbor] = []
        for neighbor in found where kept.count < options.maxMatchesPerFile {
            let other = try batchHashes[neighbor.id] ?? index.store.contentHash(ofFile: neighbor.id)
            if let other, index.dismissed.contains(hash, other) { continue }
            kept.append(neighbor)
        }
        return kept[...]
    }

    private func paths(of ids: [Int64]) throws -> [Int64: RawPath] {
        var paths: [Int64: RawPath] = [:]
        var missing: [Int64] = []
        for id in ids {
            if let path = batchPaths[id] { paths[id] = path } else { missing.append(id) }
        }
        return paths.merging(try index.store.paths(of: missing)) { first, _ in first }
    }

    private func write(_ event: ReportEvent) throws {
        try report?.append(event)
    }

    private mutating func commitIfDue(force: Bool) throws {
        guard
            force || batch.files.count >= options.commitFiles
                || Date().timeIntervalSince(lastCommit) >= options.commitInterval
        else { return }
        try index.store.commit(batch)
        if let committed = options.committed, !batch.files.isEmpty { committed(batch.files.map(\.path)) }
        batch = IndexBatch()
        batchPaths = [:]
        batchHashes = [:]
        lastCommit = Date()
    }
}
