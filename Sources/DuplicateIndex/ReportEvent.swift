import Foundation

/// One line of the report log, with the field names the design promises.
public struct ReportEvent: Sendable {
    public enum Kind: String, Sendable {
        case nearDuplicate = "near_duplicate"
        case exactDuplicate = "exact_duplicate"
        case decodeError = "decode_error"
        case started, stopped, rescan
    }

    public var time: Date
    public var kind: Kind
    public var path: RawPath?
    public var match: RawPath?
    public var probability: Double?
    public var threshold: Double?
    public var model: String?
    /// For `decode_error`: the cause.
    public var error: String?
    /// For `rescan`: why (`queue_overflow`, `startup`).
    public var reason: String?

    public init(
        kind: Kind, time: Date = Date(), path: RawPath? = nil, match: RawPath? = nil, probability: Double? = nil,
        threshold: Double? = nil, model: String? = nil, error: String? = nil, reason: String? = nil
    ) {
        self.time = time
        self.kind = kind
        self.path = path
        self.match = match
        self.probability = probability
        self.threshold = threshold
        self.model = model
        self.error = error
        self.reason = reason
    }

    /// The event as one line of JSON, without the newline: fields in a fixed order, absent ones left out.
    public var jsonLine: String {
        var fields = ["\"ts\":\(JSONText.quoted(Self.timestamp(time)))", "\"event\":\"\(kind.rawValue)\""]
        if let path { fields += Self.pathFields("path", path) }
        if let match { fields += Self.pathFields("match", match) }
        if let probability { fields.append("\"probability\":\(Self.number(probability))") }
        if let threshold { fields.append("\"threshold\":\(Self.number(threshold))") }
        if let model { fields.append("\"model\":\(JSONText.quoted(model))") }
        if let error { fields.append("\"error\":\(JSONText.quoted(error))") }
        if let reason { fields.append("\"reason\":\(JSONText.quoted(reason))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `"path":"…"`, and for a name that is not UTF-8 (shown with U+FFFD) also `"path_bytes":"<base64>"`, its
    /// exact bytes.
    static func pathFields(_ name: String, _ path: RawPath) -> [String] {
        var fields = ["\"\(name)\":\(JSONText.quoted(bytes: path.bytes))"]
        if !JSONText.isUTF8(path.bytes) {
            fields.append("\"\(name)_bytes\":\"\(Data(path.bytes).base64EncodedString())\"")
        }
        return fields
    }

    /// UTC, ISO 8601 with milliseconds and `Z`: `2026-11-23T10:15:02.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "1970-01-01T00:00:00.000Z" }
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
            Int(milliseconds - milliseconds.floorDivided(by: 1000) * 1000))
    }

    /// Probabilities to six decimals, written in their shortest form (`0.993`, `1.0`); JSON has no NaN.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return ((value * 1_000_000).rounded() / 1_000_000).description
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
