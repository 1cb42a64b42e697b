/// Depthwise convolution: each channel is convolved with its own k×k kernel (3×3 in the shipped network),
/// padding k/2. Direct loops rather than im2col: the work per channel is tiny, and for stride 1 the innermost loop
/// runs over contiguous output and input pixels, which the compiler vectorises.
public final class DepthwiseConv2D: Layer {
    public let name: String
    public let channels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// `[channels, 1, kernelSize, kernelSize]`.
    public let weight: Parameter
    public let bias: Parameter?
    public var fusedReLU = false
    private var cachedInput: Tensor?

    public init(
        name: String, channels: Int, kernelSize: Int = 3, stride: Int = 1, hasBias: Bool = true,
        random: inout RandomSource
    ) {
        precondition(channels > 0 && kernelSize > 0 && kernelSize % 2 == 1 && stride > 0)
        self.name = name
        self.channels = channels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = kernelSize / 2
        weight = Parameter(
            name: "weight",
            value: Initializers.heNormal(
                shape: [channels, 1, kernelSize, kernelSize], fanIn: kernelSize * kernelSize, random: &random))
        bias = hasBias ? Parameter(name: "bias", value: Tensor(zeros: [channels])) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    private func geometry(for shape: [Int]) throws(NeuralNetError) -> ConvolutionGeometry {
        _ = try Tensor.checkShape(shape, [nil, channels, nil, nil], "\(name) (DepthwiseConv2D)")
        return ConvolutionGeometry(
            channels: 1, height: shape[2], width: shape[3], kernel: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        let geometry = try geometry(for: inputShape)
        return [inputShape[0], channels, geometry.outputHeight, geometry.outputWidth]
    }

    public func flops(for inputShape: [Int]) -> Int {
        guard let geometry = try? geometry(for: inputShape) else { return 0 }
        return 2 * channels * kernelSize * kernelSize * geometry.outputPixels
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let geometry = try geometry(for: input.shape)
        let batch = input.shape[0]
        let (inPlane, outPlane) = (geometry.height * geometry.width, geometry.outputPixels)
        var output = Tensor(zeros: [batch, channels, geometry.outputHeight, geometry.outputWidth])
        let (channels, kernel, relu) = (self.channels, kernelSize, fusedReLU)
        input.scalars.withUnsafeBufferPointer { inputBuffer in
            weight.value.scalars.withUnsafeBufferPointer { weights in
                (bias?.value.scalars ?? []).withUnsafeBufferPointer { biases in
                    output.scalars.withUnsafeMutableBufferPointer { outputBuffer in
                        let (source, filters, target) = (
                            inputBuffer.baseAddress!, weights.baseAddress!, outputBuffer.baseAddress!
                        )
                        // An empty array may still have a base address; only a real bias may be read.
                        let biasPointer = bias == nil ? nil : biases.baseAddress
                        ParallelLoop.run(count: batch * channels, threads: context.loopThreads) { planes, _ in
                            for plane in planes {
                                let channel = plane % channels
                                let result = target + plane * outPlane
                                if kernel == 3 && (geometry.stride == 1 || geometry.stride == 2)
                                    && geometry.outputWidth >= 9
                                {
                                    DepthwiseKernel3x3.convolve(
                                        source + plane * inPlane, filter: filters + channel * 9,
                                        bias: biasPointer?[channel] ?? 0, relu: relu, into: result, geometry: geometry)
                                    continue
                                }
                                result.update(repeating: biasPointer?[channel] ?? 0, count: outPlane)
                                Self.convolvePlane(
                                    source + plane * inPlane, filters + channel * kernel * kernel, into: result,
                                    geometry: geometry)
                                if relu { for pixel in 0..<outPlane { result[pixel] = max(result[pixel], 0) } }
                            }
                        }
                    }
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    /// Adds one channel's convolution to `output`, row by row and tap by tap so inner loops stay contiguous.
    private static func convolvePlane(
        _ input: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
        geometry: ConvolutionGeometry
    ) {
        let (width, outW, stride, pad, kernel) = (
            geometry.width, geometry.outputWidth, geometry.stride, geometry.padding, geometry.kernel
        )
        for ky in 0..<kernel {
            let rows = geometry.validRange(offset: ky, extent: geometry.height, outputs: geometry.outputHeight)
            for kx in 0..<kernel {
                let tap = filter[ky * kernel + kx]
                let cols = geometry.validRange(offset: kx, extent: width, outputs: outW)
                if cols.isEmpty { continue }
                for oy in rows {
                    let source = input + (oy * stride - pad + ky) * width - pad + kx
                    let target = output + oy * outW
                    if stride == 1 {
                        for ox in cols { target[ox] += tap * source[ox] }
                    } else {
                        for ox in cols { target[ox] += tap * source[ox * stride] }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput else { throw missingForwardCache() }
        let geometry = try geometry(for: input.shape)
        let batch = input.shape[0]
        try outputGradient.requireShape(
            [batch, channels, geometry.outputHeight, geometry.outputWidth], "\(name) (DepthwiseConv2D) backward")
        let (inPlane, outPlane, taps) = (
            geometry.height * geometry.width, geometry.outputPixels, kernelSize * kernelSize
        )
        var inputGradient = Tensor(zeros: input.shape)
        // Parallel over channels, each sums its own weight gradient over the batch in sample order: reproducible
        // for any thread count.
        var weightGradient = [Float](repeating: 0, count: channels * taps)
        var biasGradient = [Float](repeating: 0, count: channels)
        let (channels, kernel, width, outW, stride, pad) = (
            self.channels, kernelSize, geometry.width, geometry.outputWidth, geometry.stride, geometry.padding
        )
        input.scalars.withUnsafeBufferPointer { inputBuffer in
            weight.value.scalars.withUnsafeBufferPointer { weights in
                outputGradient.scalars.withUnsafeBufferPointer { upstreamBuffer in
                    inputGradient.scalars.withUnsafeMutableBufferPointer { downstreamBuffer in
                        weightGradient.withUnsafeMutableBufferPointer { weightSums in
                            biasGradient.withUnsafeMutableBufferPointer { biasSums in
                                let (source, filters, upstream) = (
                                    inputBuffer.baseAddress!, weights.baseAddress!, upstreamBuffer.baseAddress!
                                )
                                let (downstream, weightSum) = (downstreamBuffer.baseAddress!, weightSums.baseAddress!)
                                ParallelLoop.run(count: channels, threads: context.loopThreads) { channelRange, _ in
                                    for channel in channelRange {
                                        for sample in 0..<batch {
                                            let plane = sample * channels + channel
                                            let image = source + plane * inPlane
                                            let imageGradient = downstream + plane * inPlane
                                            let gradient = upstream + plane * outPlane
                                            var channelBias = Float(0)
                                            for pixel in 0..<outPlane { channelBias += gradient[pixel] }
                                            biasSums[channel] += channelBias
                                            for ky in 0..<kernel {
                                                let rows = geometry.validRange(
                                                    offset: ky, extent: geometry.height, outputs: geometry.outputHeight)
                                                for kx in 0..<kernel {
                                                    let tap = filters[channel * taps + ky * kernel + kx]
                                                    let cols = geometry.validRange(
                                                        offset: kx, extent: width, outputs: outW)
                                                    var tapGradient = Float(0)
                                                    for oy in rows {
                                                        let offset = (oy * stride - pad + ky) * width - pad + kx
                                                        let row = gradient + oy * outW
                                                        for ox in cols {
                                                            tapGradient += row[ox] * image[offset + ox * stride]
                                                            imageGradient[offset + ox * stride] += tap * row[ox]
                                                        }
                                                    }
                                                    weightSum[channel * taps + ky * kernel + kx] += tapGradient
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for index in weightGradient.indices { weight.gradient.scalars[index] += weightGradient[index] }
        if let bias { for index in biasGradient.indices { bias.gradient.scalars[index] += biasGradient[index] } }
        return inputGradient
    }
}
