import Testing

@testable import NeuralNet

@Suite struct OptimizerTests {
    /// Trains a small twin network for a few steps and returns every weight, for determinism checks.
    static func train(seed: UInt64, threads: Int, steps: Int, optimizer: any Optimizer) throws -> SafeTensors {
        let network = TwinNetwork(
            architecture: .init(inputSide: 12, stemChannels: 4, blocks: [.init(8, stride: 2)], embeddingWidth: 6),
            seed: seed)
        var random = RandomSource(seed: seed &+ 1)
        let schedule = LearningRateSchedule(
            base: 0.01, warmupSteps: 2, decay: .cosine(totalSteps: steps, minimum: 0.001))
        let context = ExecutionContext(mode: .training, threads: threads)
        let parameters = network.namedParameters
        for step in 0..<steps {
            let images = GradientCheck.randomTensor([8, 3, 12, 12], random: &random)
            let embeddings = try network.tower.forward(images, context: context)
            let (first, second) = (embeddings.batchSlice(0..<4), embeddings.batchSlice(4..<8))
            let logits = try network.head.logits(first, second, mode: .training)
            let loss = try Loss.binaryCrossEntropyWithLogits(
                logits: logits, targets: Tensor(shape: [4], scalars: [1, 0, 1, 0]))
            for (_, parameter) in parameters { parameter.zeroGradient() }
            let (firstGradient, secondGradient) = try network.head.backward(loss.gradient)
            _ = try network.tower.backward(Tensor.concatenateBatch([firstGradient, secondGradient]), context: context)
            GradientClipping.clipGlobalNorm(parameters.map(\.parameter), maximumNorm: 1)
            optimizer.update(parameters, learningRate: schedule.rate(at: step))
        }
        return network.weights()
    }

    @Test(arguments: [1, 2])
    func sameSeedGivesBitIdenticalWeights(threads: Int) throws {
        let first = try Self.train(seed: 5, threads: threads, steps: 6, optimizer: Adam(weightDecay: 0.01))
        let second = try Self.train(seed: 5, threads: threads, steps: 6, optimizer: Adam(weightDecay: 0.01))
        let initial = try Self.train(seed: 5, threads: threads, steps: 0, optimizer: Adam())
        #expect(first == second, "two runs with the same seed and \(threads) threads trained different weights")
        #expect(first != initial, "training did not change the weights")
        let sgd1 = try Self.train(seed: 6, threads: threads, steps: 4, optimizer: SGD(momentum: 0.9, weightDecay: 1e-4))
        let sgd2 = try Self.train(seed: 6, threads: threads, steps: 4, optimizer: SGD(momentum: 0.9, weightDecay: 1e-4))
        #expect(sgd1 == sgd2)
    }

    @Test func optimizerStateRoundTripsThroughSafeTensors() throws {
        for optimizer in [Adam() as any Optimizer, SGD()] {
            _ = try Self.train(seed: 7, threads: 1, steps: 3, optimizer: optimizer)
            let saved = try SafeTensors(decoding: SafeTensors(tensors: optimizer.stateTensors()).encoded())
            let restored: any Optimizer = optimizer is Adam ? Adam() : SGD()
            try restored.loadState(saved.tensors)
            #expect(restored.step == 3)
            #expect(restored.stateTensors() == optimizer.stateTensors(), "optimizer state changed through a file")
        }
    }

    @Test func adamMinimisesAQuadratic() {
        let parameter = Parameter(name: "x", value: Tensor(repeating: 5, shape: [3]))
        let optimizer = Adam()
        for _ in 0..<500 {
            for index in 0..<3 {
                parameter.gradient.scalars[index] = 2 * (parameter.value.scalars[index] - Float(index))
            }
            optimizer.update([("x", parameter)], learningRate: 0.05)
        }
        for index in 0..<3 { #expect(abs(parameter.value.scalars[index] - Float(index)) < 0.05) }
    }

    @Test func scheduleWarmsUpThenDecays() {
        let cosine = LearningRateSchedule(base: 1, warmupSteps: 10, decay: .cosine(totalSteps: 110, minimum: 0.1))
        #expect(cosine.rate(at: 0) == 0.1 && cosine.rate(at: 9) == 1)
        #expect(abs(cosine.rate(at: 60) - 0.55) < 1e-5 && abs(cosine.rate(at: 110) - 0.1) < 1e-6)
        let step = LearningRateSchedule(base: 1, decay: .step(interval: 5, factor: 0.5))
        #expect(step.rate(at: 4) == 1 && step.rate(at: 5) == 0.5 && step.rate(at: 12) == 0.25)
    }

    @Test func clippingBoundsTheGlobalNorm() {
        let a = Parameter(name: "a", value: Tensor(zeros: [2]))
        let b = Parameter(name: "b", value: Tensor(zeros: [1]))
        a.gradient.scalars = [3, 0]
        b.gradient.scalars = [4]
        let norm = GradientClipping.clipGlobalNorm([a, b], maximumNorm: 1)
        #expect(norm == 5)
        #expect(abs(a.gradient.scalars[0] - 0.6) < 1e-6 && abs(b.gradient.scalars[0] - 0.8) < 1e-6)
    }
}
