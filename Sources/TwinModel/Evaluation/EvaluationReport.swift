import Foundation
import ImageHashing
import ImageIO
import NeuralNet

/// `twindup eval`: the twin model and the perceptual-hash baselines scored on one fixed benchmark from the test
/// split, with ranking metrics, recall at high precision per edit kind, and calibration.
public struct EvaluationReport: Sendable, Codable {
    public struct ScorerResult: Sendable, Codable {
        public var name: String
        public var rocAUC: Double
        public var averagePrecision: Double
        /// Per target precision ("0.99", "0.999"): the threshold, the overall recall and the recall per edit kind.
        public var atPrecision: [String: OperatingResult]
        /// Only for the model, whose scores are probabilities.
        public var expectedCalibrationError: Double?
        public var curve: [OperatingPoint]
    }

    public struct OperatingResult: Sendable, Codable {
        public var threshold: Double?
        public var recall: Double
        public var recallByKind: [String: Double]
    }

    public var modelID: String
    public var pictures: Int
    public var positives: Int
    public var negatives: Int
    public var seed: UInt64
    /// Distinct-by-group pairs left out because `SameSourceLinks` join their pictures; absent in reports written
    /// before links existed.
    public var sameSourcePairsLeftOut: Int?
    /// The window grid the model's pairs were scored with (`twindup eval --windows`); absent: whole pictures only.
    public var windows: String?
    public var scorers: [ScorerResult]
    /// The model's worst pairs when asked for (`twindup eval --hardest N`): distinct pairs scored highest and
    /// near-duplicate pairs scored lowest.
    public var hardestDistinct: [PairBenchmark.NamedPair]?
    public var weakestNearDuplicates: [PairBenchmark.NamedPair]?
    /// The model's distinct pairs at or above its precision-0.99 threshold, per pair of pictures, most first: which
    /// pictures spend the false-pair allowance that the recall at precision 0.99 is bounded by.
    public var falsePairsAtPrecision99: [PairBenchmark.PicturePairCount]?
    /// Precision and recall of the model at the default threshold stored in its file: what a user gets unless
    /// they set one.
    public var atDefaultThreshold: OperatingPoint?

    public static let precisions = [0.99, 0.999]

    public static func run(
        detector: TwinDetector, pictures: WorkingPictures, seed: UInt64, threads: Int, hardest: Int = 0,
        windows: WindowGrid? = nil, windowPenalty: Float? = nil, alignedWindowPenalty: Float? = nil,
        hashComparison: HashComparison? = nil
    ) throws -> EvaluationReport {
        let embedded = try WindowedBenchmark(
            detector: detector, pictures: pictures, seed: seed, threads: threads, windows: windows,
            hashes: hashComparison != nil)
        let benchmark = embedded.benchmark
        // Every (original, copy) score once, up front: the metrics, the false-pair count and the extremes all read it.
        let distances = embedded.closestDistances(
            windowPenalty: windowPenalty ?? Float(detector.windowMatching?.penalty ?? 0),
            alignedWindowPenalty: alignedWindowPenalty ?? Float(detector.windowMatching?.alignedPenalty ?? .infinity),
            hashComparison: hashComparison, threads: threads)
        let probabilities = distances.map { $0.map(detector.probability(distance:)) }
        let modelScore = { (original: Int, edited: Int) in probabilities[original][edited] }
        let modelMetrics = PairMetrics(pairs: benchmark.scoredPairs(modelScore))
        var scorers = [summarise(name: "twindup \(detector.modelID)", metrics: modelMetrics, probabilities: true)]
        for kind in [PerceptualHash.Kind.pHash, .dHash, .pdq] {
            let hash: @Sendable (Image) -> PerceptualHash = { PerceptualHash.compute(kind, of: $0) }
            let originalHashes = concurrentMap(benchmark.originals.map { pictures.images[$0] }, threads: threads, hash)
            let editedHashes = concurrentMap(benchmark.edited.map(\.image), threads: threads, hash)
            let pairs = benchmark.scoredPairs { -Double(originalHashes[$0].distance(to: editedHashes[$1])) }
            scorers.append(summarise(name: kind.rawValue, metrics: PairMetrics(pairs: pairs), probabilities: false))
        }
        var report = EvaluationReport(
            modelID: detector.modelID, pictures: benchmark.originals.count, positives: modelMetrics.positiveCount,
            negatives: modelMetrics.negativeCount, seed: seed, scorers: scorers)
        report.sameSourcePairsLeftOut = benchmark.sameSourcePairsLeftOut
        report.windows = windows.map {
            $0.description + (detector.windowMatching == nil ? ", scored by the whole-picture head" : "")
        }
        if let threshold = scorers[0].atPrecision["0.99"]?.threshold {
            report.falsePairsAtPrecision99 = benchmark.distinctPairsAtOrAbove(threshold, modelScore)
        }
        report.atDefaultThreshold = modelMetrics.operatingPoint(atThreshold: detector.defaultThreshold)
        if hardest > 0 {
            let extremes = benchmark.extremePairs(count: hardest, modelScore)
            report.hardestDistinct = extremes.hardestDistinct
            report.weakestNearDuplicates = extremes.weakestNearDuplicates
        }
        return report
    }

