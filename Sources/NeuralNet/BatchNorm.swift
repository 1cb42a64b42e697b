/// Batch normalisation per channel over `[N, C, H, W]` or `[N, C]` input. Training normalises with the batch's
/// mean and (biased) variance and updates running averages (unbiased variance, as PyTorch does); inference uses
/// the running averages. `Sequential.foldedForInference` folds it into the preceding convolution.
public final class BatchNorm: Layer {
    public let name: String
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let scale: Parameter
    public let shift: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    /// The input and its per-channel statistics; backward recomputes x̂ from them rather than keeping a copy. With
    /// `fusedReLU`, the forward pass also ran the ReLU after this layer, and backward passes through it first.
    private var cache: (input: Tensor, mean: [Float], inverseDeviation: [Float], fusedReLU: Bool)?

    /// Whether the last training forward pass ran the ReLU after this layer fused with it: `backward` then takes the
    /// ReLU's output gradient, and the ReLU's own backward pass is skipped.
    var ranFusedReLU: Bool { cache?.fusedReLU ?? false }

    public init(name: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Parameter(name: "weight", value: Tensor(repeating: 1, shape: [channels]))
        shift = Parameter(name: "bias", value: Tensor(zeros: [channels]))
        runningMean = Parameter(name: "running_mean", value: Tensor(zeros: [channels]), isTrainable: false)
        runningVariance = Parameter(
            name: "running_var", value: Tensor(repeating: 1, shape: [channels]), isTrainable: false)
    }

    public var parameters: [Parameter] { [scale, shift, runningMean, runningVariance] }

    private func layout(_ shape: [Int]) throws(NeuralNetError) -> (batch: Int, pixels: Int) {
        guard shape.count == 2 || shape.count == 4 else {
            throw .shapeMismatch(context: "\(name) (BatchNorm)", expected: "[_, \(channels)(, _, _)]", actual: shape)
        }
        _ = try Tensor.checkShape(
            shape, [nil, channels] + Array(repeating: nil, count: shape.count - 2), "\(name) (BatchNorm)")
        return (shape[0], shape.dropFirst(2).reduce(1, *))
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        _ = try layout(inputShape)
        return inputShape
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        try forward(input, context: context, fusingReLU: false)
    }

