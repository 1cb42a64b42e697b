import Testing
import TwinModel

@Suite struct ThresholdSelectionTests {
    /// 200 positives of 20 originals (10 each) with distinct scores from 0.5 up to 0.898, in order of original.
    static func positives(originals: Int, perOriginal: Int) -> (pairs: [ScoredPair], originalOf: [Int]) {
        let count = originals * perOriginal
        let pairs = (0..<count).map {
            ScoredPair(score: 0.5 + 0.4 * Double($0) / Double(count), isDuplicate: true, kind: "crop")
        }
        return (pairs, (0..<count).map { $0 / perOriginal })
    }

    /// Two false findings of one original: 200/202 = 0.990 reaches precision 0.99 at the lowest score, but a
    /// resample that draws that original twice (about a quarter of them) has 200/204 = 0.980. Only the
    /// thresholds above the false findings keep the promise.
    @Test func falseFindingsOfOnePictureRaiseTheThresholdAboveThem() {
        var (pairs, originalOf) = Self.positives(originals: 20, perOriginal: 10)
        pairs += [0.801, 0.801].map { ScoredPair(score: $0, isDuplicate: false, kind: "distinct") }
        originalOf += [0, 0]
        let choice = ThresholdSelection.choose(
            metrics: PairMetrics(pairs: pairs), originalOf: originalOf, targetPrecision: 0.99, seed: 7)
        #expect(choice.pointEstimate?.threshold == pairs[0].score)
        #expect(choice.pointEstimate?.recall == 1)
        let lowestAboveFalseFindings = pairs.filter { $0.isDuplicate && $0.score > 0.801 }.map(\.score).min()
        #expect(choice.conservative?.threshold == lowestAboveFalseFindings)
        #expect(choice.conservative?.precision == 1)
        #expect(choice.conservative?.recall == Double(pairs.count { $0.isDuplicate && $0.score > 0.801 }) / 200)
    }

    /// Ten false findings spread over ten pictures among 2,000 positives (precision 0.995): resampling rarely
    /// gathers the 21 it takes to fall below 0.99, so the margin costs nothing.
    @Test func falseFindingsSpreadOverManyPicturesKeepThePointEstimate() {
        var (pairs, originalOf) = Self.positives(originals: 100, perOriginal: 20)
        for original in stride(from: 0, to: 100, by: 10) {
            pairs.append(ScoredPair(score: 0.55, isDuplicate: false, kind: "distinct"))
            originalOf.append(original)
        }
        let choice = ThresholdSelection.choose(
            metrics: PairMetrics(pairs: pairs), originalOf: originalOf, targetPrecision: 0.99, seed: 7)
        #expect(choice.pointEstimate?.threshold == pairs[0].score)
        #expect(choice.conservative == choice.pointEstimate)
    }

    @Test func noThresholdReachingThePrecisionGivesNeither() {
        let pairs = [
            ScoredPair(score: 0.9, isDuplicate: false, kind: "distinct"),
            ScoredPair(score: 0.8, isDuplicate: true, kind: "crop"),
        ]
        let choice = ThresholdSelection.choose(
            metrics: PairMetrics(pairs: pairs), originalOf: [0, 1], targetPrecision: 0.99, seed: 1)
        #expect(choice.pointEstimate == nil)
        #expect(choice.conservative == nil)
    }
}
