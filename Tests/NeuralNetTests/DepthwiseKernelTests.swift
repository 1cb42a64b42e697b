import Testing

@testable import NeuralNet

struct DepthwiseCase: Sendable, CustomTestStringConvertible {
    var batch, channels, height, width, stride: Int
    var testDescription: String { "N\(batch) C\(channels) \(height)×\(width) s\(stride)" }
}

/// The padded SIMD kernels of the 3×3 depthwise convolution against the plain definition, computed here in Double
/// with bounds-checked loops, on plane sizes that exercise every border case: smaller than one vector, odd, one
/// vector plus a few, the shipped network's sizes, batch 1 and 1×1 planes.
@Suite struct DepthwiseKernelTests {
    static let cases: [DepthwiseCase] = [
        .init(batch: 2, channels: 3, height: 19, width: 37, stride: 1),
        .init(batch: 2, channels: 3, height: 20, width: 9, stride: 2),
        .init(batch: 1, channels: 2, height: 33, width: 48, stride: 1),
        .init(batch: 2, channels: 2, height: 48, width: 48, stride: 2),
        .init(batch: 2, channels: 3, height: 17, width: 40, stride: 2),
        .init(batch: 1, channels: 3, height: 6, width: 6, stride: 1),
        .init(batch: 2, channels: 2, height: 12, width: 12, stride: 2),
        .init(batch: 2, channels: 2, height: 7, width: 5, stride: 1),
        .init(batch: 1, channels: 2, height: 7, width: 5, stride: 2),
        .init(batch: 3, channels: 1, height: 1, width: 1, stride: 1),
        .init(batch: 2, channels: 1, height: 1, width: 1, stride: 2),
        .init(batch: 2, channels: 2, height: 2, width: 3, stride: 2),
        .init(batch: 1, channels: 2, height: 13, width: 31, stride: 2),
        .init(batch: 2, channels: 2, height: 16, width: 16, stride: 2),
        .init(batch: 1, channels: 2, height: 3, width: 17, stride: 1),
    ]

    /// Outputs, input gradient, weight and bias gradients of the definition, in Double.
    static func reference(
        _ layer: DepthwiseConv2D, input: Tensor, outputGradient: Tensor
    ) -> (output: [Double], inputGradient: [Double], weightGradient: [Double], biasGradient: [Double]) {
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outH, outW, stride) = (outputGradient.shape[2], outputGradient.shape[3], layer.stride)
        var output = [Double](repeating: 0, count: outputGradient.count)
        var inputGradient = [Double](repeating: 0, count: input.count)
        var weightGradient = [Double](repeating: 0, count: channels * 9)
        var biasGradient = [Double](repeating: 0, count: channels)
        for sample in 0..<batch {
            for channel in 0..<channels {
                let plane = sample * channels + channel
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let outIndex = (plane * outH + oy) * outW + ox
                        let g = Double(outputGradient.scalars[outIndex])
                        var sum = Double(layer.bias!.value.scalars[channel])
                        biasGradient[channel] += g
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let (iy, ix) = (oy * stride - 1 + ky, ox * stride - 1 + kx)
                                guard (0..<height).contains(iy), (0..<width).contains(ix) else { continue }
                                let inIndex = (plane * height + iy) * width + ix
                                let w = Double(layer.weight.value.scalars[channel * 9 + ky * 3 + kx])
                                sum += w * Double(input.scalars[inIndex])
                                inputGradient[inIndex] += w * g
                                weightGradient[channel * 9 + ky * 3 + kx] += g * Double(input.scalars[inIndex])
                            }
                        }
                        output[outIndex] = sum
                    }
                }
            }
        }
        return (output, inputGradient, weightGradient, biasGradient)
    }

    static func worstDifference(_ actual: [Float], _ expected: [Double]) -> Double {
        zip(actual, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test(arguments: cases)
    func kernelsMatchTheDefinition(_ shape: DepthwiseCase) throws {
        var random = RandomSource(seed: 61)
        let layer = DepthwiseConv2D(name: "dw", channels: shape.channels, stride: shape.stride, random: &random)
        for index in 0..<shape.channels { layer.bias!.value.scalars[index] = random.nextNormal() }
        let input = GradientCheck.randomTensor(
            [shape.batch, shape.channels, shape.height, shape.width], random: &random)
        let context = ExecutionContext(mode: .training, threads: 2)
        let output = try layer.forward(input, context: context)
        let outputGradient = GradientCheck.randomTensor(output.shape, random: &random)
        let inputGradient = try layer.backward(outputGradient, context: context)
        let expected = Self.reference(layer, input: input, outputGradient: outputGradient)

        let outputError = Self.worstDifference(output.scalars, expected.output)
        #expect(outputError < 1e-5, "depthwise output differs from the definition by \(outputError)")
        let inputError = Self.worstDifference(inputGradient.scalars, expected.inputGradient)
        #expect(inputError < 1e-5, "depthwise input gradient differs from the definition by \(inputError)")
        let weightError = Self.worstDifference(layer.weight.gradient.scalars, expected.weightGradient)
        #expect(weightError < 1e-4, "depthwise weight gradient differs from the definition by \(weightError)")
        let biasError = Self.worstDifference(layer.bias!.gradient.scalars, expected.biasGradient)
        #expect(biasError < 1e-4, "depthwise bias gradient differs from the definition by \(biasError)")
    }

    /// Folded inference (bias and ReLU in the kernel) computes max(0, definition).
    @Test(arguments: [cases[5], cases[6], cases[8], cases[13]])
    func fusedReLUClampsTheDefinition(_ shape: DepthwiseCase) throws {
        var random = RandomSource(seed: 62)
        let layer = DepthwiseConv2D(name: "dw", channels: shape.channels, stride: shape.stride, random: &random)
        for index in 0..<shape.channels { layer.bias!.value.scalars[index] = random.nextNormal() }
        layer.fusedReLU = true
        let input = GradientCheck.randomTensor(
            [shape.batch, shape.channels, shape.height, shape.width], random: &random)
        let output = try layer.forward(input, context: ExecutionContext(mode: .inference))
        let zeros = Tensor(zeros: output.shape)
        let expected = Self.reference(layer, input: input, outputGradient: zeros).output.map { max($0, 0) }
        let error = Self.worstDifference(output.scalars, expected)
        #expect(error < 1e-5, "depthwise output with fused ReLU differs from max(0, definition) by \(error)")
    }
}
