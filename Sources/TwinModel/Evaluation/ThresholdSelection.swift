import NeuralNet

/// Chooses the default threshold so that its precision holds on pictures other than those it was chosen on.
///
/// The lowest threshold whose precision on the validation pairs reaches the target is an optimistic choice: the
/// distinct pairs that score high come in clusters (two screenshots of one window, tiles of one family), so a few
/// pictures decide the precision, and a held-out set with one more such cluster falls below the target. The
/// conservative rule resamples the benchmark's originals with replacement (each original with all its pairs, so a
/// cluster of false findings stays together) and keeps the lowest threshold whose precision reaches the target in
/// `confidence` of the resamples.
public enum ThresholdSelection {
    public struct Choice: Sendable, Equatable {
        /// The lowest threshold that reaches the target precision on the pairs as they are; nil when none does.
        public var pointEstimate: OperatingPoint?
        /// The lowest threshold that reaches it in `confidence` of the resamples; nil when none does.
        public var conservative: OperatingPoint?
    }

    /// `metrics.pairs[i]` belongs to original `originalOf[i]` (any integer label; pairs of one original are
    /// resampled together). `resamples` bootstrap draws from `seed`.
    public static func choose(
        metrics: PairMetrics, originalOf: [Int], targetPrecision: Double, confidence: Double = 0.95,
        resamples: Int = 400, seed: UInt64
    ) -> Choice {
        let pairs = metrics.pairs
        precondition(pairs.count == originalOf.count, "every pair needs its original")
        precondition(resamples > 0 && confidence > 0 && confidence < 1, "needs resamples and a confidence in (0, 1)")
        guard let point = metrics.operatingPoint(atPrecision: targetPrecision) else {
            return Choice(pointEstimate: nil, conservative: nil)
        }
        // Originals by dense index, and each resample's count of every original (multinomial draw of n of n).
        let labels = Array(Set(originalOf)).sorted()
        let denseIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var random = RandomSource(seed: seed)
        var weights = [[Double]](repeating: [Double](repeating: 0, count: labels.count), count: resamples)
        for resample in 0..<resamples {
            for _ in 0..<labels.count { weights[resample][random.nextInt(below: labels.count)] += 1 }
        }
        // The conservative threshold is never below the point estimate, so only the pairs flagged there are swept:
        // from the highest score down, one threshold per distinct score, as a deployed threshold cannot split ties.
        let flagged = pairs.indices.filter { pairs[$0].score >= point.threshold }
            .sorted { pairs[$0].score > pairs[$1].score }
        var truePositives = [Double](repeating: 0, count: resamples)
        var reported = [Double](repeating: 0, count: resamples)
        var found = 0
        var flaggedSoFar = 0
        var conservative: OperatingPoint?
        let allowedFailures = Int((Double(resamples) * (1 - confidence)).rounded(.down))
        var position = 0
        while position < flagged.count {
            let threshold = pairs[flagged[position]].score
            while position < flagged.count && pairs[flagged[position]].score == threshold {
                let pair = flagged[position]
                let original = denseIndex[originalOf[pair]]!
                for resample in 0..<resamples {
                    let weight = weights[resample][original]
                    reported[resample] += weight
                    if pairs[pair].isDuplicate { truePositives[resample] += weight }
                }
                if pairs[pair].isDuplicate { found += 1 }
                flaggedSoFar += 1
                position += 1
            }
            var failures = 0
            for resample in 0..<resamples where reported[resample] > 0 {
                if truePositives[resample] / reported[resample] < targetPrecision { failures += 1 }
            }
            if failures <= allowedFailures {
                conservative = OperatingPoint(
                    threshold: threshold, precision: Double(found) / Double(flaggedSoFar),
                    recall: Double(found) / Double(metrics.positiveCount))
            }
        }
        return Choice(pointEstimate: point, conservative: conservative)
    }
}
