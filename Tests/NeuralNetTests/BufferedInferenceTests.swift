import Testing

@testable import NeuralNet

/// Inference through reused buffers must give what each layer's own `forward` gives when run one after another.
@Suite struct BufferedInferenceTests {
    /// A small folded tower with every buffered layer kind: standardisation, a padded stride-2 convolution (im2col),
    /// depthwise 3×3 at stride 1 and 2 and 5×5 (direct loops), 1×1 convolutions, each pooling kind and a dense layer.
    static func network(pooling: GlobalPooling.Kind, seed: UInt64) -> Sequential {
        var random = RandomSource(seed: seed)
        let pooledWidth = pooling == .averageAndMax ? 12 : 6
        let layers: [any Layer] = [
            PerImageStandardization(name: "standardize"),
            Conv2D(name: "stem", inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, random: &random),
            DepthwiseConv2D(name: "dw1", channels: 4, stride: 1, random: &random),
            Conv2D(name: "pw1", inChannels: 4, outChannels: 5, kernelSize: 1, random: &random),
            DepthwiseConv2D(name: "dw2", channels: 5, stride: 2, random: &random),
            DepthwiseConv2D(name: "dw3", channels: 5, kernelSize: 5, random: &random),
            Conv2D(name: "pw2", inChannels: 5, outChannels: 6, kernelSize: 1, random: &random),
            GlobalPooling(name: "pool", kind: pooling),
            Dense(name: "embedding", inputs: pooledWidth, outputs: 7, random: &random),
        ]
        for case let conv as Conv2D in layers { conv.fusedReLU = true }
        for case let conv as DepthwiseConv2D in layers {
            conv.fusedReLU = true
            for index in conv.bias!.value.scalars.indices { conv.bias!.value.scalars[index] = random.nextNormal() }
        }
        return Sequential(layers)
    }

    @Test(arguments: [
        (GlobalPooling.Kind.averageAndMax, 1, 1), (.average, 3, 2), (.max, 4, 1), (.generalizedMean(power: 3), 2, 2),
    ])
    func bufferedInferenceMatchesLayerByLayerForward(pooling: GlobalPooling.Kind, batch: Int, threads: Int) throws {
        let network = Self.network(pooling: pooling, seed: 71)
        var random = RandomSource(seed: 72)
        let images = GradientCheck.randomTensor([batch, 3, 17, 23], random: &random)
        let context = ExecutionContext(mode: .inference, threads: threads)
        var expected = images
        for layer in network.layers { expected = try layer.forward(expected, context: context) }
        // Twice: the second pass reuses buffers that still hold the first pass's values.
        for _ in 0..<2 {
            let output = try network.forward(images, context: context)
            #expect(output.shape == expected.shape)
            let worst = zip(output.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "buffered inference differs from the layers' own forward passes by \(worst)")
        }
    }
}
