import Foundation
import ImageHashing
import ImageIO

/// The pictures the model trains, validates and is tested on: one row per distinct picture, with the group of
/// pictures that show the same thing (the same wallpaper at several resolutions, near-identical copies) and the
/// split the whole group belongs to. Splitting by group, before any augmentation, keeps every test picture —
/// and every near-copy of it — unseen in training.
public struct TrainingManifest: Sendable, Equatable {
    public enum Split: String, Sendable, CaseIterable, Codable {
        case train, validation, test
    }

    public struct Entry: Sendable, Equatable {
        /// Relative to the images folder.
        public var path: String
        public var contentHash: String
        public var width: Int
        public var height: Int
        /// The Debian package the picture came from.
        public var package: String
        /// Pictures with one group number show the same picture.
        public var group: Int
        public var split: Split

        public init(
            path: String, contentHash: String, width: Int, height: Int, package: String, group: Int, split: Split
        ) {
            self.path = path
            self.contentHash = contentHash
            self.width = width
            self.height = height
            self.package = package
            self.group = group
            self.split = split
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    public func entries(in split: Split) -> [Entry] { entries.filter { $0.split == split } }

    static let header = "path\tsha256\twidth\theight\tpackage\tgroup\tsplit"

    /// Tab-separated, one header line; file names with tabs or newlines are never admitted.
    public var tsv: String {
        ([TrainingManifest.header]
            + entries.map {
                "\($0.path)\t\($0.contentHash)\t\($0.width)\t\($0.height)\t\($0.package)\t\($0.group)\t\($0.split.rawValue)"
            }).joined(separator: "\n") + "\n"
    }

    /// SHA-256 of `tsv`: the data manifest hash recorded in model metadata.
    public var digest: String { SHA256.digest(of: Array(tsv.utf8)).description }

    /// Reads the manifest at `path`; a missing or unreadable file is an error naming it and where the manifest
    /// lives (the default path is relative to twindup's source tree).
    public init(contentsOf path: String) throws(ManifestError) {
        let text = try ManifestError.text(
            ofFile: path,
            hint: "the manifest is Models/training-manifest.tsv in twindup's source tree: run from there or pass "
                + "--manifest")
        try self.init(tsv: text, source: path)
    }

    public init(tsv: String, source: String) throws(ManifestError) {
        var lines = tsv.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == TrainingManifest.header else {
            throw ManifestError(file: source, cause: "the first line is not the manifest header")
        }
        lines.removeFirst()
        var entries: [Entry] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7, let width = Int(fields[2]), let height = Int(fields[3]),
                let group = Int(fields[5]),
                let split = Split(rawValue: fields[6])
            else {
                throw ManifestError(
                    file: source, cause: "line \(number + 2) is not path, hash, size, package, group, split")
            }
            entries.append(
                Entry(
                    path: fields[0], contentHash: fields[1], width: width, height: height, package: fields[4],
                    group: group, split: split))
        }
        self.init(entries: entries)
    }
}

public struct ManifestError: Error, CustomStringConvertible {
    public var file: String
    public var cause: String
    public var description: String { "\(file): \(cause)" }

    /// The UTF-8 text of the file at `path`, or an error naming it, the cause and `hint` (where the file lives).
    static func text(ofFile path: String, hint: String) throws(ManifestError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let cause = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw ManifestError(file: path, cause: "cannot read it (\(cause)); \(hint)")
        }
    }
}
