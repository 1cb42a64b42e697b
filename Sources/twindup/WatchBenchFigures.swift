import Foundation

/// What `twindup bench watch` measured, as printed and as written by `--json`.
struct WatchBenchFigures: Encodable {
    struct Options: Encodable {
        var picture: String
        var pictureWidth: Int
        var pictureHeight: Int
        var idleFiles: Int
        var loadRate: Double
        var loadSeconds: Double
        var count: Int
        var indexed: Int
        var idleSeconds: Double
        var settle: Double
        var cores: Int
        var model: String
        var threshold: Double
    }

    /// Close-to-report latency of one phase, in milliseconds.
    struct Latency: Encodable {
        var files: Int
        /// Files whose first line is `near_duplicate`.
        var flagged: Int
        /// Files whose first line is another finding (`exact_duplicate`, `decode_error`).
        var otherFindings: Int
        /// Files with no line at all when the bench stopped waiting.
        var missing: Int
        var p50: Double
        var p99: Double
        var max: Double
        /// For the paced phase: files per second actually written (first to last close).
        var writtenPerSecond: Double?

        init(files: Int, findings: [ReportFollower.Finding?], closes: [Double], writtenPerSecond: Double? = nil) {
            self.files = files
            flagged = findings.filter { $0?.event == "near_duplicate" }.count
            otherFindings = findings.filter { $0 != nil && $0?.event != "near_duplicate" }.count
            missing = findings.filter { $0 == nil }.count
            let latencies = zip(findings, closes).compactMap { finding, close in
                finding.map { Double($0.milliseconds) - close }
            }
            p50 = BenchIndexCommand.percentile(latencies, 50)
            p99 = BenchIndexCommand.percentile(latencies, 99)
            max = latencies.max() ?? .nan
            self.writtenPerSecond = writtenPerSecond
        }
    }

    struct Throughput: Encodable {
        var files: Int
        var flagged: Int
        var missing: Int
        /// First close to the last report line about the files.
        var daemonSeconds: Double
        var daemonFilesPerSecond: Double
        /// `twindup scan` of the same files into a fresh index (holding only the original).
        var scanSeconds: Double
        var scanFilesPerSecond: Double
        var daemonToScan: Double
    }

    struct Memory: Encodable {
        var residentEmptyBytes: Int
        var residentIndexedBytes: Int
        var indexedRows: Int
        var bytesPerIndexedPicture: Double
        /// Launch to the start-up rescan line, for the empty and the large index.
        var startupEmptySeconds: Double
        var startupIndexedSeconds: Double
    }

    struct IdleCPU: Encodable {
        var seconds: Double
        var cpuSeconds: Double
        var percentOfOneCore: Double
        /// Whether start-up had settled (no CPU used for a second) before the window.
        var settledBefore: Bool
    }

    var options: Options
    var variantsMadeSeconds: Double
    var variantAverageBytes: Double
    var strongestVariantProbability: Double
    var idleCPU: IdleCPU
    var idle: Latency
    var load: Latency
    var throughput: Throughput
    var memory: Memory
    /// Rescans other than at start-up (events lost, `queue_overflow`): files found by one skew the latencies.
    var unexpectedRescans: Int
    var exitStatusEmpty: Int32?
    var exitStatusIndexed: Int32?

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