    /// The model's ranking figures on the benchmark with windows matched at each of `penalties`: the embeddings
    /// are computed once. One line each: the penalty, average precision, recall at precision 0.99 and 0.999, and
    /// recall at precision 0.99 per edit kind. For choosing a window matching's penalty on validation pictures.
    public static func penaltySweep(
        detector: TwinDetector, pictures: WorkingPictures, seed: UInt64, threads: Int, windows: WindowGrid,
        penalties: [Float], alignedPenalties: [Float] = [.infinity], hashCuts: [Int] = [],
        hashScales: [Float] = [0.1]
    ) throws -> [String] {
        let embedded = try WindowedBenchmark(
            detector: detector, pictures: pictures, seed: seed, threads: threads, windows: windows,
            hashes: !hashCuts.isEmpty)
        let benchmark = embedded.benchmark
        let settings = penalties.flatMap { penalty in alignedPenalties.map { (penalty, $0) } }
        return settings.flatMap { penalty, alignedPenalty in
            let distances = embedded.closestDistances(
                windowPenalty: penalty, alignedWindowPenalty: alignedPenalty, threads: threads)
            let plain = PairMetrics(pairs: benchmark.scoredPairs { -Double(distances[$0][$1]) })
            // A hash comparison placed by its cut: hashes `cut` bits apart land on this matching's radius at
            // precision 0.99, each bit fewer `scale` nearer.
            let radius = Float(-(plain.operatingPoint(atPrecision: 0.99)?.threshold ?? 0))
            var variants: [(String, HashComparison)?] = [nil]
            for cut in hashCuts {
                for scale in hashScales {
                    let comparison = HashComparison(offset: radius - scale * Float(cut), scale: scale)
                    variants.append(
                        (String(format: "hashes ≤ %d bits at %.4f + %.3f·h", cut, comparison.offset, scale), comparison)
                    )
                }
            }
            return variants.map { variant in
                let metrics =
                    variant.map { _, comparison in
                        let withHashes = embedded.closestDistances(
                            windowPenalty: penalty, alignedWindowPenalty: alignedPenalty, hashComparison: comparison,
                            threads: threads)
                        return PairMetrics(pairs: benchmark.scoredPairs { -Double(withHashes[$0][$1]) })
                    } ?? plain
                let cut: String? = variant?.0
                let summary = summarise(name: "penalty", metrics: metrics, probabilities: false)
                let kinds = EditKind.allCases.map { kind in
                    "\(kind.rawValue) "
                        + String(format: "%.3f", summary.atPrecision["0.99"]?.recallByKind[kind.rawValue] ?? 0)
                }
                return String(
                    format: "penalty %.2f aligned %.2f: AP %.4f, R@P0.99 %.4f, R@P0.999 %.4f; ", penalty,
                    alignedPenalty, summary.averagePrecision,
                    summary.atPrecision["0.99"]?.recall ?? 0, summary.atPrecision["0.999"]?.recall ?? 0)
                    + (cut.map { "\($0); " } ?? "") + kinds.joined(separator: ", ")
            }
        }
    }

