import Foundation
import NeuralNet
import Testing

@testable import TwinModel

@Suite struct TrainingTests {
    /// The all-pairs loss of one fixed batch of views (the same edits every time), in inference mode.
    func fixedBatchLoss(_ trainer: TwinTrainer) throws -> Float {
        var random = RandomSource(seed: 99)
        let sources = Array(0..<8)
        let views = sources.map { trainer.sampler.views(of: $0, random: &random) }
        let input = PairSampler.inputTensor(
            views.map(\.0) + views.map(\.1), preparation: trainer.network.architecture.inputPreparation, threads: 1)
        let embeddings = try trainer.network.embed(input, context: ExecutionContext(mode: .inference))
        return try trainer.lossAndGradient(embeddings: embeddings, count: sources.count, width: embeddings.shape[1]).0
    }

    @Test func trainingStepsOnAFixedSeedLowerTheLoss() throws {
        let trainer = TwinTrainer(
            configuration: Pictures.tinyConfiguration(steps: 200), training: try Pictures.working(),
            architecture: Pictures.tinyArchitecture)
        let before = try fixedBatchLoss(trainer)
        for _ in 0..<200 { _ = try trainer.trainStep() }
        let after = try fixedBatchLoss(trainer)
        #expect(after < before * 0.8, "the loss of a fixed batch went from \(before) to \(after) in 200 steps")
    }

    /// Also with the mirror-invariant, border-trimming network: its two passes and trimmed inputs replay exactly.
    @Test(arguments: [false, true])
    func resumingFromACheckpointContinuesBitIdentically(inputOptions: Bool) throws {
        let pictures = try Pictures.working()
        var configuration = Pictures.tinyConfiguration(steps: 10)
        if inputOptions {
            configuration.mirrorInvariant = true
            configuration.trimsBorders = true
        }
        let uninterrupted = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture)
        var saved: [UInt8] = []
        for step in 0..<10 {
            _ = try uninterrupted.trainStep()
            if step == 3 { saved = uninterrupted.checkpoint().encoded() }
        }
        #expect(uninterrupted.network.architecture.mirrorInvariant == inputOptions)
        let resumed = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture)
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
        // Weights of a plain network fit a mirror-invariant one tensor for tensor: only the configuration tells.
        var mirrored = Pictures.tinyConfiguration(steps: 4)
        mirrored.mirrorInvariant = true
        let mirroredTrainer = TwinTrainer(
            configuration: mirrored, training: pictures, architecture: Pictures.tinyArchitecture)
        #expect(throws: TrainingError.self) { try mirroredTrainer.resume(from: trainer.checkpoint()) }
    }

    /// Two training pictures as one dismissed pair: the network must learn to tell them apart.
    func feedback(_ pictures: WorkingPictures) -> FeedbackPairs {
        FeedbackPairs(pairs: [FeedbackPairs.Pair(first: pictures.images[0], second: pictures.images[1], label: "0 | 1")]
        )
    }

    @Test(arguments: TrainingConfiguration.LossKind.allCases)
    func dismissedPairsJoinEveryStepAndResumeBitIdentically(loss: TrainingConfiguration.LossKind) throws {
        let pictures = try Pictures.working()
        var configuration = Pictures.tinyConfiguration(steps: 4)
        configuration.loss = loss
        let trainer = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture,
            feedback: feedback(pictures))
        var saved: [UInt8] = []
        for step in 0..<4 {
            let report = try trainer.trainStep()
            #expect(report.feedbackPairs == 1, "step \(step) left out the dismissed pair")
            #expect(report.images == 2 * (configuration.batchSources + 1))
            #expect(report.loss.isFinite && report.loss >= 0, "\(loss) gave loss \(report.loss)")
            if step == 1 { saved = trainer.checkpoint().encoded() }
        }
        #expect(trainer.feedbackPairsUsed == 4)
        let resumed = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture,
            feedback: feedback(pictures))
        try resumed.resume(from: SafeTensors(decoding: saved))
        #expect(resumed.feedbackPairsUsed == 2)
        while resumed.step < 4 { _ = try resumed.trainStep() }
        #expect(resumed.checkpoint().encoded() == trainer.checkpoint().encoded(), "a resumed run drifted")
        // Without the feedback the checkpoint does not fit: the run would silently train on other data.
        let without = TwinTrainer(
            configuration: configuration, training: pictures, architecture: Pictures.tinyArchitecture)
        #expect(throws: TrainingError.self) { try without.resume(from: SafeTensors(decoding: saved)) }
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

    /// A group of a few pictures (one picture at several resolutions) gives its other members as the edited view's
    /// source; a larger group, a hash chain of different sparse pictures, never does.
    @Test func onlyResolutionSetsLendTheirOtherMembersAsPositives() throws {
        let images = try Pictures.working().images
        func entry(_ index: Int, group: Int) -> TrainingManifest.Entry {
            TrainingManifest.Entry(
                path: "picture\(index).png", contentHash: String(repeating: "0", count: 64), width: 0, height: 0,
                package: "testdata", group: group, split: .train)
        }
        let chainSize = PairSampler.largestResolutionSet + 1
        // Pictures 0 and 1 form a resolution set; 2 ... 2 + chainSize - 1 a chain; one more stands alone.
        let entries = (0..<(chainSize + 3)).map { index in
            entry(index, group: index < 2 ? 0 : index < 2 + chainSize ? 1 : 2)
        }
        let sampler = PairSampler(
            pictures: WorkingPictures(
                entries: entries, images: entries.indices.map { images[$0 % images.count] }))
        var random = RandomSource(seed: 5)
        var lent = 0
        for _ in 0..<200 {
            let fromSet = sampler.secondViewSource(of: 0, random: &random)
            #expect(fromSet == 0 || fromSet == 1)
            if fromSet == 1 { lent += 1 }
            #expect(sampler.secondViewSource(of: 3, random: &random) == 3)
            #expect(sampler.secondViewSource(of: chainSize + 2, random: &random) == chainSize + 2)
        }
        #expect(lent > 30 && lent < 90, "the other resolution was lent \(lent) times in 200 (expected about 60)")
    }
}
