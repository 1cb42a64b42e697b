/// One scored pair of the evaluation benchmark: `score` is higher for "more likely the same picture"
/// (a probability for the twin model, a negated Hamming distance for a hash).
public struct ScoredPair: Sendable, Equatable {
    public var score: Double
    public var isDuplicate: Bool
    /// The edit that made a positive pair (`crop`, `jpeg`, …) or the kind of negative (`distinct`, `hard-negative`).
    public var kind: String

    public init(score: Double, isDuplicate: Bool, kind: String) {
        self.score = score
        self.isDuplicate = isDuplicate
        self.kind = kind
    }
}

/// A point of the precision–recall curve: flagging every pair scoring at least `threshold`.
public struct OperatingPoint: Sendable, Equatable, Codable {
    public var threshold: Double
    public var precision: Double
    public var recall: Double

    public init(threshold: Double, precision: Double, recall: Double) {
        self.threshold = threshold
        self.precision = precision
        self.recall = recall
    }
}

/// Ranking and calibration metrics over scored pairs. Ties in score are treated as one threshold, as a
/// deployed threshold cannot split them.
public struct PairMetrics: Sendable {
    public let pairs: [ScoredPair]
    public let positiveCount: Int
    public let negativeCount: Int
    /// One point per distinct score, from the highest threshold (fewest flagged) down.
    public let curve: [OperatingPoint]

    public init(pairs: [ScoredPair]) {
        self.pairs = pairs
        positiveCount = pairs.count { $0.isDuplicate }
        negativeCount = pairs.count - positiveCount
        let sorted = pairs.sorted { $0.score > $1.score }
        var curve: [OperatingPoint] = []
        var truePositives = 0
        var flagged = 0
        var index = 0
        while index < sorted.count {
            let threshold = sorted[index].score
            while index < sorted.count && sorted[index].score == threshold {
                if sorted[index].isDuplicate { truePositives += 1 }
                flagged += 1
                index += 1
            }
            curve.append(
                OperatingPoint(
                    threshold: threshold,
                    precision: Double(truePositives) / Double(flagged),
                    recall: positiveCount == 0 ? 0 : Double(truePositives) / Double(positiveCount)
                ))
        }
        self.curve = curve
    }

    /// Area under the ROC curve: the probability that a random positive outscores a random negative,
    /// ties counting one half (Mann–Whitney U with average ranks).
    public var rocAUC: Double {
        guard positiveCount > 0, negativeCount > 0 else { return .nan }
        let sorted = pairs.sorted { $0.score < $1.score }
        var positiveRankSum = 0.0
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1].score == sorted[index].score { end += 1 }
            let averageRank = Double(index + end) / 2 + 1
            for tied in index...end where sorted[tied].isDuplicate {
                positiveRankSum += averageRank
            }
            index = end + 1
        }
        let positives = Double(positiveCount)
        return (positiveRankSum - positives * (positives + 1) / 2) / (positives * Double(negativeCount))
    }

    /// Average precision: Σ (Rₙ − Rₙ₋₁)·Pₙ over the curve's thresholds.
    public var averagePrecision: Double {
        var previousRecall = 0.0
        var sum = 0.0
        for point in curve {
            sum += (point.recall - previousRecall) * point.precision
            previousRecall = point.recall
        }
        return sum
    }

    /// The lowest threshold whose precision is at least `precision`, and the recall there; nil when no
    /// threshold reaches that precision.
    public func operatingPoint(atPrecision precision: Double) -> OperatingPoint? {
        curve.filter { $0.precision >= precision }.max { $0.recall < $1.recall }
    }

    /// Precision and recall of reporting every pair that scores at least `threshold` (precision 1 when none does).
    public func operatingPoint(atThreshold threshold: Double) -> OperatingPoint {
        let reported = pairs.filter { $0.score >= threshold }
        let found = reported.count { $0.isDuplicate }
        return OperatingPoint(
            threshold: threshold, precision: reported.isEmpty ? 1 : Double(found) / Double(reported.count),
            recall: positiveCount == 0 ? 0 : Double(found) / Double(positiveCount))
    }

    /// The share of the positives of one kind that score at least `threshold`.
    public func recall(ofKind kind: String, atThreshold threshold: Double) -> Double {
        let positives = pairs.filter { $0.isDuplicate && $0.kind == kind }
        guard !positives.isEmpty else { return .nan }
        return Double(positives.count { $0.score >= threshold }) / Double(positives.count)
    }

    /// The kinds of positive pairs present, sorted.
    public var positiveKinds: [String] {
        Array(Set(pairs.filter(\.isDuplicate).map(\.kind))).sorted()
    }

    /// Expected calibration error of scores read as probabilities: over `binCount` equal-width bins of the
    /// score, the pair-weighted mean of |share of duplicates − mean score|.
    public func expectedCalibrationError(binCount: Int = 10) -> Double {
        precondition(binCount > 0, "calibration needs at least one bin")
        var counts = [Int](repeating: 0, count: binCount)
        var scoreSums = [Double](repeating: 0, count: binCount)
        var duplicateCounts = [Int](repeating: 0, count: binCount)
        for pair in pairs {
            let bin = min(binCount - 1, max(0, Int(pair.score * Double(binCount))))
            counts[bin] += 1
            scoreSums[bin] += pair.score
            if pair.isDuplicate { duplicateCounts[bin] += 1 }
        }
        var error = 0.0
        for bin in 0..<binCount where counts[bin] > 0 {
            let count = Double(counts[bin])
            error += count / Double(pairs.count) * abs(Double(duplicateCounts[bin]) / count - scoreSums[bin] / count)
        }
        return error
    }

    /// Every positive and an equal number of negatives drawn with a fixed seed: the class-balanced set on which
    /// calibration is judged, since twindup's probabilities assume a near-duplicate and a distinct pair are
    /// equally likely a priori.
    public func classBalanced(seed: UInt64) -> PairMetrics {
        let positives = pairs.filter(\.isDuplicate)
        var negatives = pairs.filter { !$0.isDuplicate }
        var state = seed
        for index in negatives.indices.reversed() where index > 0 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            negatives.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
        }
        return PairMetrics(pairs: positives + negatives.prefix(positives.count))
    }
}
