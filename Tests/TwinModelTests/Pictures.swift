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
