import Testing

@testable import NeuralNet

/// In training, Sequential runs a BatchNorm and the ReLU after it as one pass each way; that must give what the two
/// layers give on their own.
@Suite struct FusedBatchNormReLUTests {
    static func layers(seed: UInt64) -> [any Layer] {
        var random = RandomSource(seed: seed)
        let norm = BatchNorm(name: "bn", channels: 3)
        for channel in 0..<3 {
            norm.scale.value.scalars[channel] = 0.5 + random.nextUniform()
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

        func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
        #expect(worst(fusedOutput.scalars, separateOutput.scalars) < 1e-5, "fused forward output differs")
        #expect(worst(fusedGradient.scalars, separateGradient.scalars) < 1e-4, "fused input gradient differs")
        let pairs = zip(fused.parameters, separate.flatMap(\.parameters))
        for (a, b) in pairs {
            #expect(worst(a.gradient.scalars, b.gradient.scalars) < 1e-4, "gradient of \(a.name) differs")
            #expect(worst(a.value.scalars, b.value.scalars) < 1e-6, "running statistic \(a.name) differs")
        }
    }
}
