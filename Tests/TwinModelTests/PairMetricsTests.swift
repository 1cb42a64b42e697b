import Testing
import TwinModel

@Suite struct PairMetricsTests {
    /// Five pairs worked through by hand. Sorted by score: 0.9 (dup), 0.8 (distinct), 0.7 (dup),
    /// 0.7 (distinct), 0.2 (dup).
    let pairs = [
        ScoredPair(score: 0.9, isDuplicate: true, kind: "crop"),
        ScoredPair(score: 0.8, isDuplicate: false, kind: "distinct"),
        ScoredPair(score: 0.7, isDuplicate: true, kind: "jpeg"),
        ScoredPair(score: 0.7, isDuplicate: false, kind: "distinct"),
        ScoredPair(score: 0.2, isDuplicate: true, kind: "crop"),
    ]

    @Test func rocAUCCountsTiesAsHalf() {
        // Positive-negative pairs: 0.9 beats both (2); 0.7 loses to 0.8, ties 0.7 (0.5); 0.2 beats none.
        // AUC = 2.5 / (3 × 2).
        let expected: Double = 2.5 / 6
        #expect(abs(PairMetrics(pairs: pairs).rocAUC - expected) < 1e-12)
    }

    @Test func precisionRecallCurveTreatsTiedScoresAsOneThreshold() {
        let curve = PairMetrics(pairs: pairs).curve
        let expectedThresholds: [Double] = [0.9, 0.8, 0.7, 0.2]
        let expectedPrecisions: [Double] = [1, 0.5, 0.5, 0.6]
        let expectedRecalls: [Double] = [1.0 / 3, 1.0 / 3, 2.0 / 3, 1]
        #expect(curve.map(\.threshold) == expectedThresholds)
        #expect(curve.map(\.precision) == expectedPrecisions)
        #expect(curve.map(\.recall) == expectedRecalls)
    }

    @Test func averagePrecisionSumsRecallStepsTimesPrecision() {
        // (1/3)·1 + 0·0.5 + (1/3)·0.5 + (1/3)·0.6
        let expected: Double = (1.0 + 0.5 + 0.6) / 3
        #expect(abs(PairMetrics(pairs: pairs).averagePrecision - expected) < 1e-12)
    }

    @Test func operatingPointAtPrecisionPicksTheHighestRecallReachingIt() {
        let metrics = PairMetrics(pairs: pairs)
        #expect(metrics.operatingPoint(atPrecision: 0.99)?.threshold == 0.9)
        #expect(metrics.operatingPoint(atPrecision: 0.55)?.recall == 1)
        #expect(metrics.recall(ofKind: "crop", atThreshold: 0.9) == 0.5)
        #expect(metrics.positiveKinds == ["crop", "jpeg"])
    }

    @Test func operatingPointAtAThresholdCountsEveryPairScoringAtLeastIt() {
        let metrics = PairMetrics(pairs: pairs)
        // At 0.7: 0.9 (dup), 0.8, 0.7 (dup), 0.7 are reported: 2 of 4 right, 2 of 3 positives found.
        #expect(metrics.operatingPoint(atThreshold: 0.7).precision == 0.5)
        #expect(metrics.operatingPoint(atThreshold: 0.7).recall == 2.0 / 3)
        #expect(metrics.operatingPoint(atThreshold: 0.85).precision == 1)
        #expect(metrics.operatingPoint(atThreshold: 0.85).recall == 1.0 / 3)
        #expect(metrics.operatingPoint(atThreshold: 0.95).precision == 1)
        #expect(metrics.operatingPoint(atThreshold: 0.95).recall == 0)
    }

    /// The high-precision end of a curve over millions of pairs spans few thresholds; thinning must keep it.
    @Test func thinnedCurveKeepsTheHighPrecisionEndAndNoLargeGaps() {
        // 1,000 thresholds take precision from 1 to 0.98 and recall to 0.5; 200,000 more take the rest.
        var curve: [OperatingPoint] = []
        for index in 0..<1000 {
            let share = Double(index) / 999
            curve.append(
                OperatingPoint(threshold: 1 - Double(index) * 1e-6, precision: 1 - 0.02 * share, recall: 0.5 * share))
        }
        for index in 1...200_000 {
            let share = Double(index) / 200_000
            curve.append(
                OperatingPoint(
                    threshold: 0.999 - Double(index) * 1e-6, precision: 0.98 - 0.9 * share, recall: 0.5 + 0.5 * share))
        }
        let thinned = EvaluationReport.thinnedCurve(curve)
        #expect(thinned.first == curve.first && thinned.last == curve.last)
        #expect(thinned.count < 1000, "\(thinned.count) points kept")
        #expect(thinned.count { $0.precision >= 0.98 } >= 100, "the high-precision end was thinned away")
        for (earlier, later) in zip(thinned, thinned.dropFirst()) {
            #expect(abs(later.precision - earlier.precision) < 0.0026 && abs(later.recall - earlier.recall) < 0.0031)
        }
    }

    @Test func calibrationErrorOfHandComputedBins() {
        // Bins of width 0.1: [0.9]: one dup, mean 0.9 → |1 − 0.9| = 0.1; [0.8]: |0 − 0.8| = 0.8;
        // [0.7]: two pairs, one dup → |0.5 − 0.7| = 0.2; [0.2]: |1 − 0.2| = 0.8.
        // ECE = (0.1 + 0.8 + 2·0.2 + 0.8) / 5.
        let expected: Double = 2.1 / 5
        #expect(abs(PairMetrics(pairs: pairs).expectedCalibrationError() - expected) < 1e-12)
    }

    @Test func chartDrawsEverySeries() {
        let metrics = PairMetrics(pairs: pairs)
        let svg = PrecisionRecallChart.svg(series: [("twin", metrics.curve), ("pHash", metrics.curve)], title: "t")
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.contains("pHash"))
    }
}
