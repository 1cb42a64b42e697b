import ArgumentParser
import DuplicateIndex
import Foundation
import NeuralNet
import TwinModel

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the twin network on CPU from the pictures of Debian packages.",
        discussion: """
            Reads the manifest (twindup data manifest) and the pictures it lists, trains with checkpoints every \
            --checkpoint-every steps (resume with --resume), validates every --validate-every steps, keeps the \
            best weights, calibrates the head on validation pairs and writes the model with its default threshold.

            With --feedback INDEX, the pairs dismissed in that index (twindup dismiss) join every step as hard \
            negative pairs: one per eight source pictures of the batch (4 with the default --batch 32), each \
            weighing as much as a positive pair. Pairs whose pictures are gone are skipped with a warning.

            Example (the shipped model):
              Scripts/prepare-training-data.sh ~/.cache/twindup/training-data
              twindup train --data ~/.cache/twindup/training-data/images --out Models/twindup.safetensors
            """
    )

    @OptionGroup var trainingData: TrainingDataOptions

    @Option(
        help: """
            Links between pictures of different groups that show one source (Models/same-source.tsv), never \
            paired as distinct in training or calibration; off by default, as the shipped model was trained.
            """)
    var sameSource: String?

    @Option(help: "Where to write the trained model (checkpoints go beside it).")
    var out: String

    @Option(help: "Loss: bce, contrastive (shipped) or triplet.")
    var loss: TrainingConfiguration.LossKind = TrainingConfiguration().loss

    @Option(help: "Head: constrained (shipped), unconstrained or signed (ablations).")
    var head: TrainingConfiguration.HeadKind = .constrained

    @Option(help: "Training steps.")
    var steps: Int = TrainingConfiguration().steps

    @Option(help: "Source pictures per step (each gives two views).")
    var batch: Int = TrainingConfiguration().batchSources

    @Option(help: "Peak learning rate (Adam, after warm-up, then cosine decay).")
    var learningRate: Float = TrainingConfiguration().learningRate

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Threads.")
    var threads: Int = 2

    @Option(help: "Steps between checkpoints.")
    var checkpointEvery: Int = TrainingConfiguration().checkpointEvery

    @Option(help: "Steps between validations.")
    var validateEvery: Int = TrainingConfiguration().validateEvery

    @Option(help: "Steps between hard-negative mining passes.")
    var mineEvery: Int = TrainingConfiguration().mineEvery

    @Option(help: "An index whose dismissed pairs (twindup dismiss) are trained on as hard negatives.")
    var feedback: String?

    @Flag(help: "Make the embedding the mean of the picture's and its mirror image's (two passes per picture).")
    var mirrorInvariant = false

    @Flag(help: "Cut uniform borders (frames, letterbox bars) off every picture before the network sees it.")
    var trimBorders = false

    @Option(help: "Global pooling: gem-P (generalised mean, power P; gem-3 shipped), average-and-max, average or max.")
    var pooling: String = TrainingConfiguration().pooling ?? "average-and-max"

    @Option(
        help: "Side of the network's square input in pixels, 32–160 (112 shipped; 96 before twindup-1.0+b041f370bbf7).")
    var inputSide: Int = TrainingConfiguration.shippedInputSide

    @Option(
        help: """
            Fit window matching with an N×N grid of windows of 0.8 side on validation pairs after the head (0: whole \
            pictures only; 3 shipped; the same as `twindup calibrate --windows N` on the written model).
            """)
    var windows: Int = WindowMatching.shippedGrid.perAxis

    /// With --windows, as `twindup calibrate` takes them.
    @OptionGroup var matching: WindowMatchingOptions

    @Option(
        help: """
            The share of training pairs made of a window of a picture and an edited copy of about the same part \
            (0 to 0.9; 0: whole pictures only).
            """)
    var windowViews: Double = 0

    @Option(help: "Start from this model's weights (tower and head) instead of the seeded initialisation.")
    var initialWeights: String?

    @Flag(help: "Continue from the checkpoint beside --out.")
    var resume = false

    @Flag(help: "Do not train: calibrate the best weights kept beside --out and write the model.")
    var finishFromBest = false

    func run() async throws {
        var configuration = TrainingConfiguration()
        configuration.seed = seed
        configuration.loss = loss
        configuration.head = head
        // Recorded only when set, so that configurations of runs without them stay as they were.
        configuration.mirrorInvariant = mirrorInvariant ? true : nil
        configuration.trimsBorders = trimBorders ? true : nil
        guard ArchitectureCoding.pooling(named: pooling) != nil else {
            throw ValidationError("--pooling must be average-and-max, average, max or gem-P with 1 ≤ P ≤ 16")
        }
        configuration.pooling = pooling
        if !(32...WorkingPictures.workingShortSide).contains(inputSide) {
            throw ValidationError(
                "--input-side must be 32 to \(WorkingPictures.workingShortSide) (the training pictures' working size)")
        }
        // The network's own side is left unrecorded, so that configurations (and checkpoints) written before the
        // option existed still match.
        configuration.inputSide = inputSide == TwinNetwork.Architecture.standard.inputSide ? nil : inputSide
        guard (0...5).contains(windows) else { throw ValidationError("--windows must be 0 to 5") }
        guard windowViews >= 0 && windowViews <= 0.9 else { throw ValidationError("--window-views must be 0 to 0.9") }
        // Recorded only when set, so that configurations of runs without them stay as they were.
        configuration.windowViews = windowViews > 0 ? windowViews : nil
        configuration.steps = steps
        configuration.batchSources = batch
        configuration.learningRate = learningRate
        configuration.threads = threads
        configuration.checkpointEvery = checkpointEvery
        configuration.validateEvery = validateEvery
        configuration.mineEvery = mineEvery
        configuration.warmupSteps = min(configuration.warmupSteps, max(steps / 10, 1))
        let manifestPath = trainingData.manifest
        let manifest = try TrainingManifest(contentsOf: manifestPath)
        // Off unless asked for: training with the links was measured and not kept (model card, Ablations).
        let links = try SameSourceLinks.named(sameSource ?? "none", manifest: manifest, manifestPath: manifestPath)
        configuration.sameSourceLinks = links.digest
        // Checkpoints go beside --out from the first one on: make its folder now, not after the first steps.
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: out).deletingLastPathComponent(), withIntermediateDirectories: true)
        let startingWeights = try initialWeights.map(TwinDetector.weights(contentsOf:))
        if let startingWeights {
            configuration.initialWeights =
                startingWeights.metadata["whole_model_id"] ?? startingWeights.metadata["model_id"]
                ?? TwinDetector.modelID(for: startingWeights, version: "unknown")
        }
        var run = TrainingRun(
            configuration: configuration, manifest: manifest, imagesFolder: trainingData.data, outputPath: out)
        run.initialWeights = startingWeights
        run.sameSource = links
        run.cacheFolder = trainingData.cacheFolder
        run.resume = resume
        run.windows = windows == 0 ? nil : matching.grid(perAxis: windows, side: WindowMatching.shippedGrid.side)
        run.windowPenalty = matching.windowPenalty
        run.alignedWindowPenalty = matching.alignedPenalty
        run.hashComparison = matching.comparison
        run.commandLine = (["twindup"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let log: (String) -> Void = { line in
            let stamp = ISO8601DateFormatter().string(from: Date())
            // Written straight to the descriptor so progress shows at once when redirected to a log file.
            FileHandle.standardOutput.write(Data("\(stamp) \(line)\n".utf8))
        }
        if let feedback {
            let loaded = try DismissedPairPictures.load(from: try IndexStore(existingAt: feedback))
            for skipped in loaded.skipped {
                FileHandle.standardError.write(Data("twindup: warning: \(skipped)\n".utf8))
            }
            log("read \(loaded.feedback.pairs.count) dismissed pairs from \(feedback)")
            run.feedback = loaded.feedback
        }
        if finishFromBest {
            try run.finishFromBest(log: log)
        } else {
            try run.run(log: log)
        }
    }
}

extension TrainingConfiguration.LossKind: ExpressibleByArgument {}
extension TrainingConfiguration.HeadKind: ExpressibleByArgument {}
