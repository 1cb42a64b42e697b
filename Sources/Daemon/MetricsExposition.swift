import Foundation

/// Builds Prometheus's text exposition format, version 0.0.4: for each metric family a `# HELP` and a `# TYPE`
/// line, then its samples, one per line, `name{label="value",...} number`.
struct MetricsExposition {
    enum Kind: String {
        case counter, gauge, histogram
    }

    /// The media type of the format, as served over HTTP.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    /// Starts a family; its samples follow.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escapedHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.key)=\"\(Self.escapedLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " \(Self.number(value))\n"
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: Int) {
        sample(name, labels: labels, Double(value))
    }

    /// A family of one sample without labels.
    mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        family(name, kind, help: help)
        sample(name, value)
    }

    mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Int) {
        single(name, kind, help: help, Double(value))
    }

    /// A histogram: cumulative `_bucket` samples with `le`, ending with `+Inf`, then `_sum` and `_count`.
    mutating func histogram(_ name: String, help: String, _ snapshot: LatencyHistogram.Snapshot) {
        family(name, .histogram, help: help)
        for (bound, count) in zip(snapshot.bounds, snapshot.cumulativeCounts) {
            sample(name + "_bucket", labels: ["le": Self.number(bound)], count)
        }
        sample(name + "_bucket", labels: ["le": "+Inf"], snapshot.count)
        sample(name + "_sum", snapshot.sum)
        sample(name + "_count", snapshot.count)
    }

    /// A number as Prometheus (Go's ParseFloat) reads it: whole numbers without a fraction, `+Inf`, `-Inf`, `NaN`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A `# HELP` text: backslash and line feed escaped.
    static func escapedHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A label value: backslash, double quote and line feed escaped.
    static func escapedLabel(_ text: String) -> String {
        escapedHelp(text).replacingOccurrences(of: "\"", with: "\\\"")
    }
}
