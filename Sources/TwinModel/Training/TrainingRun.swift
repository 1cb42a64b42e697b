import Foundation
import ImageHashing
import NeuralNet

/// A whole training run as `twindup train` performs it: load the pictures, train with checkpoints and running
/// validation, keep the best weights, calibrate the head on validation pairs, choose the default threshold
/// and write the model file.
public struct TrainingRun {
    public var configuration: TrainingConfiguration
    public var manifest: TrainingManifest
    public var imagesFolder: String
    public var outputPath: String
    /// Where decoded working pictures are cached between runs; nil decodes every time.
    public var cacheFolder: String?
    public var resume = false
    /// Weights to start from instead of the seeded initialisation (tower and head, by name), when not resuming.
    public var initialWeights: SafeTensors?
    /// Precision the default threshold must reach on validation pairs.
    public var targetPrecision = 0.99
    /// Share of bootstrap resamples of the validation pictures in which the default threshold must reach
    /// `targetPrecision` (`ThresholdSelection`): the margin that keeps the promise on pictures it was not chosen on.
    public var thresholdConfidence = 0.95
    public var commandLine = ""
    /// Dismissed pairs mixed into the batches as hard negatives (`--feedback`).
    public var feedback = FeedbackPairs(pairs: [])
    /// Pictures of different groups that show one source: never trained, calibrated or scored as distinct.
    public var sameSource = SameSourceLinks.none
    /// The window grid whose matching is fitted after the head (`WindowCalibration`); nil: whole pictures only.
    public var windows: WindowGrid?
    public var windowPenalty = WindowMatching.shippedPenalty
    public var alignedWindowPenalty: Double? = WindowMatching.shippedAlignedPenalty
    public var hashComparison: HashComparison? = WindowMatching.shippedHashComparison

    public init(
        configuration: TrainingConfiguration, manifest: TrainingManifest, imagesFolder: String, outputPath: String
    ) {
        self.configuration = configuration
        self.manifest = manifest
        self.imagesFolder = imagesFolder
        self.outputPath = outputPath
    }

    public var checkpointPath: String { outputPath + ".checkpoint" }
    /// The checkpoint's metadata key for the progress line's smoothed loss (not part of the training state).
    static let smoothedLossKey = "smoothed_loss"
    public var bestPath: String { outputPath + ".best" }

    public struct ValidationSummary: Sendable {
        public var step: Int
        public var metrics: PairMetrics
        public var balancedAccuracy: Double
        public var recallAtTargetPrecision: Double
        public var line: String
    }

