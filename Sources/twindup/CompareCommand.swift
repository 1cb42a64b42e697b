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
            print("probability \(ProbabilityText.format(probability)) \(duplicate ? "near-duplicate" : "distinct")")
        case .json:
            print(
                "{\"probability\":\(ProbabilityText.format(probability)),\"duplicate\":\(duplicate),"
                    + "\"threshold\":\(ProbabilityText.format(cutoff))}")
        }
    }
}

/// Probabilities for people: three decimals, or as many as it takes (up to six) to tell a value close to 1 from
/// 1, since thresholds such as 0.9999 live there (`0.99993`, not `1.000`, for a pair just below it).
enum ProbabilityText {
    static func format(_ probability: Double) -> String {
        guard probability.isFinite else { return "null" }
        let gap = 1 - probability
        let decimals = gap > 0 && gap < 0.001 ? min(6, Int((-log10(gap)).rounded(.up)) + 1) : 3
        return String(format: "%.\(decimals)f", probability)
    }
}
