import ImageIO
import NeuralNet

/// A fixed, seeded set of near-duplicate pairs and distinct pairs made from held-out pictures.
///
/// Each picture gives its original and edited copies (one per kind in `kinds`). Positives pair an original with
/// its own edited copies; negatives pair every original with every edited copy of every other group, so the
/// hardest distinct pairs in the set are always among them, whichever scorer is judged.
public struct PairBenchmark: Sendable {
    public struct EditedCopy: Sendable {
        public var source: Int
        public var kind: EditKind
        public var image: Image
    }

    public let pictures: WorkingPictures
    public let originals: [Int]
    public let edited: [EditedCopy]

    /// `kindsPerPicture`: nil makes one copy per kind for every picture (the evaluation benchmark); a number
    /// makes that many copies with kinds drawn at random (the cheaper running validation).
    public init(
        pictures: WorkingPictures, maximumPictures: Int, kinds: [EditKind], kindsPerPicture: Int?, seed: UInt64,
        threads: Int
    ) {
        var random = RandomSource(seed: seed)
        // One picture per group, so that no two originals show the same picture.
        var chosen = pictures.groups.map { $0[random.nextInt(below: $0.count)] }
        for index in chosen.indices.reversed() where index > 0 {
            chosen.swapAt(index, random.nextInt(below: index + 1))
        }
        chosen = Array(chosen.prefix(maximumPictures)).sorted()
        var plans: [(source: Int, kind: EditKind, seed: UInt64)] = []
        for source in chosen {
            let picked: [EditKind] =
                kindsPerPicture.map { count in (0..<count).map { _ in kinds[random.nextInt(below: kinds.count)] } }
                ?? kinds
            for kind in picked { plans.append((source, kind, random.next())) }
        }
        let editor = PictureEditor()
        let images = concurrentMap(
            plans.map { PlannedEdit(source: $0.source, kind: $0.kind, seed: $0.seed) }, threads: threads
        ) {
            plan in
            var editRandom = RandomSource(seed: plan.seed)
            return editor.apply(plan.kind, to: pictures.images[plan.source], random: &editRandom)
        }
        self.pictures = pictures
        self.originals = chosen
        self.edited = zip(plans, images).map { EditedCopy(source: $0.0.source, kind: $0.0.kind, image: $0.1) }
    }

    struct PlannedEdit: Sendable {
        var source: Int
        var kind: EditKind
        var seed: UInt64
    }

    /// Calls `body(originalPosition, editedPosition, isDuplicate)` for every pair of the benchmark (positions are
    /// indices into `originals` and `edited`): an original with each of its own copies, and with every copy of every
    /// other group. Copies of another picture of its own group, or of a picture linked to it as one source
    /// (`SameSourceLinks`), are neither.
    func forEachPair(_ body: (Int, Int, Bool) -> Void) {
        for (originalPosition, original) in originals.enumerated() {
            for (editedPosition, copy) in edited.enumerated() {
                let isDuplicate = copy.source == original
                if !isDuplicate && !pictures.areDistinct(copy.source, original) { continue }
                body(originalPosition, editedPosition, isDuplicate)
            }
        }
    }

    /// Pairs of an original with a copy of another group that links to it as one source: distinct by the groups
    /// alone, left out of the benchmark.
    public var sameSourcePairsLeftOut: Int {
        var count = 0
        for original in originals {
            for copy in edited
            where pictures.groupOfPicture[copy.source] != pictures.groupOfPicture[original]
                && !pictures.areDistinct(copy.source, original)
            {
                count += 1
            }
        }
        return count
    }

    /// Scores every pair with `score(originalIndex, editedIndex)` (indices into `originals` and `edited`).
    public func scoredPairs(_ score: (Int, Int) -> Double) -> [ScoredPair] {
        var pairs: [ScoredPair] = []
        pairs.reserveCapacity(originals.count * edited.count)
        forEachPair { originalPosition, editedPosition, isDuplicate in
            pairs.append(
                ScoredPair(
                    score: score(originalPosition, editedPosition), isDuplicate: isDuplicate,
                    kind: isDuplicate ? edited[editedPosition].kind.rawValue : "distinct"))
        }
        return pairs
    }

