import Foundation
import ImageIO
import NeuralNet
import TestSupport
import TwinModel

/// Small real pictures from ../shared/testdata, each its own group, for training and data tests.
enum Pictures {
    static let distinctFiles = [
        "jpeg/testorig.jpg", "jpeg/monkey16.png", "jpeg/vgl_5674_0098.png", "png/pngsuite-full/basn2c08.png",
        "png/pngsuite-full/basn3p08.png", "png/pngsuite-full/basn6a08.png", "png/pngsuite-full/f04n2c08.png",
        "png/pngsuite-full/s39n3p04.png", "png/pngsuite-full/tbbn3p08.png", "png/pngsuite-full/z09n2c08.png",
    ]

    static func image(_ relative: String) throws -> Image {
        try ImageDecoder().decode(fileAt: TestData.path(relative))
    }

    static func working() throws -> WorkingPictures {
        let entries = distinctFiles.enumerated().map { index, path in
            TrainingManifest.Entry(
                path: path, contentHash: String(repeating: "0", count: 64), width: 0, height: 0, package: "testdata",
                group: index, split: .train)
        }
        return WorkingPictures(entries: entries, images: try distinctFiles.map(image))
    }

    /// A training-data folder in `folder` as `twindup train` reads it: seven PngSuite pictures copied to
    /// `images/`, each its own group, four in train and three in validation, and the manifest listing them.
    static func trainingFolder(in folder: URL) throws -> (images: URL, manifestPath: String) {
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
                atPath: TestData.path(picture), toPath: images.appendingPathComponent("\(number).png").path)
            let split = number < 4 ? "train" : "validation"
            manifest.append(
                "\(number).png\t\(String(repeating: "0", count: 64))\t32\t32\ttestdata\t\(number)\t\(split)")
        }
        let manifestPath = folder.appendingPathComponent("manifest.tsv").path
        try (manifest.joined(separator: "\n") + "\n").write(toFile: manifestPath, atomically: true, encoding: .utf8)
        return (images, manifestPath)
    }

    /// A small network of the shipped shape, fast enough for tests.
    static let tinyArchitecture = TwinNetwork.Architecture(
        inputSide: 32, stemChannels: 8, blocks: [TwinNetwork.Block(16, stride: 2), TwinNetwork.Block(16, stride: 2)],
        embeddingWidth: 16)

    static func tinyConfiguration(steps: Int) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.seed = 7
        configuration.batchSources = 4
        configuration.steps = steps
        configuration.warmupSteps = 2
        configuration.learningRate = 5e-3
        configuration.threads = 1
        configuration.mineEvery = 6
        configuration.minedNeighbours = 2
        return configuration
    }
}
