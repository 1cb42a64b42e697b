import Foundation
import ImageHashing

/// Pairs of pictures that the manifest puts in different groups although they show one source: the same photo
/// annotated in two tutorials, one drawing in two colours or card styles, a wallpaper cropped for two screens.
/// The hashes that build the groups cannot see through such edits, so left alone such pairs are counted as the
/// model's false findings, and mined as hard negatives.
///
/// Linked pictures are never among the evaluation's distinct pairs, and when a training run is given the links,
/// never in one batch, each other's mined neighbours or a calibration negative. They are not made positives:
/// some links are judged ambiguous (two screenshots of one dialog) rather than one source. The file is reviewed by
/// eye (Models/README.md says how) and committed beside the manifest.
public struct SameSourceLinks: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public var first: String
        public var second: String
        /// `same-source` or `ambiguous`: what the reviewer saw; both keep the pair out of the distinct pairs.
        public var judgement: String
    }

    public static let judgements = ["same-source", "ambiguous"]
    static let header = "first\tsecond\tjudgement"

    public var links: [Link]

    public static let none = SameSourceLinks(links: [])

    public init(links: [Link]) { self.links = links }

    /// SHA-256 of the links written out as their file (header, one line each), recorded in the training
    /// configuration; nil when there are no links, so that runs without them describe themselves as before.
    public var digest: String? {
        guard !links.isEmpty else { return nil }
        let text =
            ([Self.header] + links.map { "\($0.first)\t\($0.second)\t\($0.judgement)" }).joined(separator: "\n") + "\n"
        return SHA256.digest(of: Array(text.utf8)).description
    }

    /// The links file's name beside its manifest.
    public static let fileName = "same-source.tsv"

    /// What `--same-source` names: the links file, `none` for no links, or when not given, `same-source.tsv` beside
    /// the manifest if there is one (Models/ holds both), so that another manifest brings its own links or none.
    public static func named(
        _ option: String?, manifest: TrainingManifest, manifestPath: String
    ) throws(ManifestError) -> SameSourceLinks {
        switch option {
        case "none": return .none
        case let path?: return try SameSourceLinks(contentsOf: path, manifest: manifest)
        case nil:
            let beside = ((manifestPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
                fileName)
            guard FileManager.default.fileExists(atPath: beside) else { return .none }
            return try SameSourceLinks(contentsOf: beside, manifest: manifest)
        }
    }

    /// Reads the links at `path`; every path must be a picture of `manifest`, so that a link cannot silently
    /// stop applying when the manifest changes.
    public init(contentsOf path: String, manifest: TrainingManifest) throws(ManifestError) {
        let text = try ManifestError.text(
            ofFile: path, hint: "pass the links file to --same-source, or none for no links")
        try self.init(tsv: text, source: path, manifest: manifest)
    }

    public init(tsv: String, source: String, manifest: TrainingManifest) throws(ManifestError) {
        var lines = tsv.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == Self.header else {
            throw ManifestError(file: source, cause: "the first line is not \"first<TAB>second<TAB>judgement\"")
        }
        lines.removeFirst()
        let known = Set(manifest.entries.map(\.path))
        var links: [Link] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, Self.judgements.contains(fields[2]) else {
                throw ManifestError(
                    file: source,
                    cause:
                        "line \(number + 2) is not two paths and a judgement (\(Self.judgements.joined(separator: " or ")))"
                )
            }
            for path in fields[0...1] where !known.contains(path) {
                throw ManifestError(
                    file: source, cause: "line \(number + 2) names \(path), which the manifest does not list")
            }
            links.append(Link(first: fields[0], second: fields[1], judgement: fields[2]))
        }
        self.init(links: links)
    }
}