    static func summarise(name: String, metrics: PairMetrics, probabilities: Bool) -> ScorerResult {
        var atPrecision: [String: OperatingResult] = [:]
        for precision in precisions {
            let point = metrics.operatingPoint(atPrecision: precision)
            var byKind: [String: Double] = [:]
            for kind in metrics.positiveKinds {
                byKind[kind] = point.map { metrics.recall(ofKind: kind, atThreshold: $0.threshold) } ?? 0
            }
            atPrecision[String(precision)] = OperatingResult(
                threshold: point?.threshold, recall: point?.recall ?? 0, recallByKind: byKind)
        }
        let thinned = thinnedCurve(metrics.curve)
        return ScorerResult(
            name: name, rocAUC: metrics.rocAUC, averagePrecision: metrics.averagePrecision, atPrecision: atPrecision,
            expectedCalibrationError: probabilities ? metrics.classBalanced(seed: 7).expectedCalibrationError() : nil,
            curve: thinned)
    }

    /// The curve for the JSON and the chart: a point is kept when precision or recall has moved by at least
    /// `step` since the last kept one (and the ends always), so the few high-precision thresholds that matter
    /// survive while the long low-precision tail of millions of pairs shrinks to a few hundred points.
    public static func thinnedCurve(_ curve: [OperatingPoint], step: Double = 0.0025) -> [OperatingPoint] {
        guard var last = curve.first else { return [] }
        var kept = [last]
        for (offset, point) in curve.enumerated().dropFirst() {
            let moved = abs(point.precision - last.precision) >= step || abs(point.recall - last.recall) >= step
            if moved || offset == curve.count - 1 {
                kept.append(point)
                last = point
            }
        }
        return kept
    }

    /// A plain-text table: one row per scorer, then recall per edit kind at precision 0.99.
    public var table: String {
        func padded(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
        }
        func number(_ value: Double?, width: Int = 9) -> String {
            let text = value.map { $0.isNaN ? "-" : String(format: "%.4f", $0) } ?? "-"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let leftOut = sameSourcePairsLeftOut.map { $0 > 0 ? ", \($0) same-source pairs left out" : "" } ?? ""
        let windowed = windows.map { "; the model also matches \($0)" } ?? ""
        var lines = [
            "benchmark: \(pictures) pictures, \(positives) near-duplicate pairs, \(negatives) distinct pairs"
                + "\(leftOut) (seed \(seed))\(windowed)",
            padded("scorer", 34) + "  ROC-AUC       AP  R@P0.99 R@P0.999      ECE",
        ]
        for scorer in scorers {
            lines.append(
                padded(scorer.name, 34) + number(scorer.rocAUC) + number(scorer.averagePrecision)
                    + number(scorer.atPrecision["0.99"]?.recall) + number(scorer.atPrecision["0.999"]?.recall)
                    + number(scorer.expectedCalibrationError))
        }
        if let point = atDefaultThreshold {
            lines.append(
                "at the model's default threshold \(point.threshold): precision "
                    + String(format: "%.4f, recall %.4f", point.precision, point.recall))
        }
        lines.append("")
        lines.append("recall per edit kind at precision 0.99:")
        lines.append(
            padded("kind", 12)
                + scorers.map { " " + padded(String($0.name.split(separator: " ").first ?? ""), 9) }.joined())
        for kind in EditKind.allCases.map(\.rawValue) {
            lines.append(
                padded(kind, 12)
                    + scorers.map { " " + number($0.atPrecision["0.99"]?.recallByKind[kind], width: 9) }.joined())
        }
        if let counts = falsePairsAtPrecision99, !counts.isEmpty {
            let total = counts.reduce(0) { $0 + $1.pairs }
            lines.append("")
            lines.append(
                "the model's \(total) distinct pairs at its precision-0.99 threshold come from \(counts.count) pairs of "
                    + "pictures; the most:")
            for count in counts.prefix(5) {
                lines.append(String(format: "%5d  ", count.pairs) + count.first + "  " + count.second)
            }
        }
        for (title, pairs) in [
            ("distinct pairs the model scores highest", hardestDistinct),
            ("near-duplicate pairs the model scores lowest", weakestNearDuplicates),
        ] {
            guard let pairs else { continue }
            lines.append("")
            lines.append("\(title) (probability, edit of the copy, original, picture the copy was made from):")
            for pair in pairs {
                lines.append(
                    String(format: "%.6f", pair.score) + "  " + padded(pair.kind, 22) + "  " + pair.original + "  "
                        + pair.copyOf)
            }
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var chart: String {
        PrecisionRecallChart.svg(
            series: scorers.map { ($0.name, $0.curve) }, title: "Near-duplicate pairs of the test split")
    }
}
