import Foundation

/// A strict reader of Prometheus's text exposition format 0.0.4, as the tests hold the daemon to it: every family
/// has one `# HELP` and one `# TYPE` before its samples, a family's samples are contiguous, names and labels are
/// well formed, label values correctly escaped, values numbers Go's ParseFloat reads, counters end in `_total`, and
/// histograms have increasing `le` bounds ending in `+Inf`, cumulative counts, and `_count` equal to `+Inf`.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String
        var samples: [Sample] = []
    }

    struct Invalid: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    private(set) var families: [String: Family] = [:]

    init(parsing text: String) throws {
        guard text.hasSuffix("\n") else { throw Invalid(line: 0, reason: "the text does not end with a line feed") }
        var current: String?
        var pendingHelp: (name: String, text: String)?
        for (offset, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            func fail(_ reason: String) -> Invalid { Invalid(line: number, reason: "\(reason): \(line)") }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                let name = String(rest.prefix { $0 != " " })
                guard Self.isMetricName(name), rest.count > name.count + 1 else { throw fail("malformed HELP") }
                guard families[name] == nil, pendingHelp == nil else { throw fail("a second HELP for \(name)") }
                let help = String(rest.dropFirst(name.count + 1))
                guard Self.isValidHelp(help) else { throw fail("bad escape in HELP") }
                pendingHelp = (name, help)
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, Self.isMetricName(parts[0]),
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1])
                else { throw fail("malformed TYPE") }
                guard families[parts[0]] == nil else { throw fail("a second TYPE for \(parts[0])") }
                guard let help = pendingHelp, help.name == parts[0] else { throw fail("TYPE without its HELP") }
                if parts[1] == "counter" && !parts[0].hasSuffix("_total") { throw fail("a counter not named _total") }
                families[parts[0]] = Family(name: parts[0], type: parts[1], help: help.text)
                pendingHelp = nil
                current = parts[0]
            } else if line.hasPrefix("#") {
                throw fail("a comment twindup does not write")
            } else {
                guard pendingHelp == nil else { throw fail("HELP without TYPE") }
                let sample = try Self.sample(String(line), line: number)
                guard let family = current, Self.belongs(sample.name, to: family, type: families[family]!.type) else {
                    throw fail("a sample outside its family (TYPE missing, or its family interrupted)")
                }
                families[family]!.samples.append(sample)
            }
        }
        for family in families.values where family.type == "histogram" {
            try Self.checkHistogram(family)
        }
    }

    /// The one sample of a family without labels (or with exactly these labels).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.values.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    private static func belongs(_ sample: String, to family: String, type: String) -> Bool {
        if sample == family { return true }
        guard type == "histogram" else { return false }
        return ["_bucket", "_sum", "_count"].contains { sample == family + $0 }
    }

    private static func sample(_ line: String, line number: Int) throws -> Sample {
        let characters = Array(line)
        var index = 0
        var name = ""
        while index < characters.count, characters[index] != "{", characters[index] != " " {
            name.append(characters[index])
            index += 1
        }
        guard isMetricName(name) else { throw Invalid(line: number, reason: "bad metric name: \(line)") }
        var labels: [String: String] = [:]
        if index < characters.count, characters[index] == "{" {
            index += 1
            while index < characters.count, characters[index] != "}" {
                var label = ""
                while index < characters.count, characters[index] != "=" {
                    label.append(characters[index])
                    index += 1
                }
                guard isLabelName(label), labels[label] == nil, index + 1 < characters.count,
                    characters[index + 1] == "\""
                else { throw Invalid(line: number, reason: "bad label: \(line)") }
                index += 2
                var value = ""
                while true {
                    guard index < characters.count else { throw Invalid(line: number, reason: "open label: \(line)") }
                    let character = characters[index]
                    index += 1
                    if character == "\"" { break }
                    if character == "\\" {
                        guard index < characters.count else { throw Invalid(line: number, reason: "bad escape") }
                        switch characters[index] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw Invalid(line: number, reason: "bad escape in a label value: \(line)")
                        }
                        index += 1
                    } else {
                        value.append(character)
                    }
                }
                labels[label] = value
                if index < characters.count, characters[index] == "," { index += 1 }
            }
            guard index < characters.count else { throw Invalid(line: number, reason: "labels not closed: \(line)") }
            index += 1
        }
        guard index < characters.count, characters[index] == " " else {
            throw Invalid(line: number, reason: "no space before the value: \(line)")
        }
        let rest = String(characters[(index + 1)...])
        // A timestamp may follow; twindup writes none.
        guard !rest.contains(" "), let value = goFloat(rest) else {
            throw Invalid(line: number, reason: "not a sample value: \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func checkHistogram(_ family: Family) throws {
        let buckets = family.samples.filter { $0.name == family.name + "_bucket" }
        func fail(_ reason: String) -> Invalid { Invalid(line: 0, reason: "histogram \(family.name): \(reason)") }
        guard !buckets.isEmpty, buckets.last?.labels["le"] == "+Inf" else { throw fail("no +Inf bucket last") }
        let bounds = try buckets.map { bucket -> Double in
            guard let text = bucket.labels["le"], let bound = goFloat(text) else { throw fail("bucket without le") }
            return bound
        }
        guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("le bounds not increasing") }
        guard zip(buckets, buckets.dropFirst()).allSatisfy({ $0.value <= $1.value }) else {
            throw fail("bucket counts not cumulative")
        }
        let count = family.samples.first { $0.name == family.name + "_count" }?.value
        guard count == buckets.last?.value else { throw fail("_count differs from the +Inf bucket") }
        guard family.samples.contains(where: { $0.name == family.name + "_sum" }) else { throw fail("no _sum") }
    }

    private static func goFloat(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" || first == ":" else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    private static func isValidHelp(_ text: String) -> Bool {
        var escaped = false
        for character in text {
            if escaped {
                guard character == "\\" || character == "n" else { return false }
                escaped = false
            } else if character == "\\" {
                escaped = true
            }
        }
        return !escaped
    }
}
