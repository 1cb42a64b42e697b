import DuplicateIndex
import Foundation

/// What `twindup watch` tells Prometheus: everything is read from atomics and short locks of the parts that keep
/// it, so rendering never waits for the indexer, whatever it is doing.
struct DaemonMetrics: Sendable {
    let counters: DaemonCounters
    let queue: EventQueue
    let engine: IndexingEngine
    let report: ReportLog
    /// Seconds since the Unix epoch at which the process started.
    let startTime: Double
    let modelID: String

    init(counters: DaemonCounters, queue: EventQueue, engine: IndexingEngine, report: ReportLog) {
        self.counters = counters
        self.queue = queue
        self.engine = engine
        self.report = report
        modelID = engine.modelID
        startTime = Self.processStartTime() ?? Date().timeIntervalSince1970
    }

    /// The program's version, as the model ids it trains carry it.
    static let programVersion = "1.0"

    /// The metrics in the text exposition format.
    func exposition() -> String {
        var out = MetricsExposition()
        out.single(
            "twindup_files_seen_total", .counter,
            help: "Picture files the indexer set out to read: ready files from inotify, new or changed files found "
                + "by rescans.", counters.filesSeen.load(ordering: .relaxed))
        out.single(
            "twindup_files_indexed_total", .counter,
            help: "Files committed to the index: new and changed files, copies, files that failed to decode.",
            counters.filesIndexed.load(ordering: .relaxed))
        out.single(
            "twindup_exact_duplicates_total", .counter,
            help: "exact_duplicate lines written to the report log.", report.linesWritten(.exactDuplicate))
        out.single(
            "twindup_near_duplicates_total", .counter,
            help: "near_duplicate lines written to the report log (one per pair).",
            report.linesWritten(.nearDuplicate))
        out.single(
            "twindup_decode_errors_total", .counter,
            help: "decode_error lines written to the report log.", report.linesWritten(.decodeError))
        out.family("twindup_rescans_total", .counter, help: "Full rescans run, by reason.")
        for (reason, count) in counters.rescans.sorted(by: { $0.key < $1.key }) {
            out.sample("twindup_rescans_total", labels: ["reason": reason], count)
        }
        out.single(
            "twindup_files_removed_total", .counter,
            help: "Index rows removed: files deleted, moved out of the watched folders or found gone by a rescan.",
            counters.removed.load(ordering: .relaxed))
        out.single(
            "twindup_files_moved_total", .counter,
            help: "Index rows that followed a rename inside the watched folders.",
            counters.moved.load(ordering: .relaxed))
        out.single(
            "twindup_dropped_events_total", .counter,
            help: "Events dropped because the queue was full (each leads to a queue_overflow rescan).",
            counters.droppedEvents.load(ordering: .relaxed))
        out.single("twindup_queue_depth", .gauge, help: "Events waiting for the indexer.", queue.depth)
        out.single(
            "twindup_queue_capacity", .gauge, help: "Events the queue holds before events are dropped.", queue.capacity)
        out.histogram(
            "twindup_processing_latency_seconds",
            help: "Seconds from a file's inotify event (or the end of its settle time) to its commit in the index.",
            engine.latency.snapshot)
        out.single(
            "twindup_index_files", .gauge, help: "Files in the index, including those that failed to decode.",
            counters.indexFiles.load(ordering: .relaxed))
        out.single(
            "twindup_watched_folders", .gauge, help: "Folders watched with inotify.",
            counters.watchedFolders.load(ordering: .relaxed))
        out.single(
            "twindup_watch_limit_reached", .gauge,
            help: "1 when the inotify watch limit left folders unwatched (they are rescanned periodically).",
            counters.watchesIncomplete.load(ordering: .relaxed) ? 1 : 0)
        out.single(
            "twindup_near_duplicate_threshold", .gauge,
            help: "Probability at or above which a pair is reported as a near duplicate.", engine.threshold)
        out.single(
            "twindup_process_start_time_seconds", .gauge, help: "Start time of the process since the Unix epoch.",
            startTime)
        out.family("twindup_model_info", .gauge, help: "The model embedding the pictures.")
        out.sample("twindup_model_info", labels: ["model": modelID], 1)
        out.family("twindup_build_info", .gauge, help: "The twindup program.")
        out.sample("twindup_build_info", labels: ["version": Self.programVersion, "swift": Self.swiftVersion], 1)
        return out.text
    }

    /// The Swift compiler that built the program.
    static var swiftVersion: String {
        #if compiler(>=6.4)
        return "6.4+"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// The process's start from /proc (field 22 of /proc/self/stat, in clock ticks since boot, plus the boot time
    /// from /proc/stat), so that it is the same figure `ps` shows; nil where /proc does not say.
    private static func processStartTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")"),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootLine = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(bootLine.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        // Fields after the command name (which may hold spaces) start with field 3, the state.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        guard fields.count > 19, let ticks = Double(fields[19]), ticksPerSecond > 0 else { return nil }
        return boot + ticks / Double(ticksPerSecond)
    }
}
