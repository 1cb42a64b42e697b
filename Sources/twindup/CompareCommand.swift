import ArgumentParser
import DuplicateIndex
import Foundation
import ImageIO
import TwinModel

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print the probability that two pictures are near-duplicates, and the verdict.",
        discussion: """
            For a near-duplicate, a second line says which picture to keep and why: the larger resolution, then \
            the larger file at the same resolution (less compression), then the older modification time (the \
            original).

            Example:
              twindup compare holiday.jpg holiday-small.jpg
              probability 0.973 near-duplicate
              keep holiday.jpg: larger resolution (1024×768 against 512×384); delete holiday-small.jpg
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
        let side = detector.minimumDecodeSide
        let images = [
            try decoder.decode(fileAt: first, minimumShortSide: side),
            try decoder.decode(fileAt: second, minimumShortSide: side),
        ]
        let embeddings = try detector.windowedEmbeddings(
            of: images, windows: detector.windowMatching?.grid, hashes: detector.windowMatching?.hashComparison != nil,
            threads: ProcessInfoCores.active)
        let probability = detector.probability(embeddings[0], embeddings[1])
        let cutoff = threshold ?? detector.defaultThreshold
        let duplicate = probability >= cutoff
        let suggestion = duplicate ? Self.keepSuggestion(first, images[0], second, images[1]) : nil
        switch format {
        case .text:
            print("probability \(ProbabilityText.format(probability)) \(duplicate ? "near-duplicate" : "distinct")")
            if let suggestion { print(suggestion.line) }
        case .json:
            var fields = [
                "\"probability\":\(ProbabilityText.format(probability))", "\"duplicate\":\(duplicate)",
                // Exact, not rounded for reading: a script compares probabilities against it.
                "\"threshold\":\(cutoff)",
            ]
            if let suggestion {
                fields += [
                    "\"keep\":\(JSONText.quoted(bytes: suggestion.keep.path.bytes))",
                    "\"delete\":\(JSONText.quoted(bytes: suggestion.delete.path.bytes))",
                    "\"reason\":\(JSONText.quoted(suggestion.explanation))",
                ]
            }
            print("{" + fields.joined(separator: ",") + "}")
        }
    }

    /// Which of the two files to keep, from their full resolution and what `stat` says (nil if one vanished).
    static func keepSuggestion(
        _ first: String, _ firstImage: Image, _ second: String, _ secondImage: Image
    )
        -> KeepSuggestion?
    {
        func picture(_ path: String, _ image: Image) -> KeepSuggestion.Picture? {
            let resolved = (try? RawPath.canonical(path)) ?? RawPath(path)
            guard let identity = FileIdentity.ofRegularFile(at: resolved) else { return nil }
            return KeepSuggestion.Picture(
                path: RawPath(path), width: image.originalWidth, height: image.originalHeight, bytes: identity.size,
                modificationTime: identity.modificationTime)
        }
        guard let one = picture(first, firstImage), let other = picture(second, secondImage) else { return nil }
        return KeepSuggestion(one, other)
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
