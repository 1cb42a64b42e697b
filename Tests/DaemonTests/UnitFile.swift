import Foundation

/// A systemd unit file read the way systemd reads it: `[Section]` headers and `Key=value` lines, where a key may
/// repeat and `#` or `;` starts a comment line. Lets the tests take paths and names from the unit instead of
/// repeating them.
struct UnitFile {
    struct Entry {
        var section: String
        var key: String
        var value: String
    }

    var entries: [Entry] = []

    init(contentsOf url: URL) throws {
        var section = ""
        for rawLine in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            entries.append(
                Entry(
                    section: section,
                    key: line[..<equals].trimmingCharacters(in: .whitespaces),
                    value: line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }
    }

    /// Every value given to `key` in `section`, in order.
    func values(_ key: String, in section: String = "Service") -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The value systemd uses for a single-valued `key`: the last one given.
    func value(_ key: String, in section: String = "Service") -> String? {
        values(key, in: section).last
    }

    /// `value(key)`, or an error naming the missing setting.
    func required(_ key: String, in section: String = "Service") throws -> String {
        guard let value = value(key, in: section), !value.isEmpty else {
            throw UnitFileError(description: "the unit sets no \(key)= in [\(section)]")
        }
        return value
    }

    /// The words of `ExecStart=` (the unit's command lines use no quoting).
    func execStart() throws -> [String] {
        try required("ExecStart").split(separator: " ").map(String.init)
    }
}

struct UnitFileError: Error, CustomStringConvertible {
    var description: String
}
