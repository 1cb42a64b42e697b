import Testing

@testable import NeuralNet

@Suite struct DepthwiseKernelTests {
    /// The SIMD kernel must agree with the plain definition of a padded 3×3 depthwise convolution on planes wide
    /// enough to use it, including odd widths whose last vector chunk overlaps the one before.
    @Test(arguments: [(1, 19, 37), (2, 20, 9), (1, 33, 48), (2, 48, 48), (2, 17, 40)])
    func vectorKernelMatchesTheDefinition(stride: Int, height: Int, width: Int) throws {
        var random = RandomSource(seed: 61)
        let layer = DepthwiseConv2D(name: "dw", channels: 3, stride: stride, random: &random)
        for index in 0..<3 { layer.bias!.value.scalars[index] = random.nextNormal() }
        let input = GradientCheck.randomTensor([2, 3, height, width], random: &random)
        let output = try layer.forward(input, context: ExecutionContext(mode: .training, threads: 2))
        let (outH, outW) = (output.shape[2], output.shape[3])
        var worst: Float = 0
        for plane in 0..<6 {
            let channel = plane % 3
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var expected = layer.bias!.value.scalars[channel]
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let (iy, ix) = (oy * stride - 1 + ky, ox * stride - 1 + kx)
                            guard (0..<height).contains(iy), (0..<width).contains(ix) else { continue }
                            expected +=
                                layer.weight.value.scalars[channel * 9 + ky * 3 + kx]
                                * input.scalars[(plane * height + iy) * width + ix]
                        }
                    }
                    worst = max(worst, abs(expected - output.scalars[(plane * outH + oy) * outW + ox]))
                }
            }
        }
        #expect(worst < 1e-5, "depthwise output differs from the definition by \(worst)")
    }
}
