import Foundation

/// The shared test images: `../shared/testdata` beside the package root, or `$TWINDUP_TESTDATA`.
public enum TestData {
    public static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["TWINDUP_TESTDATA"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata", isDirectory: true)
    }()

    /// The folder holding Package.swift: Sources/TestSupport/TestData.swift, three levels up.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The model file the package ships, in the source tree.
    public static let shippedModel = packageRoot.appendingPathComponent(
        "Sources/TwinModel/Resources/twindup.safetensors")

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// Files in a test-data folder with the given extension, sorted by name.
    public static func files(in folder: String, withExtension suffix: String) -> [String] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".\(suffix)") }.sorted().map { directory.appendingPathComponent($0).path }
    }

    /// A training-data folder in `folder` as `twindup train` reads it: seven PngSuite pictures copied to
    /// `images/`, each its own group, four in train and three in validation, and `manifest.tsv` listing them.
    public static func trainingFolder(in folder: URL) throws -> (images: URL, manifestPath: String) {
        let pictures = [
            "png/pngsuite-full/basn2c08.png", "png/pngsuite-full/basn3p08.png", "png/pngsuite-full/basn6a08.png",
            "png/pngsuite-full/f04n2c08.png", "png/pngsuite-full/s39n3p04.png", "png/pngsuite-full/tbbn3p08.png",
            "png/pngsuite-full/z09n2c08.png",
        ]
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        var manifest = ["path\tsha256\twidth\theight\tpackage\tgroup\tsplit"]
        for (number, picture) in pictures.enumerated() {
            try FileManager.default.copyItem(
                atPath: path(picture), toPath: images.appendingPathComponent("\(number).png").path)
            let split = number < 4 ? "train" : "validation"
            manifest.append(
                "\(number).png\t\(String(repeating: "0", count: 64))\t32\t32\ttestdata\t\(number)\t\(split)")
        }
        let manifestPath = folder.appendingPathComponent("manifest.tsv").path
        try (manifest.joined(separator: "\n") + "\n").write(toFile: manifestPath, atomically: true, encoding: .utf8)
        return (images, manifestPath)
    }

    /// A fresh scratch directory, removed by the caller with `removeScratch`.
    public static func makeScratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "twindup-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