    public func loadPictures(_ split: TrainingManifest.Split, log: (String) -> Void) throws -> WorkingPictures {
        let cache = cacheFolder.map { "\($0)/working-\(split.rawValue)-\(WorkingPictures.workingShortSide).bin" }
        if let cacheFolder {
            try FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true)
        }
        return try WorkingPictures.load(
            entries: manifest.entries(in: split), imagesFolder: imagesFolder, cacheFile: cache,
            threads: configuration.threads, log: log
        ).linking(sameSource)
    }

    /// Trains, calibrates and writes the model; returns the final validation summary.
    @discardableResult
    public func run(log: @escaping (String) -> Void) throws -> ValidationSummary {
        let training = try loadPictures(.train, log: log)
        let validation = try loadPictures(.validation, log: log)
        let trainer = TwinTrainer(configuration: configuration, training: training, feedback: feedback)
        if !feedback.pairs.isEmpty {
            log(
                "feedback: \(feedback.pairs.count) dismissed pairs as hard negatives, "
                    + "\(feedback.perStep(batchSources: configuration.batchSources)) per step")
        }
        var smoothedLoss: Float?
        if resume, let data = FileManager.default.contents(atPath: checkpointPath) {
            let checkpoint = try SafeTensors(decoding: [UInt8](data))
            try trainer.resume(from: checkpoint)
            smoothedLoss = checkpoint.metadata[Self.smoothedLossKey].flatMap(Float.init)
            log("resumed from \(checkpointPath) at step \(trainer.step)")
        } else if let initialWeights {
            try trainer.network.load(SafeTensors(tensors: initialWeights.tensors))
            log("starting from the weights of \(configuration.initialWeights ?? "an earlier model")")
        }
        let running = PairBenchmark(
            pictures: validation, maximumPictures: configuration.validationPictures, kinds: EditKind.allCases,
            kindsPerPicture: 1, seed: configuration.seed ^ 0x5641_4C49, threads: configuration.threads)
        // A best-so-far file only counts when continuing the run that wrote it.
        var best =
            resume
            ? (try? SafeTensors(decoding: [UInt8](FileManager.default.contents(atPath: bestPath) ?? Data()))) : nil
        var bestScore = best.flatMap { Double($0.metadata["average_precision"] ?? "") } ?? -1
        var pace = TrainingPace(windowSteps: max(configuration.validateEvery, configuration.mineEvery))
        pace.record(step: trainer.step, at: ProcessInfo.processInfo.systemUptime)
        while trainer.step < configuration.steps {
            let report = try trainer.trainStep()
            smoothedLoss = smoothedLoss.map { 0.95 * $0 + 0.05 * report.loss } ?? report.loss
            if report.step % 10 == 0 || report.step == configuration.steps {
                pace.record(step: report.step, at: ProcessInfo.processInfo.systemUptime)
                let imagesPerSecond = pace.imagesPerSecond(imagesPerStep: report.images) ?? 0
                let remaining = pace.secondsRemaining(totalSteps: configuration.steps) ?? 0
                let epoch = Double(report.step * configuration.batchSources) / Double(training.images.count)
                let feedbackText = feedback.pairs.isEmpty ? "" : " feedback pairs used \(trainer.feedbackPairsUsed)"
                log(
                    String(
                        format: "step %d/%d epoch %.2f loss %.4f lr %.2e grad %.2f %.1f img/s ETA %@", report.step,
                        configuration.steps, epoch, smoothedLoss ?? 0, report.learningRate, report.gradientNorm,
                        imagesPerSecond, Self.duration(remaining)) + feedbackText)
            }
            if report.step % configuration.checkpointEvery == 0 || report.step == configuration.steps {
                var checkpoint = trainer.checkpoint()
                // The progress line's smoothed loss then goes on after --resume as it would have without a stop.
                if let smoothedLoss { checkpoint.metadata[Self.smoothedLossKey] = smoothedLoss.description }
                try checkpoint.write(to: URL(fileURLWithPath: checkpointPath))
            }
            if report.step % configuration.validateEvery == 0 || report.step == configuration.steps {
                let summary = try validate(trainer.network, on: running, step: report.step)
                log(summary.line)
                if summary.metrics.averagePrecision > bestScore {
                    bestScore = summary.metrics.averagePrecision
                    best = trainer.network.weights(metadata: [
                        "step": String(report.step), "average_precision": String(bestScore),
                    ])
                    try best!.write(to: URL(fileURLWithPath: bestPath))
                    log("kept as best so far (average precision \(String(format: "%.4f", bestScore)))")
                }
            }
        }
        if let best { try trainer.network.load(SafeTensors(tensors: best.tensors)) }
        return try finish(trainer.network, validation: validation, trainedSteps: trainer.step, log: log)
    }

    /// Calibrates and writes the best weights kept so far without training further: for a run that must stop
    /// early, or to redo the calibration.
    @discardableResult
    public func finishFromBest(log: @escaping (String) -> Void) throws -> ValidationSummary {
        guard let data = FileManager.default.contents(atPath: bestPath) else {
            throw TrainingError("no best weights at \(bestPath): train first")
        }
        let best = try SafeTensors(decoding: [UInt8](data))
        let validation = try loadPictures(.validation, log: log)
        let network = TwinNetwork(
            architecture: configuration.architecture,
            head: WeightedL1Head(width: configuration.architecture.embeddingWidth), seed: configuration.seed)
        try network.load(SafeTensors(tensors: best.tensors))
        let bestStep = Int(best.metadata["step"] ?? "") ?? 0
        log("finishing from \(bestPath) (step \(best.metadata["step"] ?? "?"))")
        return try finish(network, validation: validation, trainedSteps: bestStep, log: log)
    }

    /// Running validation: one edited copy per validation picture against every original.
    public func validate(_ network: TwinNetwork, on benchmark: PairBenchmark, step: Int) throws -> ValidationSummary {
        let embedded = try EmbeddedBenchmark(benchmark: benchmark, network: network, threads: configuration.threads)
        let metrics = PairMetrics(pairs: try embedded.scoredPairs(head: network.head))
        let positives = metrics.pairs.filter(\.isDuplicate)
        let negatives = metrics.pairs.filter { !$0.isDuplicate }
        let truePositiveRate = Double(positives.count { $0.score >= 0.5 }) / Double(max(positives.count, 1))
        let trueNegativeRate = Double(negatives.count { $0.score < 0.5 }) / Double(max(negatives.count, 1))
        let balanced = (truePositiveRate + trueNegativeRate) / 2
        let recall = metrics.operatingPoint(atPrecision: targetPrecision)?.recall ?? 0
        let line = String(
            format:
                "validation step %d: pair accuracy %.4f, ROC-AUC %.4f, average precision %.4f, recall %.4f at precision %.2f (%d positives, %d negatives)",
            step, balanced, metrics.rocAUC, metrics.averagePrecision, recall, targetPrecision, positives.count,
            negatives.count)
        return ValidationSummary(
            step: step, metrics: metrics, balancedAccuracy: balanced, recallAtTargetPrecision: recall, line: line)
    }

    /// Calibrates the head on the full validation benchmark (every edit kind), picks the threshold and writes
    /// the model file.
    func finish(
        _ network: TwinNetwork, validation: WorkingPictures, trainedSteps: Int, log: (String) -> Void
    ) throws
        -> ValidationSummary
    {
        let full = PairBenchmark(
            pictures: validation, maximumPictures: Int.max, kinds: EditKind.allCases, kindsPerPicture: nil,
            seed: configuration.seed ^ 0x4341_4C49, threads: configuration.threads)
        let embedded = try EmbeddedBenchmark(benchmark: full, network: network, threads: configuration.threads)
        guard let head = network.head as? WeightedL1Head, head.isConstrained else {
            let summary = try validate(network, on: full, step: trainedSteps)
            log(summary.line)
            log("\(configuration.head.rawValue) head: not calibrated and not written as a shippable model")
            try network.weights(metadata: ["head": configuration.head.rawValue, "configuration": configuration.json])
                .write(to: URL(fileURLWithPath: outputPath))
            return summary
        }
        // Positives all, negatives subsampled with a fixed seed and weighted back to their full count.
        var random = RandomSource(seed: configuration.seed ^ 0x4E45_47)
        var differences: [[Float]] = []
        var labels: [Bool] = []
        var negativeKept = 0
        let negativeShare = 100_000.0 / Double(max(full.originals.count * full.edited.count, 1))
        full.forEachPair { originalPosition, editedPosition, isDuplicate in
            if !isDuplicate {
                guard Double(random.nextUniform()) < negativeShare else { return }
                negativeKept += 1
            }
            differences.append(
                zip(embedded.originals[originalPosition], embedded.edited[editedPosition]).map { abs($0 - $1) })
            labels.append(isDuplicate)
        }
        let fit = HeadCalibration.fit(
            // Class-balanced: p answers "is this pair a near-duplicate?" for a pair that is as likely one as not;
            // the default threshold then sets the precision for the far more numerous distinct pairs of an index.
            differences: differences, labels: labels,
            negativeWeight: Double(labels.count { $0 }) / Double(max(negativeKept, 1)),
            initialRaw: head.raw.value.scalars, initialBias: head.bias.value.scalars[0])
        head.raw.value = try Tensor(shape: [fit.raw.count], scalars: fit.raw)
        head.bias.value = try Tensor(shape: [1], scalars: [fit.bias])
        let summary = try validate(network, on: full, step: trainedSteps)
        let choice = ThresholdSelection.choose(
            metrics: summary.metrics, originalOf: full.pairOriginals(), targetPrecision: targetPrecision,
            confidence: thresholdConfidence, seed: configuration.seed ^ 0x5448_5245)
        let threshold = choice.conservative?.threshold ?? choice.pointEstimate?.threshold ?? 0.99
        let calibrationError = summary.metrics.classBalanced(seed: configuration.seed).expectedCalibrationError()
        log(summary.line)
        log(
            String(
                format: "calibrated: loss %.5f, ECE %.4f; precision %.2f on validation from threshold %.6f "
                    + "(recall %.4f), in %.0f%% of resamples of its pictures from %.6f (recall %.4f): default %.6f",
                fit.loss, calibrationError, targetPrecision, choice.pointEstimate?.threshold ?? .nan,
                choice.pointEstimate?.recall ?? .nan, thresholdConfidence * 100,
                choice.conservative?.threshold ?? .nan, choice.conservative?.recall ?? .nan, threshold))
        var weights = network.weights()
        let manifestDigest = manifest.digest
        weights.metadata = [
            "format": TwinDetector.formatVersion,
            "architecture": ArchitectureCoding.encode(network.architecture),
            "input_side": String(network.architecture.inputSide),
            "head": "constrained",
            "threshold": String(format: "%.6f", min(max(threshold, 1e-6), 1 - 1e-6)),
            "threshold_rule": String(
                format: "lowest with precision %.2f in %.0f%% of bootstrap resamples of the validation pictures",
                targetPrecision, thresholdConfidence * 100),
            "training_configuration": configuration.json,
            "training_command": commandLine,
            "training_steps": String(trainedSteps),
            "data_manifest_sha256": manifestDigest,
            "same_source_links_sha256": sameSource.digest ?? "none",
            "validation_average_precision": String(format: "%.5f", summary.metrics.averagePrecision),
            "validation_recall_at_precision_0.99": String(format: "%.5f", summary.recallAtTargetPrecision),
            "validation_ece": String(format: "%.5f", calibrationError),
        ]
        weights.metadata["model_id"] = TwinDetector.modelID(for: weights, version: "1.0")
        if let windows {
            let detector = try TwinDetector(weights: weights, source: outputPath, usingWindows: false)
            let fit = try WindowCalibration.fit(
                detector: detector, validation: validation, grid: windows, penalty: windowPenalty,
                alignedPenalty: alignedWindowPenalty, hashComparison: hashComparison, seed: configuration.seed,
                threads: configuration.threads)
            log(fit.line(grid: windows))
            weights = WindowCalibration.applying(fit.matching, to: weights, result: fit)
        }
        try weights.write(to: URL(fileURLWithPath: outputPath))
        log("wrote \(outputPath) (\(weights.metadata["model_id"]!))")
        return summary
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
            : "\(total / 60)m\(String(format: "%02d", total % 60))s"
    }
}
