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
        var output = Tensor(uninitialized: [batch, channels, geometry.outputHeight, geometry.outputWidth])
        let (channels, kernel, relu) = (self.channels, kernelSize, fusedReLU)
        withForwardMemory(input: input, weight: weight, bias: bias, output: &output) {
            source, filters, biasPointer, target in
            let fast = Self.hasFastKernel(geometry)
            ParallelLoop.run(count: batch * channels, threads: context.loopThreads) { planes, _ in
                if fast {
                    let layout = DepthwisePadding(geometry)
                    let scratch = layout.allocateScratch()
                    defer { scratch.deallocate() }
                    for plane in planes {
                        let channel = plane % channels
                        layout.copy(source + plane * inPlane, into: scratch)
                        DepthwiseKernel3x3.convolve(
                            scratch, layout: layout, filter: filters + channel * 9,
                            bias: biasPointer?[channel] ?? 0, relu: relu, into: target + plane * outPlane)
                    }
                    return
                }
                for plane in planes {
                    let channel = plane % channels
                    let result = target + plane * outPlane
                    result.update(repeating: biasPointer?[channel] ?? 0, count: outPlane)
                    Self.convolvePlane(
                        source + plane * inPlane, filters + channel * kernel * kernel, into: result,
                        geometry: geometry)
                    if relu { for pixel in 0..<outPlane { result[pixel] = max(result[pixel], 0) } }
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    /// Whether the padded SIMD kernels apply: 3×3 (padding 1), stride 1 or 2.
    private static func hasFastKernel(_ geometry: ConvolutionGeometry) -> Bool {
        geometry.kernel == 3 && (geometry.stride == 1 || geometry.stride == 2)
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
        // The 3×3 kernels write every input-gradient pixel; the direct loops add into zeros.
        var inputGradient =
            Self.hasFastKernel(geometry) ? Tensor(uninitialized: input.shape) : Tensor(zeros: input.shape)
        // Parallel over channels, each sums its own weight gradient over the batch in sample order: reproducible
        // for any thread count.
        var weightGradient = [Float](repeating: 0, count: channels * taps)
        var biasGradient = [Float](repeating: 0, count: channels)
        let (channels, fast) = (self.channels, Self.hasFastKernel(geometry))
        let hasBias = bias != nil
        withBackwardMemory(
            input: input, weight: weight, outputGradient: outputGradient, inputGradient: &inputGradient,
            weightSums: &weightGradient, biasSums: &biasGradient
        ) { source, filters, upstream, downstream, weightSum, biasSums in
            ParallelLoop.run(count: channels, threads: context.loopThreads) { channelRange, _ in
                if fast {
                    Self.backwardPadded(
                        channels: channelRange, of: channels, batch: batch, geometry: geometry, hasBias: hasBias,
                        input: source, filters: filters, upstream: upstream, downstream: downstream,
                        weightSums: weightSum, biasSums: biasSums)
                    return
                }
                for channel in channelRange {
                    for sample in 0..<batch {
                        let plane = sample * channels + channel
                        let gradient = upstream + plane * outPlane
                        var channelBias = Float(0)
                        for pixel in 0..<outPlane { channelBias += gradient[pixel] }
                        biasSums[channel] += channelBias
                        Self.backwardPlane(
                            input: source + plane * inPlane, gradient: gradient, filter: filters + channel * taps,
                            geometry: geometry, inputGradient: downstream + plane * inPlane,
                            weightGradient: weightSum + channel * taps)
                    }
                }
            }
        }
        for index in weightGradient.indices { weight.gradient.scalars[index] += weightGradient[index] }
        if let bias { for index in biasGradient.indices { bias.gradient.scalars[index] += biasGradient[index] } }
        return inputGradient
    }

    /// The 3×3 backward pass of `channels` (of `channelCount`) over the whole batch, on padded copies of each input
    /// and output-gradient plane; each channel's weight and bias gradients are summed in sample order.
    // swiftlint:disable:next function_parameter_count
    private static func backwardPadded(
        channels: Range<Int>, of channelCount: Int, batch: Int, geometry: ConvolutionGeometry, hasBias: Bool,
        input: UnsafePointer<Float>, filters: UnsafePointer<Float>, upstream: UnsafePointer<Float>,
        downstream: UnsafeMutablePointer<Float>, weightSums: UnsafeMutablePointer<Float>,
        biasSums: UnsafeMutablePointer<Float>
    ) {
        let layout = DepthwisePadding(geometry)
        let gradientLayout = DepthwisePadding(height: geometry.outputHeight, width: geometry.outputWidth, stride: 1)
        let (paddedInput, paddedGradient) = (layout.allocateScratch(), gradientLayout.allocateScratch())
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * layout.rowLength)
        defer {
            paddedInput.deallocate()
            paddedGradient.deallocate()
            rows.deallocate()
        }
        let (inPlane, outPlane) = (geometry.height * geometry.width, geometry.outputPixels)
        for channel in channels {
            for sample in 0..<batch {
                let plane = sample * channelCount + channel
                layout.copy(input + plane * inPlane, into: paddedInput)
                gradientLayout.copy(upstream + plane * outPlane, into: paddedGradient)
                if hasBias {
                    biasSums[channel] += DepthwiseGradient3x3.sum(
                        gradient: paddedGradient, gradientLayout: gradientLayout)
                }
                DepthwiseGradient3x3.addWeightGradient(
                    input: paddedInput, layout: layout, gradient: paddedGradient, gradientLayout: gradientLayout,
                    into: weightSums + channel * 9)
                DepthwiseGradient3x3.inputGradient(
                    gradient: paddedGradient, gradientLayout: gradientLayout, layout: layout,
                    filter: filters + channel * 9, rows: rows, into: downstream + plane * inPlane)
            }
        }
    }

    /// Direct loops for any kernel: adds one plane's input gradient and weight gradient.
    private static func backwardPlane(
        input image: UnsafePointer<Float>, gradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
        geometry: ConvolutionGeometry, inputGradient imageGradient: UnsafeMutablePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>
    ) {
        let (kernel, width, outW, stride, pad) = (
            geometry.kernel, geometry.width, geometry.outputWidth, geometry.stride, geometry.padding
        )
        for ky in 0..<kernel {
            let rows = geometry.validRange(offset: ky, extent: geometry.height, outputs: geometry.outputHeight)
            for kx in 0..<kernel {
                let tap = filter[ky * kernel + kx]
                let cols = geometry.validRange(offset: kx, extent: width, outputs: outW)
                var tapGradient = Float(0)
                for oy in rows {
                    let offset = (oy * stride - pad + ky) * width - pad + kx
                    let row = gradient + oy * outW
                    for ox in cols {
                        tapGradient += row[ox] * image[offset + ox * stride]
                        imageGradient[offset + ox * stride] += tap * row[ox]
                    }
                }
                weightGradient[ky * kernel + kx] += tapGradient
            }
        }
    }
}

extension DepthwiseConv2D: BufferedInference {
    func inferenceScratchCount(for inputShape: [Int]) -> Int {
        guard let geometry = try? geometry(for: inputShape), Self.hasFastKernel(geometry) else { return 0 }
        return DepthwisePadding(geometry).scratchCount
    }

    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let geometry = ConvolutionGeometry(
            channels: 1, height: inputShape[2], width: inputShape[3], kernel: kernelSize, stride: stride,
            padding: padding)
        let (inPlane, outPlane, kernel, relu) = (
            geometry.height * geometry.width, geometry.outputPixels, kernelSize, fusedReLU
        )
        let fast = Self.hasFastKernel(geometry)
        let layout = DepthwisePadding(height: geometry.height, width: geometry.width, stride: fast ? stride : 1)
        // The scratch held another layer's data: zero the borders the kernel relies on.
        if fast { scratch.update(repeating: 0, count: layout.scratchCount) }
        weight.value.scalars.withUnsafeBufferPointer { weights in
            let biases = bias?.value.scalars
            for channel in 0..<channels {
                let (plane, result) = (input + channel * inPlane, output + channel * outPlane)
                let channelBias = biases?[channel] ?? 0
                if fast {
                    layout.copy(plane, into: scratch)
                    DepthwiseKernel3x3.convolve(
                        scratch, layout: layout, filter: weights.baseAddress! + channel * 9, bias: channelBias,
                        relu: relu, into: result)
                } else {
                    result.update(repeating: channelBias, count: outPlane)
                    Self.convolvePlane(
                        plane, weights.baseAddress! + channel * kernel * kernel, into: result, geometry: geometry)
                    if relu { for pixel in 0..<outPlane { result[pixel] = max(result[pixel], 0) } }
                }
            }
        }
    }
}
