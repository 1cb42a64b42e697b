import ArgumentParser
import Foundation

/// Follows a report log as the daemon appends to it, the way a log shipper would: reads only what was added since
/// the last look, and keeps, per path, the time and kind of the first finding about it.
final class ReportFollower {
    struct Finding {
        /// `ts` of the line, in milliseconds since 1970 (the report writes whole milliseconds).
        var milliseconds: Int64
        var event: String
    }

    let path: String
    private var offset: UInt64 = 0
    private var partialLine: [UInt8] = []
    /// The first finding (near_duplicate, exact_duplicate, decode_error) about each path.
    private(set) var findings: [String: Finding] = [:]
    /// The last line's time for each path (a file with several matches gets several lines).
    private(set) var lastLineMilliseconds: [String: Int64] = [:]
    /// `reason` of every `rescan` line, and every other event, in order.
    private(set) var otherEvents: [(event: String, reason: String?, milliseconds: Int64?)] = []
    private(set) var lineCount = 0

    init(path: String) {
        self.path = path
    }

    /// Reads the lines added since the last call.
    func poll() throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        guard let data = try handle.readToEnd(), !data.isEmpty else { return }
        offset += UInt64(data.count)
        var bytes = partialLine + [UInt8](data)
        // A line still being written waits for its newline.
        if let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            partialLine = Array(bytes[(lastNewline + 1)...])
            bytes.removeSubrange((lastNewline + 1)...)
        } else {
            partialLine = bytes
            return
        }
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let event = object["event"] as? String
            else {
                throw ValidationError("\(path): not a JSON report line: \(String(decoding: line, as: UTF8.self))")
            }
            lineCount += 1
            let time = (object["ts"] as? String).flatMap(Self.milliseconds(fromTimestamp:))
            if ["near_duplicate", "exact_duplicate", "decode_error"].contains(event),
                let file = object["path"] as? String
            {
                guard let time else { throw ValidationError("\(path): a finding without a readable ts") }
                if findings[file] == nil { findings[file] = Finding(milliseconds: time, event: event) }
                lastLineMilliseconds[file] = max(lastLineMilliseconds[file] ?? time, time)
            } else {
                otherEvents.append((event, object["reason"] as? String, time))
            }
        }
    }

    /// Polls every `interval` seconds until `condition` holds; gives up after `timeout` seconds without a new line.
    /// Returns whether the condition held.
    func wait(interval: Double = 0.005, timeout: Double, until condition: (ReportFollower) -> Bool) throws -> Bool {
        var lastProgress = Date()
        var seen = lineCount
        while true {
            try poll()
            if condition(self) { return true }
            if lineCount != seen {
                seen = lineCount
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > timeout {
                return false
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// `2026-11-23T10:15:02.123Z` as milliseconds since 1970.
    static func milliseconds(fromTimestamp text: String) -> Int64? {
        let parts = text.split { "-T:.Z".contains($0) }.map { Int($0) }
        guard parts.count == 7, text.hasSuffix("Z"), parts.allSatisfy({ $0 != nil }) else { return nil }
        var fields = tm()
        fields.tm_year = Int32(parts[0]! - 1900)
        fields.tm_mon = Int32(parts[1]! - 1)
        fields.tm_mday = Int32(parts[2]!)
        fields.tm_hour = Int32(parts[3]!)
        fields.tm_min = Int32(parts[4]!)
        fields.tm_sec = Int32(parts[5]!)
        let seconds = timegm(&fields)
        guard seconds != -1 else { return nil }
        return Int64(seconds) * 1000 + Int64(parts[6]!)
    }
}
