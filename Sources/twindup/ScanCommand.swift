import ArgumentParser
import DuplicateIndex
import Foundation

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Index the pictures under folders and report their exact and near duplicates.",
        discussion: """
            Walks each folder (symbolic links are not followed), reads new and changed PNG and JPEG files, and \
            compares each with everything indexed: first by content hash (exact duplicates), then by embedding. \
            Files unchanged since the last scan (same device, inode, size and modification time) are not read; \
            files gone from the folders leave the index. Findings are appended to --report as JSON Lines; then the \
            groups of duplicates under the folders and a summary are printed.

            Example:
              twindup scan ~/Pictures /srv/photos --report ~/twindup-report.jsonl
            """
    )

    enum OutputFormat: String, ExpressibleByArgument {
        case text, json
    }

    @Argument(help: "Folders (or files) to scan.")
    var folders: [String]

    @Option(help: "Probability at or above which two pictures are near-duplicates (default: the model's).")
    var threshold: Double?

    @Option(help: "Append findings to this JSON Lines report log.")
    var report: String?

    @OptionGroup var indexOptions: IndexOptions

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    @Option(help: "Threads reading and decoding (default: all cores).")
    var workers: Int?

    func validate() throws {
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw ValidationError("--threshold must be a probability strictly between 0 and 1")
        }
        if folders.isEmpty { throw ValidationError("name at least one folder to scan") }
    }

    func run() async throws {
        let index = try IndexLocation.open(index: indexOptions.index, model: indexOptions.model)
        let cutoff = threshold ?? index.detector.defaultThreshold
        var options = ScanOptions(threshold: cutoff)
        if let workers { options.workers = workers }
        let log = try report.map { try ReportLog(path: $0) }
        var display = ProgressDisplay()
        let summary = try index.scan(folders, options: options, report: log) { display.show($0) }
        for problem in summary.walkProblems { FileHandle.standardError.write(Data("twindup: \(problem)\n".utf8)) }
        let roots = folders.compactMap { try? RawPath.canonical($0) }
        let groups = try index.duplicateGroups(under: roots, threshold: cutoff)
        print(ScanOutput.render(groups: groups, summary: summary, threshold: cutoff, format: format))
    }
}

/// The groups and summary that `scan` and `reindex` print.
enum ScanOutput {
    static func render(
        groups: [[RawPath]], summary: ScanSummary, threshold: Double, format: ScanCommand.OutputFormat
    ) -> String {
        switch format {
        case .text:
            var lines: [String] = []
            for (number, group) in groups.enumerated() {
                lines.append("group \(number + 1) (\(group.count) files):")
                lines += group.map { "  \($0)" }
            }
            lines.append(
                "\(summary.found) files: \(summary.unchanged) unchanged, \(summary.added) new, \(summary.changed) "
                    + "changed, \(summary.removed) removed; \(summary.decoded) decoded, \(summary.decodeErrors) "
                    + "errors; \(summary.exactDuplicates) exact and \(summary.nearDuplicates) near duplicates "
                    + "found; \(groups.count) groups at p ≥ \(threshold); "
                    + String(format: "%.1f s", summary.seconds))
            return lines.joined(separator: "\n")
        case .json:
            let groupsJSON = groups.map {
                "[" + $0.map { JSONText.quoted(bytes: $0.bytes) }.joined(separator: ",") + "]"
            }
            let fields = [
                "\"found\":\(summary.found)", "\"unchanged\":\(summary.unchanged)", "\"new\":\(summary.added)",
                "\"changed\":\(summary.changed)", "\"removed\":\(summary.removed)", "\"decoded\":\(summary.decoded)",
                "\"decode_errors\":\(summary.decodeErrors)", "\"exact_duplicates\":\(summary.exactDuplicates)",
                "\"near_duplicates\":\(summary.nearDuplicates)", "\"threshold\":\(threshold)",
                "\"seconds\":\(String(format: "%.3f", summary.seconds))",
            ]
            return "{\"groups\":[\(groupsJSON.joined(separator: ","))],\"summary\":{\(fields.joined(separator: ","))}}"
        }
    }
}
