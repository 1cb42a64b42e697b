import Testing

@testable import NeuralNet

/// In training, Sequential runs a BatchNorm and the ReLU after it as one pass each way; that must give what the two
/// layers give on their own, bit for bit: the fused backward pass recomputes where the ReLU let the gradient through
/// instead of reading it back, and a different answer at one value would change training.
@Suite struct FusedBatchNormReLUTests {
    static func layers(seed: UInt64) -> [any Layer] {
        var random = RandomSource(seed: seed)
        let norm = BatchNorm(name: "bn", channels: 3)
        for channel in 0..<3 {
            // A negative scale (channel 1) flips which side of the mean the ReLU passes.
            norm.scale.value.scalars[channel] = (channel == 1 ? -1 : 1) * (0.5 + random.nextUniform())
            norm.shift.value.scalars[channel] = random.nextNormal()
        }
        return [
            Conv2D(name: "conv", inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, random: &random), norm,
            ReLU(name: "relu"), DepthwiseConv2D(name: "dw", channels: 3, stride: 2, random: &random),
        ]
    }

    @Test(arguments: [([1, 2, 5, 7], 1), ([3, 2, 9, 8], 2)])
    func fusedPassesMatchSeparateLayers(shape: [Int], threads: Int) throws {
        var random = RandomSource(seed: 81)
        let input = GradientCheck.randomTensor(shape, random: &random)
        let context = ExecutionContext(mode: .training, threads: threads)
        let fused = Sequential(Self.layers(seed: 82))
        let separate = Self.layers(seed: 82)

        let fusedOutput = try fused.forward(input, context: context)
        var separateOutput = input
        for layer in separate { separateOutput = try layer.forward(separateOutput, context: context) }
        let outputGradient = GradientCheck.randomTensor(fusedOutput.shape, random: &random)
        let fusedGradient = try fused.backward(outputGradient, context: context)
        var separateGradient = outputGradient
        for layer in separate.reversed() { separateGradient = try layer.backward(separateGradient, context: context) }

        #expect(fusedOutput.scalars == separateOutput.scalars, "fused forward output differs")
        #expect(fusedGradient.scalars == separateGradient.scalars, "fused input gradient differs")
        let pairs = zip(fused.parameters, separate.flatMap(\.parameters))
        for (a, b) in pairs {
            #expect(a.gradient.scalars == b.gradient.scalars, "gradient of \(a.name) differs")
            #expect(a.value.scalars == b.value.scalars, "running statistic \(a.name) differs")
        }
    }
}
