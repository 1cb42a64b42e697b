import Testing

@testable import NeuralNet

@Suite struct InferenceFoldingTests {
    @Test(arguments: [(1, ParallelStrategy.batchSplit), (2, .batchSplit), (2, .blasThreads)])
    func foldedNetworkEmbedsLikeTheTrainedOne(threads: Int, strategy: ParallelStrategy) throws {
        let network = TwinNetwork(
            architecture: .init(
                inputSide: 24, stemChannels: 8, blocks: [.init(16, stride: 1), .init(24, stride: 2)], embeddingWidth: 10
            ),
            seed: 51)
        var random = RandomSource(seed: 52)
        // A few training passes give BatchNorm non-trivial running statistics to fold.
        for _ in 0..<3 {
            _ = try network.tower.forward(
                GradientCheck.randomTensor([6, 3, 24, 24], random: &random), context: ExecutionContext(mode: .training))
        }
        let images = GradientCheck.randomTensor([5, 3, 24, 24], random: &random)
        let context = ExecutionContext(mode: .inference, threads: threads, strategy: strategy)
        let reference = try network.tower.forward(images, context: ExecutionContext(mode: .inference))
        let folded = network.tower.foldedForInference()
        #expect(folded.layers.count < network.tower.layers.count, "nothing was folded")
        #expect(!folded.layers.contains { $0 is BatchNorm || $0 is ReLU }, "a BatchNorm or ReLU survived folding")
        let output = try folded.forward(images, context: context)
        let worst = zip(reference.scalars, output.scalars).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst < 1e-4, "folded inference differs from the unfolded network by \(worst)")
    }

    @Test func standardNetworkCostsAbout85MegaflopPerImage() throws {
        let network = TwinNetwork(architecture: .standard, seed: 1)
        let megaflop = Double(network.flopsPerImage) / 1e6
        #expect((80...100).contains(megaflop), "the shipped network costs \(megaflop) MFLOP per image")
        #expect(try network.tower.outputShape(for: [2, 3, 96, 96]) == [2, 128])
    }

    @Test func wrongInputShapeIsReportedWithTheLayerName() {
        let network = TwinNetwork(architecture: .standard, seed: 1)
        let error = #expect(throws: NeuralNetError.self) {
            try network.tower.forward(Tensor(zeros: [1, 1, 96, 96]), context: ExecutionContext(mode: .inference))
        }
        #expect(error?.description.contains("stem.conv") == true, "error was: \(String(describing: error))")
    }
}
