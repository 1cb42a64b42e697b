import DuplicateIndex
import Foundation

/// The review page: one self-contained HTML document (inline style, script and thumbnails) listing the index's
/// duplicate pairs in a sortable table and their groups, for a person to decide what to keep.
struct ReviewPage {
    /// What the page says about where its pairs came from.
    struct Context {
        var indexPath: String
        var modelID: String
        var generatedAt: Date
        /// `--since` as written, and the instant it stood for; nil for every finding.
        var since: (text: String, date: Date)?
    }

    let pairs: [ReviewPair]
    let groups: [[RawPath]]
    let thumbnails: [RawPath: ReviewThumbnail]
    let context: Context
    /// The index's record of every file in a pair.
    private let files: [RawPath: ReviewedFile]
    /// Each file's thumbnail class: its picture is written once, in the style sheet, however often it is shown.
    private let thumbnailClasses: [RawPath: String]

    init(pairs: [ReviewPair], thumbnails: [RawPath: ReviewThumbnail], context: Context) {
        self.pairs = pairs
        self.thumbnails = thumbnails
        self.context = context
        groups = DuplicateGroups.groups(linking: pairs.map { ($0.file.path, $0.match.path) })
        var files: [RawPath: ReviewedFile] = [:]
        for pair in pairs {
            files[pair.file.path] = pair.file
            files[pair.match.path] = pair.match
        }
        self.files = files
        thumbnailClasses = Dictionary(
            uniqueKeysWithValues: files.keys.sorted().enumerated().map { ($0.element, "t\($0.offset)") })
    }

    /// The whole document.
    func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="twindup review">
            <title>twindup review: \(pairs.count) pair\(pairs.count == 1 ? "" : "s")</title>
            <style>
            \(ReviewPageAssets.style)
            \(thumbnailStyles())
            </style>
            </head>
            <body>
            <h1>Duplicate pictures to review</h1>

            """
        page += summary()
        if pairs.isEmpty {
            let scope = context.since.map { " found since \(HTMLText.escaped(Self.time($0.date)))" } ?? ""
            page += "<p class=\"empty\">Nothing to review: the index holds no duplicate pairs\(scope).</p>\n"
        } else {
            page += pairTable()
            page += groupList()
        }
        page += "<script>\n\(ReviewPageAssets.script)\n</script>\n</body>\n</html>\n"
        return page
    }

    // MARK: - Parts

    private func summary() -> String {
        let exact = pairs.filter { $0.kind == .exactDuplicate }.count
        let grouped = groups.reduce(0) { $0 + $1.count }
        let scope =
            context.since.map {
                "found since \(Self.time($0.date)) (--since \($0.text))"
            } ?? "all findings"
        let rows: [(String, String)] = [
            ("Pairs", "\(pairs.count) (\(exact) exact, \(pairs.count - exact) near)"),
            ("Groups", "\(groups.count) (\(grouped) file\(grouped == 1 ? "" : "s"))"),
            ("Showing", scope),
            ("Index", context.indexPath),
            ("Model", context.modelID),
            ("Generated", Self.time(context.generatedAt)),
        ]
        let items = rows.map { "<dt>\($0.0)</dt><dd>\(HTMLText.escaped($0.1))</dd>" }.joined(separator: "\n")
        return "<dl class=\"summary\">\n\(items)\n</dl>\n"
    }

    private func pairTable() -> String {
        var table = """
            <h2 id="pairs">Pairs</h2>
            <table id="pair-table">
            <thead><tr><th>Pictures (A | B)</th><th>Kind</th>\(header("probability", "Probability"))\
            \(header("path", "Paths"))<th>Pixels</th>\(header("size", "Size"))<th>Modified</th>\
            \(header("found", "Found", sorted: true))<th>Suggestion</th></tr></thead>
            <tbody>

