import Foundation
import NeuralNet

/// Fits a model's window matching on validation pictures, as training fits the head: the benchmark of every
/// validation picture against one edited copy per edit kind of every picture, each pair scored by its closest
/// distance under `grid`; p = σ(bias − scale·d) by class-balanced logistic regression; the default threshold by
/// the same conservative rule (`ThresholdSelection`) as the whole-picture threshold.
public enum WindowCalibration {
    public struct Result: Sendable {
        public var matching: WindowMatching
        /// Calibration error and ranking on the validation benchmark, scored with `matching`.
        public var expectedCalibrationError: Double
        public var averagePrecision: Double
        public var recallAtTargetPrecision: Double
        /// Precision and recall on the validation benchmark at `matching.threshold`.
        public var atThreshold: OperatingPoint
        public var positives: Int
        public var negatives: Int

        /// One line for a log: the fit, the validation figures and the default threshold.
        public func line(grid: WindowGrid) -> String {
            "window matching \(grid), penalty \(matching.penalty)"
                + (matching.alignedPenalty.map { ", aligned windows \($0)" } ?? "")
                + (matching.hashComparison.map { ", hashes at \($0.offset) + \($0.scale)·h" } ?? "") + ": "
                + String(
                    format: "p = σ(%.4f − %.6f·d); %d near-duplicate and %d distinct validation "
                        + "pairs: average precision %.4f, recall %.4f at precision 0.99, ECE %.4f; default threshold %.6f "
                        + "(precision %.4f, recall %.4f)",
                    matching.bias, matching.scale, positives, negatives, averagePrecision,
                    recallAtTargetPrecision, expectedCalibrationError, matching.threshold, atThreshold.precision,
                    atThreshold.recall)
        }
    }

    /// `detector` must match whole pictures only (its window matching, if any, is not used).
    public static func fit(
        detector: TwinDetector, validation: WorkingPictures, grid: WindowGrid, penalty: Double = 0,
        alignedPenalty: Double? = nil, hashComparison: HashComparison? = nil, seed: UInt64, threads: Int,
        targetPrecision: Double = 0.99,
        confidence: Double = 0.95
    ) throws -> Result {
        precondition(detector.windowMatching == nil, "window matching is fitted on a whole-picture detector")
        let embedded = try WindowedBenchmark(
            detector: detector, pictures: validation, seed: seed ^ 0x4341_4C49, threads: threads, windows: grid,
            hashes: hashComparison != nil)
        let benchmark = embedded.benchmark
        let distances = embedded.closestDistances(
            windowPenalty: Float(penalty), alignedWindowPenalty: Float(alignedPenalty ?? .infinity),
            hashComparison: hashComparison, threads: threads)
        // Positives all, negatives subsampled with a fixed seed and weighted back so that both classes weigh alike.
        var random = RandomSource(seed: seed ^ 0x4E45_47)
        var sample: [Double] = []
        var labels: [Bool] = []
        let pairCount = benchmark.originals.count * benchmark.edited.count
        let negativeShare = 200_000.0 / Double(max(pairCount, 1))
        benchmark.forEachPair { original, copy, isDuplicate in
            if !isDuplicate && Double(random.nextUniform()) >= negativeShare { return }
            sample.append(Double(distances[original][copy]))
            labels.append(isDuplicate)
        }
        let positives = Double(labels.count { $0 })
        let negatives = Double(labels.count - labels.count { $0 })
        guard positives > 0, negatives > 0 else {
            throw TrainingError("window calibration needs near-duplicate and distinct validation pairs")
        }
        let (scale, bias) = HeadCalibration.fitScaleAndBias(
            distances: sample, labels: labels, negativeWeight: 0.5 / negatives, positiveWeight: 0.5 / positives,
            initialBias: Double(detector.head.bias.value.scalars[0]))
        var matching = WindowMatching(
            perAxis: grid.perAxis, side: grid.side, penalty: penalty, alignedPenalty: alignedPenalty,
            contentWindow: grid.contentWindow, mirrorWindow: grid.mirrorWindow, hashComparison: hashComparison,
            bias: bias, scale: scale, threshold: 0.5)
        let metrics = PairMetrics(
            pairs: benchmark.scoredPairs { matching.probability(distance: distances[$0][$1]) })
        let choice = ThresholdSelection.choose(
            metrics: metrics, originalOf: benchmark.pairOriginals(), targetPrecision: targetPrecision,
            confidence: confidence, seed: seed ^ 0x5448_5245)
        let threshold = choice.conservative?.threshold ?? choice.pointEstimate?.threshold ?? 0.99
        // Six decimals, as the whole-picture threshold is written.
        matching.threshold = (min(max(threshold, 1e-6), 1 - 1e-6) * 1e6).rounded() / 1e6
        return Result(
            matching: matching,
            expectedCalibrationError: metrics.classBalanced(seed: seed).expectedCalibrationError(),
            averagePrecision: metrics.averagePrecision,
            recallAtTargetPrecision: metrics.operatingPoint(atPrecision: targetPrecision)?.recall ?? 0,
            atThreshold: metrics.operatingPoint(atThreshold: matching.threshold), positives: metrics.positiveCount,
            negatives: metrics.negativeCount)
    }

    /// `weights` (a shippable model file) with `matching` in its metadata and the model id of the weights matched
    /// that way; nil `matching` takes window matching out and restores the whole-picture id.
    public static func applying(_ matching: WindowMatching?, to weights: SafeTensors, result: Result?) -> SafeTensors {
        var updated = weights
        let wholeID = weights.metadata["whole_model_id"] ?? weights.metadata["model_id"]
        for key in updated.metadata.keys where key.hasPrefix(WindowMatching.metadataKey) {
            updated.metadata[key] = nil
        }
        updated.metadata["whole_model_id"] = nil
        updated.metadata["model_id"] = wholeID
        guard let matching else { return updated }
        updated.metadata[WindowMatching.metadataKey] = matching.metadataValue
        updated.metadata["whole_model_id"] = wholeID
        updated.metadata["model_id"] = matching.modelID(for: weights, version: "1.0")
        if let result {
            updated.metadata["window_matching_validation_ece"] = String(format: "%.5f", result.expectedCalibrationError)
            updated.metadata["window_matching_validation_average_precision"] = String(
                format: "%.5f", result.averagePrecision)
            updated.metadata["window_matching_validation_recall_at_precision_0.99"] = String(
                format: "%.5f", result.recallAtTargetPrecision)
        }
        return updated
    }
}
