import Foundation
import NeuralNet
import Testing

@testable import TwinModel

@Suite struct TrainingTests {
    @Test func trainingStepsOnAFixedSeedLowerTheLoss() throws {
        let trainer = TwinTrainer(
            configuration: Pictures.tinyConfiguration(steps: 40), training: try Pictures.working(),
            architecture: Pictures.tinyArchitecture)
        var losses: [Float] = []
        for _ in 0..<40 { losses.append(try trainer.trainStep().loss) }
        let early = losses.prefix(5).reduce(0, +) / 5
        let late = losses.suffix(5).reduce(0, +) / 5
        #expect(late < early * 0.7, "loss went from \(early) to \(late) over 40 steps")
    }

    @Test func resumingFromACheckpointContinuesBitIdentically() throws {
        let pictures = try Pictures.working()
        let configuration = Pictures.tinyConfiguration(steps: 10)
        let uninterrupted = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture)
        var saved: [UInt8] = []
        for step in 0..<10 {
            _ = try uninterrupted.trainStep()
            if step == 3 { saved = uninterrupted.checkpoint().encoded() }
        }
        let resumed = TwinTrainer(configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture)
        try resumed.resume(from: SafeTensors(decoding: saved))
        #expect(resumed.step == 4)
        // Steps 4–9 include a hard-negative mining pass (every 6 steps), which must also replay exactly.
        while resumed.step < 10 { _ = try resumed.trainStep() }
        let expected = uninterrupted.checkpoint().encoded()
        let actual = resumed.checkpoint().encoded()
        #expect(actual == expected, "a resumed run drifted from the uninterrupted one")
    }

    @Test func resumeRefusesACheckpointOfAnotherConfiguration() throws {
        let pictures = try Pictures.working()
        let trainer = TwinTrainer(
            configuration: Pictures.tinyConfiguration(steps: 4), training: pictures,
            architecture: Pictures.tinyArchitecture)
        _ = try trainer.trainStep()
        var other = Pictures.tinyConfiguration(steps: 4)
        other.seed = 8
        let stranger = TwinTrainer(configuration: other, training: pictures, architecture: Pictures.tinyArchitecture)
        #expect(throws: TrainingError.self) { try stranger.resume(from: trainer.checkpoint()) }
    }

    @Test(arguments: TrainingConfiguration.LossKind.allCases)
    func everyLossTrainsWithoutDiverging(loss: TrainingConfiguration.LossKind) throws {
        var configuration = Pictures.tinyConfiguration(steps: 6)
        configuration.loss = loss
        let trainer = TwinTrainer(
            configuration: configuration, training: try Pictures.working(), architecture: Pictures.tinyArchitecture)
        for _ in 0..<6 {
            let report = try trainer.trainStep()
            #expect(report.loss.isFinite && report.loss >= 0, "\(loss) gave loss \(report.loss)")
        }
    }
}
