import ArgumentParser
import Foundation
import TwinModel

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the model and the perceptual-hash baselines on a fixed benchmark from the test split.",
        discussion: """
            Every test picture gives one edited copy per edit kind. Near-duplicate pairs are a picture and its \
            edited copies; distinct pairs are every picture against every edited copy of every other group, except \
            pictures linked as one source (--same-source). \
            Prints ROC-AUC, average precision, recall at precision 0.99 and 0.999 overall and per edit kind, and \
            the calibration error of the model's probabilities; writes the same as JSON and the precision–recall \
            curves as SVG.
            """
    )

    @OptionGroup var trainingData: TrainingDataOptions

    @Option(
        help: """
            Links between pictures of different groups that show one source, whose pairs are left out \
            (default: same-source.tsv beside the manifest, if any); none keeps them as distinct pairs.
            """)
    var sameSource: String?

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Split to evaluate on.")
    var split: String = "test"

    @Option(help: "Benchmark seed; keep the default to compare with published figures.")
    var seed: UInt64 = 2026

    @Option(help: "Write the report as JSON here.")
    var json: String?

    @Option(help: "Write the precision–recall chart (SVG) here.")
    var chart: String?

    @Option(help: "Also list the model's N highest-scored distinct pairs and N lowest-scored near-duplicate pairs.")
    var hardest: Int = 0

    @Option(
        help: """
            Also embed an N×N grid of windows of every picture, and score a pair by the closest of whole against \
            whole and whole against a window of the other, with the head's whole-picture calibration (0: whole \
            pictures only; default: the model's own window matching, with its calibration, as the index matches).
            """)
    var windows: Int?

    @Option(help: "Each window's width and height as a fraction of the picture's (with --windows).")
    var windowSide: Double = 0.8

    @Option(help: "The network input side windows are squashed to (with --windows; default: the model's).")
    var windowInputSide: Int?

    @Flag(help: "With --windows N: one more window, the picture's content inside its uniform borders.")
    var contentWindow = false

    @Flag(help: "With --windows N: one more window, the whole picture mirrored left to right.")
    var mirrorWindow = false

    @Option(help: "With --windows N: added to every distance through a window (default 0).")
    var windowPenalty: Float?

    @Option(
        help: "With --windows N: added to the distance between two windows at the same place (default: not compared).")
    var alignedWindowPenalty: Float?

    @Option(
        help: """
            With --windows N: score the benchmark at each of these window penalties (comma-separated), print one \
            line of ranking figures each and nothing else.
            """)
    var windowPenalties: String?

    @Option(
        help:
            "With --window-penalties: also match each window against the other's window at the same place, at these penalties."
    )
    var alignedWindowPenalties: String?

    @Option(
        help: """
            With --windows N: also compare pictures by their PDQ-style hashes, two with identical hashes at this \
            distance (with --hash-scale).
            """)
    var hashOffset: Float?

    @Option(help: "With --hash-offset: the distance each differing hash bit adds.")
    var hashScale: Float?

    @Option(
        help: """
            With --window-penalties: also score a hash comparison for each of these cuts (comma-separated bits): \
            hashes that many bits apart at the matching's radius for precision 0.99.
            """)
    var hashCuts: String?

    @Option(help: "With --hash-cuts: the distance per hash bit (comma-separated; default 0.1).")
    var hashScales: String?

    @Option(help: "Threads.")
    var threads: Int = 2

    func run() async throws {
        guard let chosenSplit = TrainingManifest.Split(rawValue: split) else {
            throw ValidationError("--split must be train, validation or test")
        }
        guard hardest >= 0 else { throw ValidationError("--hardest must be 0 or more") }
        guard windows.map({ (0...5).contains($0) }) ?? true else { throw ValidationError("--windows must be 0 to 5") }
        guard windowSide > 0.2 && windowSide < 1 else {
            throw ValidationError("--window-side must be above 0.2 and below 1")
        }
        guard windowPenalty.map({ $0 >= 0 && $0.isFinite }) ?? true else {
            throw ValidationError("--window-penalty must be a distance of 0 or more")
        }
        guard alignedWindowPenalty.map({ $0 >= 0 && !$0.isNaN }) ?? true else {
            throw ValidationError("--aligned-window-penalty must be a distance of 0 or more, or inf")
        }
        guard (hashOffset == nil) == (hashScale == nil), hashScale.map({ $0 > 0 && $0.isFinite }) ?? true,
            hashOffset.map(\.isFinite) ?? true
        else { throw ValidationError("--hash-offset and --hash-scale go together; the scale must be above 0") }
        guard windowInputSide.map({ (16...512).contains($0) }) ?? true else {
            throw ValidationError("--window-input-side must be 16 to 512")
        }
        // An explicit grid (or none) is scored with the whole-picture head; by default the model matches as it ships.
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model), usingWindows: windows == nil)
        let grid = windows.flatMap {
            $0 == 0
                ? nil
                : WindowGrid(
                    perAxis: $0, side: windowSide, inputSide: windowInputSide, contentWindow: contentWindow,
                    mirrorWindow: mirrorWindow)
        }
        let pictures = try trainingData.pictures(chosenSplit, sameSource: sameSource, threads: threads)
        if let windowPenalties {
            guard let grid else { throw ValidationError("--window-penalties needs --windows N") }
            func distances(_ list: String, option: String) throws -> [Float] {
                try list.split(separator: ",").map { text in
                    guard let value = Float(text), value >= 0 else {
                        throw ValidationError("--\(option): \(text) is not a distance ≥ 0")
                    }
                    return value
                }
            }
            let penalties = try distances(windowPenalties, option: "window-penalties")
            let aligned = try distances(alignedWindowPenalties ?? "inf", option: "aligned-window-penalties")
            for line in try EvaluationReport.penaltySweep(
                detector: detector, pictures: pictures, seed: seed, threads: threads, windows: grid,
                penalties: penalties, alignedPenalties: aligned,
                hashCuts: try (hashCuts ?? "").split(separator: ",").map {
                    guard let cut = Int($0), cut >= 0 else {
                        throw ValidationError("--hash-cuts: \($0) is not a number of bits")
                    }
                    return cut
                },
                hashScales: try distances(hashScales ?? "0.1", option: "hash-scales").map {
                    guard $0 > 0 && $0.isFinite else { throw ValidationError("--hash-scales must be above 0") }
                    return $0
                })
            {
                print(line)
            }
            return
        }
        let report = try EvaluationReport.run(
            detector: detector, pictures: pictures, seed: seed, threads: threads, hardest: hardest,
            windows: grid ?? detector.windowMatching?.grid, windowPenalty: grid == nil ? nil : (windowPenalty ?? 0),
            alignedWindowPenalty: grid == nil ? nil : (alignedWindowPenalty ?? .infinity),
            hashComparison: grid == nil ? detector.windowMatching?.hashComparison : explicitHashComparison)
        print(report.table)
        if let json { try report.json.write(toFile: json, atomically: true, encoding: .utf8) }
        if let chart { try report.chart.write(toFile: chart, atomically: true, encoding: .utf8) }
    }

    /// `--hash-offset` and `--hash-scale` as a comparison.
    var explicitHashComparison: HashComparison? {
        guard let hashOffset, let hashScale else { return nil }
        return HashComparison(offset: hashOffset, scale: hashScale)
    }
}

/// Where the model comes from: an explicit path, or the shipped model.
enum ModelLocation {
    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        guard let path = TwinDetector.defaultModelPath() else {
            throw ValidationError(
                "no model found: pass --model FILE or set TWINDUP_MODEL (the shipped model is installed beside the twindup binary)"
            )
        }
        return path
    }

}