    /// The forward pass, followed with `fusingReLU` by the ReLU after this layer in the same pass over memory
    /// (Sequential fuses a BatchNorm and the ReLU after it in training, where the two would otherwise stream the
    /// whole batch twice).
    func forward(_ input: Tensor, context: ExecutionContext, fusingReLU: Bool) throws(NeuralNetError) -> Tensor {
        let (batch, pixels) = try layout(input.shape)
        let training = context.mode == .training
        if training && batch * pixels < 2 {
            throw .invalidArgument("\(name) (BatchNorm): training needs more than one value per channel")
        }
        var output = Tensor(uninitialized: input.shape)
        var inverseDeviations = [Float](repeating: 0, count: channels)
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        let (channels, epsilon, floor) = (self.channels, self.epsilon, fusingReLU ? 0 : -Float.infinity)
        let count = Float(batch * pixels)
        input.scalars.withUnsafeBufferPointer { inputBuffer in
            output.scalars.withUnsafeMutableBufferPointer { outputBuffer in
                inverseDeviations.withUnsafeMutableBufferPointer { inverse in
                    means.withUnsafeMutableBufferPointer { meanBuffer in
                        variances.withUnsafeMutableBufferPointer { varianceBuffer in
                            let (source, target) = (inputBuffer.baseAddress!, outputBuffer.baseAddress!)
                            ParallelLoop.run(count: channels, threads: context.loopThreads) { range, _ in
                                for channel in range {
                                    var mean = runningMean.value.scalars[channel]
                                    var variance = runningVariance.value.scalars[channel]
                                    if training {
                                        (mean, variance) = BatchNormLoops.statistics(
                                            source + channel * pixels, planes: batch, stride: channels * pixels,
                                            count: pixels)
                                    }
                                    meanBuffer[channel] = mean
                                    varianceBuffer[channel] = variance
                                    let inverseDeviation = 1 / (variance + epsilon).squareRoot()
                                    inverse[channel] = inverseDeviation
                                    let (gamma, beta) = (scale.value.scalars[channel], shift.value.scalars[channel])
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        BatchNormLoops.normalize(
                                            source + base, count: pixels, mean: mean,
                                            inverseDeviation: inverseDeviation, scale: gamma, shift: beta, floor: floor,
                                            into: target + base)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if training {
            let unbiased = count / (count - 1)
            for channel in 0..<channels {
                runningMean.value.scalars[channel] =
                    (1 - momentum) * runningMean.value.scalars[channel] + momentum * means[channel]
                runningVariance.value.scalars[channel] =
                    (1 - momentum) * runningVariance.value.scalars[channel] + momentum * variances[channel] * unbiased
            }
            cache = (input, means, inverseDeviations, fusingReLU)
        }
        return output
    }

    /// The backward pass; after a fused forward pass (`ranFusedReLU`), through that ReLU first: the gradient passes
    /// where the rectified output was positive, without a pass of its own.
    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let cache else { throw missingForwardCache() }
        let shape = cache.input.shape
        let (batch, pixels) = try layout(shape)
        try outputGradient.requireShape(shape.map { $0 }, "\(name) (BatchNorm) backward")
        var inputGradient = Tensor(uninitialized: shape)
        let channels = self.channels
        let count = Float(batch * pixels)
        outputGradient.scalars.withUnsafeBufferPointer { upstreamBuffer in
            cache.input.scalars.withUnsafeBufferPointer { inputBuffer in
                inputGradient.scalars.withUnsafeMutableBufferPointer { downstreamBuffer in
                    scale.gradient.scalars.withUnsafeMutableBufferPointer { scaleGradient in
                        shift.gradient.scalars.withUnsafeMutableBufferPointer { shiftGradient in
                            let (upstream, source, downstream) = (
                                upstreamBuffer.baseAddress!, inputBuffer.baseAddress!, downstreamBuffer.baseAddress!
                            )
                            ParallelLoop.run(count: channels, threads: context.loopThreads) { range, _ in
                                for channel in range {
                                    let (mean, inverse) = (cache.mean[channel], cache.inverseDeviation[channel])
                                    let gate =
                                        cache.fusedReLU
                                        ? BatchNormLoops.ReLUGate(
                                            scale: scale.value.scalars[channel], shift: shift.value.scalars[channel])
                                        : nil
                                    var sumGradient: Float = 0
                                    var sumGradientTimesNormalized: Float = 0
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        let (sum, dot) = BatchNormLoops.gradientSums(
                                            upstream + base, input: source + base,
                                            gate: gate, count: pixels, mean: mean, inverseDeviation: inverse)
                                        sumGradient += sum
                                        sumGradientTimesNormalized += dot
                                    }
                                    shiftGradient[channel] += sumGradient
                                    scaleGradient[channel] += sumGradientTimesNormalized
                                    let factor = scale.value.scalars[channel] * inverse / count
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        BatchNormLoops.inputGradient(
                                            upstream + base, input: source + base,
                                            gate: gate, count: pixels, mean: mean,
                                            inverseDeviation: inverse, factor: factor, total: count,
                                            sumGradient: sumGradient,
                                            sumGradientTimesNormalized: sumGradientTimesNormalized,
                                            into: downstream + base)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// Per-channel `(multiplier, offset)` such that inference output is `multiplier * x + offset`.
    public var inferenceAffine: (multiplier: [Float], offset: [Float]) {
        var multiplier = [Float](repeating: 0, count: channels)
        var offset = [Float](repeating: 0, count: channels)
        for channel in 0..<channels {
            multiplier[channel] =
                scale.value.scalars[channel] / (runningVariance.value.scalars[channel] + epsilon).squareRoot()
            offset[channel] = shift.value.scalars[channel] - runningMean.value.scalars[channel] * multiplier[channel]
        }
        return (multiplier, offset)
    }
}
