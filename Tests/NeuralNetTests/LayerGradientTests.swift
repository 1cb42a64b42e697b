import Testing

@testable import NeuralNet

struct ConvolutionCase: Sendable, CustomTestStringConvertible {
    var batch, inChannels, outChannels, height, width, kernel, stride, padding: Int
    var hasBias: Bool
    var testDescription: String {
        "N\(batch) \(inChannels)→\(outChannels) \(height)×\(width) k\(kernel) s\(stride) p\(padding) bias \(hasBias)"
    }
}

@Suite struct LayerGradientTests {
    static let convolutionCases: [ConvolutionCase] = [
        .init(
            batch: 1, inChannels: 3, outChannels: 4, height: 7, width: 5, kernel: 3, stride: 2, padding: 1,
            hasBias: true),
        .init(
            batch: 2, inChannels: 2, outChannels: 3, height: 6, width: 6, kernel: 1, stride: 1, padding: 0,
            hasBias: false),
        .init(
            batch: 3, inChannels: 3, outChannels: 2, height: 5, width: 7, kernel: 3, stride: 1, padding: 1,
            hasBias: true),
        .init(
            batch: 2, inChannels: 4, outChannels: 3, height: 9, width: 8, kernel: 5, stride: 3, padding: 2,
            hasBias: true),
        .init(
            batch: 1, inChannels: 1, outChannels: 1, height: 4, width: 4, kernel: 2, stride: 2, padding: 0,
            hasBias: true),
        .init(
            batch: 3, inChannels: 2, outChannels: 2, height: 5, width: 5, kernel: 1, stride: 2, padding: 0,
            hasBias: false),
    ]

    @Test(arguments: convolutionCases)
    func convolutionGradientsMatchFiniteDifferences(_ shape: ConvolutionCase) throws {
        var random = RandomSource(seed: 11)
        let layer = Conv2D(
            name: "conv", inChannels: shape.inChannels, outChannels: shape.outChannels, kernelSize: shape.kernel,
            stride: shape.stride, padding: shape.padding, hasBias: shape.hasBias, random: &random)
        try GradientCheck.checkLayer(
            layer, inputShape: [shape.batch, shape.inChannels, shape.height, shape.width], seed: 1, threads: 2)
    }

    @Test(arguments: [(2, 3, 7, 7, 1), (2, 4, 8, 6, 2), (1, 2, 5, 5, 2), (3, 2, 1, 1, 1)])
    func depthwiseGradientsMatchFiniteDifferences(
        batch: Int, channels: Int, height: Int, width: Int, stride: Int
    ) throws {
        var random = RandomSource(seed: 12)
        let layer = DepthwiseConv2D(name: "dw", channels: channels, stride: stride, random: &random)
        try GradientCheck.checkLayer(layer, inputShape: [batch, channels, height, width], seed: 2, threads: 2)
    }

    @Test(arguments: [[4, 3, 5, 3], [6, 5], [1, 2, 3, 3]])
    func batchNormTrainingGradientsMatchFiniteDifferences(shape: [Int]) throws {
        let layer = BatchNorm(name: "bn", channels: shape[1])
        layer.scale.value = try Tensor(shape: [shape[1]], scalars: (0..<shape[1]).map { 0.5 + Float($0) * 0.3 })
        layer.shift.value = try Tensor(shape: [shape[1]], scalars: (0..<shape[1]).map { Float($0) * 0.1 - 0.2 })
        try GradientCheck.checkLayer(layer, inputShape: shape, seed: 3, threads: 2)
    }

    @Test func reluGradientMatchesFiniteDifferences() throws {
        try GradientCheck.checkLayer(ReLU(name: "relu"), inputShape: [2, 3, 4, 5], seed: 4)
    }

    @Test(arguments: [
        (Pool2D.Kind.max, 2, 2, 6, 6), (.max, 3, 2, 7, 5), (.average, 2, 2, 6, 4), (.average, 3, 1, 5, 5),
    ])
    func poolingGradientsMatchFiniteDifferences(
        kind: Pool2D.Kind, kernel: Int, stride: Int, height: Int, width: Int
    ) throws {
        try GradientCheck.checkLayer(
            Pool2D(name: "pool", kind: kind, kernelSize: kernel, stride: stride), inputShape: [2, 3, height, width],
            seed: 5)
    }

    @Test(arguments: [
        GlobalPooling.Kind.average, .max, .averageAndMax, .generalizedMean(power: 3),
    ])
    func globalPoolingGradientsMatchFiniteDifferences(kind: GlobalPooling.Kind) throws {
        let positive = if case .generalizedMean = kind { true } else { false }
        try GradientCheck.checkLayer(
            GlobalPooling(name: "global", kind: kind), inputShape: [3, 4, 3, 5], seed: 6, positiveInput: positive)
    }

    @Test(arguments: [(1, 5, 3), (4, 7, 2), (3, 1, 1)])
    func denseGradientsMatchFiniteDifferences(batch: Int, inputs: Int, outputs: Int) throws {
        var random = RandomSource(seed: 13)
        try GradientCheck.checkLayer(
            Dense(name: "dense", inputs: inputs, outputs: outputs, random: &random), inputShape: [batch, inputs],
            seed: 7)
    }

    @Test func dropoutGradientMatchesFiniteDifferencesWithItsMask() throws {
        let layer = Dropout(name: "dropout", rate: 0.4, seed: 99)
        let start = layer.random
        // Replaying the generator makes every forward draw the same mask, as one training step does.
        try GradientCheck.checkLayer(layer, inputShape: [3, 10], seed: 8, beforeForward: { layer.random = start })
        let output = try layer.forward(
            Tensor(repeating: 1, shape: [1, 1000]), context: ExecutionContext(mode: .training))
        let dropped = output.scalars.filter { $0 == 0 }.count
        #expect((300...500).contains(dropped), "a 40% dropout zeroed \(dropped) of 1000 values")
        let inference = try layer.forward(
            Tensor(repeating: 1, shape: [1, 10]), context: ExecutionContext(mode: .inference))
        #expect(inference.scalars.allSatisfy { $0 == 1 }, "dropout changed values in inference")
    }

    @Test func l2NormalizationGradientMatchesFiniteDifferences() throws {
        try GradientCheck.checkLayer(L2Normalization(name: "l2"), inputShape: [3, 6], seed: 9)
    }

    @Test(arguments: [[2, 3, 4, 5], [1, 1, 3, 1]])
    func perImageStandardizationGradientMatchesFiniteDifferences(shape: [Int]) throws {
        try GradientCheck.checkLayer(PerImageStandardization(name: "standardize"), inputShape: shape, seed: 10)
    }

    @Test func sequentialGradientsMatchFiniteDifferences() throws {
        var random = RandomSource(seed: 14)
        let network = Sequential([
            PerImageStandardization(name: "standardize"),
            Conv2D(
                name: "conv", inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, hasBias: false,
                random: &random),
            BatchNorm(name: "bn", channels: 4), ReLU(name: "relu"),
            DepthwiseConv2D(name: "dw", channels: 4, stride: 2, random: &random),
            // Average pooling: a global max over a few pixels switches winner under the probe's nudge, a kink
            // that finite differences cannot see through (the max path is checked on its own above).
            GlobalPooling(name: "pool", kind: .average),
            Dense(name: "dense", inputs: 4, outputs: 3, random: &random),
            L2Normalization(name: "l2"),
        ])
        try GradientCheck.checkLayer(network, inputShape: [3, 3, 9, 7], seed: 15, threads: 2)
    }
}
