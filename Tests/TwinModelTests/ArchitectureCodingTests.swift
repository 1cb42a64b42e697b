import Foundation
import NeuralNet
import Testing

@testable import TwinModel

@Suite struct ArchitectureCodingTests {
    @Test(arguments: [
        GlobalPooling.Kind.averageAndMax, .average, .max, .generalizedMean(power: 3),
    ])
    func poolingSurvivesTheModelFile(pooling: GlobalPooling.Kind) throws {
        var architecture = Pictures.tinyArchitecture
        architecture.pooling = pooling
        let network = TwinNetwork(
            architecture: architecture, head: WeightedL1Head(width: architecture.embeddingWidth, constrained: true),
            seed: 3)
        let weights = network.weights(metadata: [
            "format": TwinDetector.formatVersion, "architecture": ArchitectureCoding.encode(architecture),
            "head": "constrained", "threshold": "0.9",
        ])
        let detector = try TwinDetector(weights: weights, source: "pooled.safetensors")
        #expect(detector.architecture.pooling == pooling)
        // The loaded file embeds exactly as the network it was written from.
        let input: [Float] = (0..<(3 * 32 * 32)).map { index in Float((index * 37) % 101) / 50 - 1 }
        let expected = try network.embed(
            Tensor(shape: [1, 3, 32, 32], scalars: input), context: ExecutionContext(mode: .inference))
        let actual = try detector.embed(inputs: [input])[0]
        for (loaded, written) in zip(actual, expected.scalars) {
            let tolerance: Float = 1e-4 * max(1, abs(written))
            #expect(abs(loaded - written) <= tolerance)
        }
    }

    @Test func filesWrittenBeforeThePoolingOptionStillReadAsAverageAndMax() throws {
        // Models before the option have no pooling key, and writing an average-and-max architecture adds none.
        var averageAndMax = TwinNetwork.Architecture.standard
        averageAndMax.pooling = .averageAndMax
        #expect(!ArchitectureCoding.encode(averageAndMax).contains("pooling"))
        let old =
            #"{"blocks":[[16,2],[16,2]],"embeddingWidth":16,"inputChannels":3,"inputSide":32,"mirrorInvariant":false,"stemChannels":8,"trimsBorders":false}"#
        #expect(ArchitectureCoding.decode(old)?.pooling == .averageAndMax)
    }

    @Test func anUnknownPoolingIsRefusedByName() throws {
        #expect(ArchitectureCoding.pooling(named: "gem-3") == .generalizedMean(power: 3))
        #expect(ArchitectureCoding.pooling(named: "median") == nil)
        #expect(ArchitectureCoding.pooling(named: "gem-0.5") == nil)
        var architecture = Pictures.tinyArchitecture
        architecture.pooling = .average
        let text = ArchitectureCoding.encode(architecture).replacingOccurrences(of: "average", with: "median")
        let weights = TwinNetwork(architecture: architecture, seed: 1).weights(metadata: [
            "format": TwinDetector.formatVersion, "architecture": text, "head": "constrained", "threshold": "0.9",
        ])
        #expect {
            try TwinDetector(weights: weights, source: "odd.safetensors")
        } throws: { error in
            "\(error)".contains("odd.safetensors") && "\(error)".contains("architecture")
        }
    }

    /// `twindup train --input-side`: the configuration sets the network's input, a trained step runs at that size,
    /// and configurations written before the option keep the shipped side.
    @Test func theInputSideOptionSizesTheNetworkAndOlderConfigurationsKeepTheShippedSide() throws {
        var configuration = Pictures.tinyConfiguration(steps: 1)
        configuration.inputSide = 40
        let trainer = TwinTrainer(
            configuration: configuration, training: try Pictures.working(), architecture: Pictures.tinyArchitecture)
        #expect(trainer.network.architecture.inputSide == 40)
        #expect(trainer.network.architecture.inputPreparation.side == 40)
        #expect(try trainer.trainStep().loss.isFinite)
        var unset = TrainingConfiguration()
        unset.inputSide = nil
        #expect(!unset.json.contains("inputSide"))
        #expect(try TrainingConfiguration(json: unset.json).architecture.inputSide == 96)
        #expect(try TrainingConfiguration(json: configuration.json).inputSide == 40)
    }
}
