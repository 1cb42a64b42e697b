import ArgumentParser
import Foundation
import ImageIO
import NeuralNet
import TwinModel

/// Training data: the manifest of pictures extracted from Debian packages, and a look at the edits the model
/// is trained to see through.
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build the training-data manifest and preview training edits.",
        subcommands: [DataManifestCommand.self, DataAugmentCommand.self]
    )
}

struct DataManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Hash, deduplicate, group and split the pictures extracted by Scripts/prepare-training-data.sh.",
        discussion: """
            Writes one line per distinct picture: path, SHA-256, size, package, group, split. Pictures of one \
            group (one wallpaper at several resolutions, near-identical copies) always share a split.
            """
    )

    @Option(help: "The folder of extracted pictures, one subfolder per package.")
    var images: String

    @Option(help: "Where to write the manifest.")
    var out: String = "Models/training-manifest.tsv"

    func run() async throws {
        let (manifest, report) = ManifestBuilder().build(imagesFolder: images)
        try manifest.tsv.write(toFile: out, atomically: true, encoding: .utf8)
        for problem in report.undecodable.prefix(20) {
            FileHandle.standardError.write(Data("skipped \(problem)\n".utf8))
        }
        var counts: [TrainingManifest.Split: Int] = [:]
        for entry in manifest.entries { counts[entry.split, default: 0] += 1 }
        print(
            """
            scanned \(report.scanned) files: \(manifest.entries.count) kept \
            (train \(counts[.train] ?? 0), validation \(counts[.validation] ?? 0), test \(counts[.test] ?? 0)), \
            \(Set(manifest.entries.map(\.group)).count) groups; skipped \(report.undecodable.count) undecodable, \
            \(report.tooSmall) too small, \(report.flat) flat, \(report.exactCopies) exact copies, \(report.overCap) over package caps
            manifest \(out) sha256 \(manifest.digest)
            """)
    }
}

struct DataAugmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Write one edited copy of a picture per edit kind, as the model sees them in training."
    )

    @Argument(help: "A PNG or JPEG file.")
    var file: String

    @Option(help: "Folder for the edited copies (JPEG, quality 95).")
    var out: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func run() async throws {
        let image = try ImageDecoder().decode(fileAt: file, minimumShortSide: 256)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var random = RandomSource(seed: seed)
        let editor = PictureEditor()
        for kind in EditKind.allCases {
            let edited = editor.apply(kind, to: image, random: &random)
            let path = "\(out)/\(kind.rawValue).jpg"
            try Data(JPEGEncoder.encode(edited, quality: 95)).write(to: URL(fileURLWithPath: path))
            print("\(path) \(edited.width)x\(edited.height)")
        }
    }
}