    /// The original (its position in `originals`) of every pair, in the order `scoredPairs` lists the pairs.
    public func pairOriginals() -> [Int] {
        var positions: [Int] = []
        forEachPair { originalPosition, _, _ in positions.append(originalPosition) }
        return positions
    }

    /// One pair of the benchmark by name: the original's path, the path of the picture the edited copy was made
    /// from, the edit (or `distinct`) and the score, for listing the pairs a scorer gets most wrong.
    public struct NamedPair: Sendable, Codable, Equatable {
        public var original: String
        public var copyOf: String
        public var kind: String
        public var score: Double
    }

    /// Two pictures and how many distinct pairs of the benchmark (each original against each copy of the other,
    /// both ways) score at or above a threshold.
    public struct PicturePairCount: Sendable, Codable, Equatable {
        public var first: String
        public var second: String
        public var pairs: Int
    }

    /// The distinct pairs scored at or above `threshold`, counted per pair of pictures, most first (ties by path).
    /// Every picture pair contributes up to one distinct pair per edited copy in each direction, so a few pictures
    /// that look alike can fill the whole false-pair allowance of a high precision.
    public func distinctPairsAtOrAbove(_ threshold: Double, _ score: (Int, Int) -> Double) -> [PicturePairCount] {
        var counts: [PictureKey: Int] = [:]
        forEachPair { originalPosition, editedPosition, isDuplicate in
            guard !isDuplicate, score(originalPosition, editedPosition) >= threshold else { return }
            counts[PictureKey(originals[originalPosition], edited[editedPosition].source), default: 0] += 1
        }
        return counts.map {
            PicturePairCount(
                first: pictures.entries[$0.key.first].path, second: pictures.entries[$0.key.second].path,
                pairs: $0.value)
        }
        .sorted { ($0.pairs, $1.first, $1.second) > ($1.pairs, $0.first, $0.second) }
    }

    /// An unordered pair of pictures.
    struct PictureKey: Hashable {
        var first: Int
        var second: Int
        init(_ a: Int, _ b: Int) { (first, second) = (min(a, b), max(a, b)) }
    }

    /// The `count` distinct pairs scored highest (the false findings a strict threshold meets first) and the
    /// `count` near-duplicate pairs scored lowest (the edits it misses first), each ordered worst first.
    public func extremePairs(
        count: Int, _ score: (Int, Int) -> Double
    ) -> (hardestDistinct: [NamedPair], weakestNearDuplicates: [NamedPair]) {
        guard count > 0 else { return ([], []) }
        // Bounded lists kept in order, worst last, so a pair that cannot enter costs one comparison.
        var distinct: [(score: Double, original: Int, edited: Int)] = []
        var nearDuplicates: [(score: Double, original: Int, edited: Int)] = []
        forEachPair { originalPosition, editedPosition, isDuplicate in
            let value = score(originalPosition, editedPosition)
            if isDuplicate {
                if nearDuplicates.count == count, value >= nearDuplicates[count - 1].score { return }
                let at = nearDuplicates.firstIndex { value < $0.score } ?? nearDuplicates.count
                nearDuplicates.insert((value, originalPosition, editedPosition), at: at)
                if nearDuplicates.count > count { nearDuplicates.removeLast() }
            } else {
                if distinct.count == count, value <= distinct[count - 1].score { return }
                let at = distinct.firstIndex { value > $0.score } ?? distinct.count
                distinct.insert((value, originalPosition, editedPosition), at: at)
                if distinct.count > count { distinct.removeLast() }
            }
        }
        func named(_ pair: (score: Double, original: Int, edited: Int)) -> NamedPair {
            let copy = edited[pair.edited]
            return NamedPair(
                original: pictures.entries[originals[pair.original]].path, copyOf: pictures.entries[copy.source].path,
                kind: copy.source == originals[pair.original] ? copy.kind.rawValue : "distinct (\(copy.kind.rawValue))",
                score: pair.score)
        }
        return (distinct.map(named), nearDuplicates.map(named))
    }
}
