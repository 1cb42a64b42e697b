import ArgumentParser
import Foundation
import NeuralNet
import TwinModel

struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a model's window matching on the validation split and write the model with it.",
        discussion: """
            With window matching every picture is also embedded as an N×N grid of windows, and a pair is scored by \
            the closest of whole against whole and whole against a window of the other: a crop then meets the part \
            of the original it shows. The closest distance gets its own calibration and default threshold, fitted \
            here on validation pairs exactly as training fits the head; the weights are not changed. The written \
            model has a new model id (indexes re-embed with `twindup reindex`). --windows 0 writes the model \
            without window matching.

            Example (the shipped model's window matching):
              twindup calibrate --data ~/.cache/twindup/training-data/images --windows 3 --out twindup.safetensors
            """
    )

    @OptionGroup var trainingData: TrainingDataOptions

    @Option(
        help: """
            Links between pictures of different groups that show one source, never calibrated as distinct; \
            default none, as `twindup train` calibrates.
            """)
    var sameSource: String = "none"

    @Option(help: "Model file to start from (default: the shipped model).")
    var model: String?

    @Option(help: "Windows per axis (0: no window matching).")
    var windows: Int = WindowMatching.shippedGrid.perAxis

    @Option(help: "Each window's width and height as a fraction of the picture's.")
    var windowSide: Double = WindowMatching.shippedGrid.side

    @OptionGroup var matching: WindowMatchingOptions

    @Option(help: "Seed of the validation benchmark, the negative sample and the threshold's resamples.")
    var seed: UInt64 = 1

    @Option(help: "Write the model file here.")
    var out: String

    @Option(help: "Threads.")
    var threads: Int = 2

    func validate() throws {
        guard (0...5).contains(windows) else { throw ValidationError("--windows must be 0 to 5") }
        guard windowSide > 0.2 && windowSide < 1 else {
            throw ValidationError("--window-side must be above 0.2 and below 1")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let modelPath = try ModelLocation.resolve(model)
        let weights = try TwinDetector.weights(contentsOf: modelPath)
        let detector = try TwinDetector(weights: weights, source: modelPath, usingWindows: false)
        guard windows > 0 else {
            let updated = WindowCalibration.applying(nil, to: weights, result: nil)
            try updated.write(to: URL(fileURLWithPath: out))
            print("wrote \(out) (\(updated.metadata["model_id"] ?? "?")): whole pictures only")
            return
        }
        let validation = try trainingData.pictures(.validation, sameSource: sameSource, threads: threads)
        let grid = matching.grid(perAxis: windows, side: windowSide)
        let result = try WindowCalibration.fit(
            detector: detector, validation: validation, grid: grid, penalty: matching.windowPenalty,
            alignedPenalty: matching.alignedPenalty, hashComparison: matching.comparison, seed: seed,
            threads: threads)
        let updated = WindowCalibration.applying(result.matching, to: weights, result: result)
        try updated.write(to: URL(fileURLWithPath: out))
        print(result.line(grid: grid))
        print("wrote \(out) (\(updated.metadata["model_id"] ?? "?"))")
    }
}
