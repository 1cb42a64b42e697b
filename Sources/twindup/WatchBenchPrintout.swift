import Foundation

/// `twindup bench watch`'s figures in words, each line saying what was measured.
struct WatchBenchPrintout {
    var figures: WatchBenchFigures
    var indexBuildSeconds: Double

    var text: String {
        let cpu = figures.idleCPU
        let memory = figures.memory
        let throughput = figures.throughput
        let ticks = 1 / Double(sysconf(Int32(_SC_CLK_TCK)))
        var lines: [String] = []
        lines.append(
            String(
                format: "idle CPU:            %.2f%% of one core (%.2f s of CPU in %.1f s after start-up%@; "
                    + "/proc counts %.0f ms ticks)",
                cpu.percentOfOneCore, cpu.cpuSeconds, cpu.seconds,
                cpu.settledBefore ? " went quiet" : ", which never went quiet", ticks * 1000))
        lines.append(latencyLine("latency idle:        ", figures.idle, how: "one at a time, each line awaited"))
        lines.append(
            latencyLine(
                "latency under load:  ", figures.load,
                how: String(format: "written at %.1f files/s", figures.load.writtenPerSecond ?? .nan)))
        lines.append(
            String(
                format: "throughput:          %.1f files/s (%d files written at once, %.1f s from the first close to "
                    + "the last line; %d flagged, %d missing)",
                throughput.daemonFilesPerSecond, throughput.files, throughput.daemonSeconds, throughput.flagged,
                throughput.missing))
        lines.append(
            String(
                format: "twindup scan:        %.1f files/s (the same files, fresh index, %.1f s)",
                throughput.scanFilesPerSecond, throughput.scanSeconds))
        lines.append(String(format: "watch / scan:        %.2f", throughput.daemonToScan))
        lines.append(
            String(
                format: "resident memory:     %.1f MB idle with an empty index, %.1f MB with %d indexed: %.0f bytes "
                    + "per indexed picture",
                Double(memory.residentEmptyBytes) / 1e6, Double(memory.residentIndexedBytes) / 1e6,
                memory.indexedRows, memory.bytesPerIndexedPicture))
        lines.append(
            String(
                format: "start-up:            %.2f s with an empty index, %.2f s with %d indexed (launch to the "
                    + "start-up rescan line; that index was written in %.1f s beforehand)",
                memory.startupEmptySeconds, memory.startupIndexedSeconds, memory.indexedRows, indexBuildSeconds))
        if figures.unexpectedRescans > 0 {
            lines.append("rescans:             \(figures.unexpectedRescans) besides start-up (events were lost)")
        }
        lines.append(
            "SIGTERM:             exit status \(describe(figures.exitStatusEmpty)) (first daemon), "
                + "\(describe(figures.exitStatusIndexed)) (large index)")
        lines.append(
            """
            Latency is ts(line) − close time, both CLOCK_REALTIME; ts has whole milliseconds. Under load, files \
            queue when they come faster than the daemon reads them, and latency grows by the wait. watch / scan \
            below 1 is what watching costs over scanning the same files (inotify, batches only as large as the \
            events waiting, commits every 64 files or 0.5 s).
            """)
        return lines.joined(separator: "\n")
    }

    private func latencyLine(_ label: String, _ latency: WatchBenchFigures.Latency, how: String) -> String {
        var line = String(
            format: "%@p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d files, %@; %d flagged", label, latency.p50,
            latency.p99, latency.max, latency.files, how, latency.flagged)
        if latency.otherFindings > 0 { line += ", \(latency.otherFindings) other findings" }
        line += latency.missing > 0 ? ", \(latency.missing) MISSING: no line)" : ", none missing)"
        return line
    }

    private func describe(_ status: Int32?) -> String {
        guard let status else { return "none: still running 30 s after SIGTERM, killed" }
        return "\(status)"
    }
}
