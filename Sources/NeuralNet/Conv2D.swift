/// 2-D convolution with a square kernel over NCHW input, computed per sample as im2col followed by one
/// `sgemm` (a 1×1 stride-1 convolution multiplies the input directly). After BatchNorm folding it may carry a
/// bias and a fused ReLU, so that inference makes one pass over each output.
public final class Conv2D: Layer {
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// `[outChannels, inChannels, kernelSize, kernelSize]`.
    public let weight: Parameter
    /// `[outChannels]`, or nil for a convolution followed by BatchNorm.
    public let bias: Parameter?
    /// Applies max(0, ·) to the output; set by inference folding, not differentiable.
    public var fusedReLU = false
    private var cachedInput: Tensor?

    public init(
        name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        hasBias: Bool = true, random: inout RandomSource
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0)
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Parameter(
            name: "weight",
            value: Initializers.heNormal(
                shape: [outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn,
                random: &random))
        bias = hasBias ? Parameter(name: "bias", value: Tensor(zeros: [outChannels])) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    private func geometry(for shape: [Int]) throws(NeuralNetError) -> ConvolutionGeometry {
        let input = try Tensor.checkShape(shape, [nil, inChannels, nil, nil], "\(name) (Conv2D)")
        let geometry = ConvolutionGeometry(
            channels: inChannels, height: input[2], width: input[3], kernel: kernelSize, stride: stride,
            padding: padding)
        guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
            throw .shapeMismatch(
                context: "\(name) (Conv2D)", expected: "at least \(kernelSize - 2 * padding) pixels per side",
                actual: shape)
        }
        return geometry
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        let geometry = try geometry(for: inputShape)
        return [inputShape[0], outChannels, geometry.outputHeight, geometry.outputWidth]
    }

    public func flops(for inputShape: [Int]) -> Int {
        guard let geometry = try? geometry(for: inputShape) else { return 0 }
        return 2 * outChannels * geometry.patchSize * geometry.outputPixels
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let geometry = try geometry(for: input.shape)
        let batch = input.shape[0]
        let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
        var output = Tensor(uninitialized: [batch, outChannels, geometry.outputHeight, geometry.outputWidth])
        let (outChannels, fusedReLU, imageSize) = (
            self.outChannels, self.fusedReLU, inChannels * input.shape[2] * input.shape[3]
        )
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        withForwardMemory(input: input, weight: weight, bias: bias, output: &output) {
            source, kernel, biasPointer, target in
            ParallelLoop.run(count: batch, threads: context.loopThreads) { samples, _ in
                let workspace = UnsafeMutablePointer<Float>.allocate(
                    capacity: geometry.isIdentityPatch ? 0 : patch * pixels)
                defer { workspace.deallocate() }
                for sample in samples {
                    let image = source + sample * imageSize
                    var columns = UnsafePointer(workspace)
                    if geometry.isIdentityPatch {
                        columns = image
                    } else {
                        geometry.im2col(image, into: workspace)
                    }
                    let result = target + sample * outChannels * pixels
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: outChannels, n: pixels, k: patch,
                        alpha: 1, a: kernel, lda: patch, b: columns, ldb: pixels, beta: 0, c: result,
                        ldc: pixels)
                    Epilogue.addBiasAndActivate(
                        result, channels: outChannels, pixels: pixels, bias: biasPointer, relu: fusedReLU)
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput else { throw missingForwardCache() }
        let geometry = try geometry(for: input.shape)
        let batch = input.shape[0]
        let (patch, pixels) = (geometry.patchSize, geometry.outputPixels)
        try outputGradient.requireShape(
            [batch, outChannels, geometry.outputHeight, geometry.outputWidth], "\(name) (Conv2D) backward")
        let parts = ParallelLoop.chunks(count: batch, threads: context.loopThreads).count
        // A 1×1 stride-1 convolution's input gradient is written whole by one product; col2im adds into zeros.
        var inputGradient = geometry.isIdentityPatch ? Tensor(uninitialized: input.shape) : Tensor(zeros: input.shape)
        var partialWeights = [Float](repeating: 0, count: parts * outChannels * patch)
        var partialBias = [Float](repeating: 0, count: parts * outChannels)
        let (outChannels, imageSize, hasBias) = (self.outChannels, input.count / max(batch, 1), bias != nil)
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        withBackwardMemory(
            input: input, weight: weight, outputGradient: outputGradient, inputGradient: &inputGradient,
            weightSums: &partialWeights, biasSums: &partialBias
        ) { source, kernel, upstream, downstream, weightSum, biasSum in
            ParallelLoop.run(count: batch, threads: context.loopThreads) { samples, part in
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: patch * pixels)
                defer { columns.deallocate() }
                let weightGradient = weightSum + part * outChannels * patch
                let biasGradient = biasSum + part * outChannels
                for sample in samples {
                    let image = source + sample * imageSize
                    let gradient = upstream + sample * outChannels * pixels
                    let patches: UnsafePointer<Float>
                    if geometry.isIdentityPatch {
                        patches = image
                    } else {
                        geometry.im2col(image, into: columns)
                        patches = UnsafePointer(columns)
                    }
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: outChannels, n: patch, k: pixels,
                        alpha: 1, a: gradient, lda: pixels, b: patches, ldb: pixels, beta: 1,
                        c: weightGradient, ldc: patch)
                    for channel in 0..<outChannels where hasBias {
                        biasGradient[channel] += VectorLoops.sum(gradient + channel * pixels, count: pixels)
                    }
                    let imageGradient = downstream + sample * imageSize
                    let target = geometry.isIdentityPatch ? imageGradient : columns
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: patch, n: pixels, k: outChannels,
                        alpha: 1, a: kernel, lda: patch, b: gradient, ldb: pixels, beta: 0,
                        c: target, ldc: pixels)
                    if !geometry.isIdentityPatch {
                        geometry.col2imAdding(columns, into: imageGradient)
                    }
                }
            }
        }
        Reduction.addPartials(partialWeights, parts: parts, into: &weight.gradient.scalars)
        if let bias { Reduction.addPartials(partialBias, parts: parts, into: &bias.gradient.scalars) }
        return inputGradient
    }
}

extension Conv2D: BufferedInference {
    func inferenceScratchCount(for inputShape: [Int]) -> Int {
        guard let geometry = try? geometry(for: inputShape), !geometry.isIdentityPatch else { return 0 }
        return geometry.patchSize * geometry.outputPixels
    }

    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let geometry = ConvolutionGeometry(
            channels: inChannels, height: inputShape[2], width: inputShape[3], kernel: kernelSize, stride: stride,
            padding: padding)
        var columns = input
        if !geometry.isIdentityPatch {
            geometry.im2col(input, into: scratch)
            columns = UnsafePointer(scratch)
        }
        let (outChannels, pixels, patch, relu) = (
            self.outChannels, geometry.outputPixels, geometry.patchSize, fusedReLU
        )
        weight.value.scalars.withUnsafeBufferPointer { weights in
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: outChannels, n: pixels, k: patch, alpha: 1,
                a: weights.baseAddress!, lda: patch, b: columns, ldb: pixels, beta: 0, c: output, ldc: pixels)
        }
        if let bias {
            bias.value.scalars.withUnsafeBufferPointer { biases in
                Epilogue.addBiasAndActivate(
                    output, channels: outChannels, pixels: pixels, bias: biases.baseAddress, relu: relu)
            }
        } else {
            Epilogue.addBiasAndActivate(output, channels: outChannels, pixels: pixels, bias: nil, relu: relu)
        }
    }
}
