import ArgumentParser
import Foundation
import ImageIO
import TwinModel

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print the probability that two pictures are near-duplicates, and the verdict.",
        discussion: """
            Example:
              twindup compare holiday.jpg holiday-cropped.jpg
              probability 0.973 near-duplicate
            """
    )

    enum OutputFormat: String, ExpressibleByArgument {
        case text, json
    }

    @Argument(help: "The first picture (PNG or JPEG).")
    var first: String

    @Argument(help: "The second picture.")
    var second: String

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Probability at or above which the pair is a near-duplicate (default: the model's).")
    var threshold: Double?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw ValidationError("--threshold must be a probability strictly between 0 and 1")
        }
    }

    func run() async throws {
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model))
        let decoder = ImageDecoder()
        let side = detector.inputSide
        let embeddings = try detector.embed(inputs: [
            NetworkInput.preprocess(fileAt: first, side: side, decoder: decoder),
            NetworkInput.preprocess(fileAt: second, side: side, decoder: decoder),
        ])
        let probability = detector.probability(embeddings[0], embeddings[1])
        let cutoff = threshold ?? detector.defaultThreshold
        let duplicate = probability >= cutoff
        switch format {
        case .text:
            print(String(format: "probability %.3f %@", probability, duplicate ? "near-duplicate" : "distinct"))
        case .json:
            print(
                String(
                    format: "{\"probability\":%.3f,\"duplicate\":%@,\"threshold\":%.4g}", probability,
                    duplicate ? "true" : "false", cutoff))
        }
    }
}
