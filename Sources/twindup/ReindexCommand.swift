import ArgumentParser
import DuplicateIndex
import Foundation

struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Re-embed every indexed file with the current model (needed after the model changes).",
        discussion: "Files gone since they were indexed are removed. If interrupted, run it again.")

    @Option(help: "Probability at or above which two pictures are near-duplicates (default: the model's).")
    var threshold: Double?

    @Option(help: "Append findings to this JSON Lines report log.")
    var report: String?

    @OptionGroup var indexOptions: IndexOptions

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw ValidationError("--threshold must be a probability strictly between 0 and 1")
        }
    }

    func run() async throws {
        let index = try IndexLocation.open(index: indexOptions.index, model: indexOptions.model, adoptingModel: true)
        let cutoff = threshold ?? index.detector.defaultThreshold
        let log = try report.map { try ReportLog(path: $0) }
        var display = ProgressDisplay()
        let summary = try index.reindex(options: ScanOptions(threshold: cutoff), report: log) { display.show($0) }
        let groups = try index.duplicateGroups(under: [RawPath("/")], threshold: cutoff)
        print(ScanOutput.render(groups: groups, summary: summary, threshold: cutoff, format: .text))
    }
}