            """
        for pair in pairs {
            let (a, b) = (pair.file, pair.match)
            let kind = pair.kind == .exactDuplicate ? "exact" : "near"
            let cells = [
                "<td class=\"pictures\">\(thumbnail(a.path))\(thumbnail(b.path))</td>",
                "<td><span class=\"badge \(kind)\">\(kind)</span></td>",
                "<td class=\"number\" title=\"threshold \(pair.threshold), model \(HTMLText.escaped(pair.modelID))\">"
                    + ProbabilityText.format(pair.probability) + "</td>",
                "<td class=\"paths\">" + sides(a, b) { "<span class=\"path\">" + HTMLText.path($0.path) + "</span>" }
                    + "</td>",
                "<td class=\"number\">" + sides(a, b, Self.pixels) + "</td>",
                "<td class=\"number\">" + sides(a, b) { Self.bytes($0.size) } + "</td>",
                "<td class=\"date\">" + sides(a, b) { Self.timeCell($0.modified) } + "</td>",
                "<td class=\"date\">" + Self.timeCell(pair.foundAt) + "</td>",
                "<td class=\"suggestion\">" + Self.suggestion(a, b, offerDismissal: pair.kind != .exactDuplicate)
                    + "</td>",
            ]
            let keys =
                "data-probability=\"\(pair.probability)\" data-found=\"\(Self.milliseconds(pair.foundAt))\" "
                + "data-size=\"\(max(a.size, b.size))\" data-path=\"\(HTMLText.escaped(a.path.description))\""
            table += "<tr \(keys)>" + cells.joined() + "</tr>\n"
        }
        return table + "</tbody>\n</table>\n"
    }

    /// Which file to keep and why, and for a near pair the command that records it as not a duplicate instead.
    static func suggestion(_ a: ReviewedFile, _ b: ReviewedFile, offerDismissal: Bool) -> String {
        var cell = ""
        if let first = KeepSuggestion.Picture(a), let second = KeepSuggestion.Picture(b) {
            let suggestion = KeepSuggestion(first, second)
            let side = suggestion.keep.path == a.path ? "A" : "B"
            cell += "<span class=\"keep\">keep \(side)</span>: \(HTMLText.escaped(suggestion.explanation))"
        }
        if offerDismissal, let first = Self.shellQuoted(a.path), let second = Self.shellQuoted(b.path) {
            let command = "twindup dismiss \(first) \(second)"
            cell += "<br>not a duplicate? <code class=\"dismiss\">\(HTMLText.escaped(command))</code>"
        }
        return cell
    }

    /// The path as one shell word, or nil when it is not valid UTF-8 or holds control characters (a page cannot
    /// show such a command so that copying it gives the same bytes).
    static func shellQuoted(_ path: RawPath) -> String? {
        guard let text = String(validating: path.bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else { return nil }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func groupList() -> String {
        var list = "<h2 id=\"groups\">Groups</h2>\n<div class=\"groups\">\n"
        for (number, group) in groups.enumerated() {
            list += "<section class=\"group\"><h3>Group \(number + 1): \(group.count) files</h3><div class=\"members\">"
            for path in group {
                let facts = files[path].map {
                    "\(Self.pixels($0)) · \(Self.bytes($0.size)) · \(Self.time($0.modified))"
                }
                list += """
                    <figure>\(thumbnail(path))<figcaption><span class="path">\(HTMLText.path(path))</span>\
                    <span class="facts">\(facts ?? "")</span></figcaption></figure>
                    """
            }
            list += "</div></section>\n"
        }
        return list + "</div>\n"
    }

    /// A sortable column header; the table starts sorted newest first.
    private func header(_ key: String, _ title: String, sorted: Bool = false) -> String {
        "<th data-key=\"\(key)\" aria-sort=\"\(sorted ? "descending" : "none")\"><button type=\"button\">\(title)"
            + "</button></th>"
    }

    /// The A and B values of one column, one line each.
    private func sides(_ a: ReviewedFile, _ b: ReviewedFile, _ value: (ReviewedFile) -> String) -> String {
        "<span class=\"side\"><span class=\"label\">A</span>\(value(a))</span>"
            + "<span class=\"side\"><span class=\"label\">B</span>\(value(b))</span>"
    }

    private func thumbnail(_ path: RawPath) -> String {
        let label = HTMLText.escaped(path.description)
        switch thumbnails[path] {
        case .picture?:
            return "<span class=\"thumb \(thumbnailClasses[path] ?? "")\" role=\"img\" aria-label=\"\(label)\"></span>"
        case .unavailable(let reason)?:
            return
                "<span class=\"thumb missing\" role=\"img\" aria-label=\"\(label)\">\(HTMLText.escaped(reason))</span>"
        case nil:
            return "<span class=\"thumb missing\" role=\"img\" aria-label=\"\(label)\">no thumbnail</span>"
        }
    }

    /// One rule per file with a picture, holding the picture as a data URI.
    private func thumbnailStyles() -> String {
        thumbnailClasses.sorted { $0.value < $1.value }.compactMap { path, name in
            guard case .picture(let jpeg, _, _)? = thumbnails[path] else { return nil }
            return ".\(name) { background-image: url(\"data:image/jpeg;base64,\(Data(jpeg).base64EncodedString())\"); }"
        }.joined(separator: "\n")
    }

    // MARK: - Formatting

    private static func pixels(_ file: ReviewedFile) -> String {
        guard let width = file.width, let height = file.height else { return "not decoded" }
        return "\(width)×\(height)"
    }

    /// Decimal units, as file managers show them, with the exact count on hover.
    static func bytes(_ count: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let shown = unit == 0 ? "\(count) bytes" : String(format: "%.1f", value) + " " + units[unit]
        return "<span title=\"\(count) bytes\">\(shown)</span>"
    }

    /// `2026-11-28 10:15:02 UTC`: one zone for the whole page, whatever the server's.
    static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "\(date)" }
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d UTC", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// `time(date)` in a table cell: it may break between the day and the clock, never inside either.
    static func timeCell(_ date: Date) -> String {
        let text = time(date)
        guard let space = text.firstIndex(of: " ") else { return text }
        let (day, clock) = (text[..<space], text[text.index(after: space)...])
        return "<span class=\"nowrap\">\(day)</span> <span class=\"nowrap\">\(clock)</span>"
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
