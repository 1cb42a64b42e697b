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
    private var cache: (normalized: [Float], inverseDeviation: [Float], shape: [Int])?

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
        let (batch, pixels) = try layout(input.shape)
        let training = context.mode == .training
        if training && batch * pixels < 2 {
            throw .invalidArgument("\(name) (BatchNorm): training needs more than one value per channel")
        }
        var output = Tensor(zeros: input.shape)
        var normalized = training ? [Float](repeating: 0, count: input.count) : []
        var inverseDeviations = [Float](repeating: 0, count: channels)
        var means = [Float](repeating: 0, count: channels)
        var variances = [Float](repeating: 0, count: channels)
        let (channels, epsilon) = (self.channels, self.epsilon)
        let count = Float(batch * pixels)
        input.scalars.withUnsafeBufferPointer { source in
            output.scalars.withUnsafeMutableBufferPointer { target in
                normalized.withUnsafeMutableBufferPointer { normalizedBuffer in
                    inverseDeviations.withUnsafeMutableBufferPointer { inverse in
                        means.withUnsafeMutableBufferPointer { meanBuffer in
                            variances.withUnsafeMutableBufferPointer { varianceBuffer in
                                ParallelLoop.run(count: channels, threads: context.loopThreads) { range, _ in
                                    for channel in range {
                                        var mean = runningMean.value.scalars[channel]
                                        var variance = runningVariance.value.scalars[channel]
                                        if training {
                                            var sum = 0.0
                                            for sample in 0..<batch {
                                                let base = (sample * channels + channel) * pixels
                                                for pixel in 0..<pixels { sum += Double(source[base + pixel]) }
                                            }
                                            let batchMean = sum / Double(count)
                                            var squares = 0.0
                                            for sample in 0..<batch {
                                                let base = (sample * channels + channel) * pixels
                                                for pixel in 0..<pixels {
                                                    let centered = Double(source[base + pixel]) - batchMean
                                                    squares += centered * centered
                                                }
                                            }
                                            mean = Float(batchMean)
                                            variance = Float(squares / Double(count))
                                        }
                                        meanBuffer[channel] = mean
                                        varianceBuffer[channel] = variance
                                        let inverseDeviation = 1 / (variance + epsilon).squareRoot()
                                        inverse[channel] = inverseDeviation
                                        let gamma = scale.value.scalars[channel]
                                        let beta = shift.value.scalars[channel]
                                        for sample in 0..<batch {
                                            let base = (sample * channels + channel) * pixels
                                            for pixel in 0..<pixels {
                                                let xHat = (source[base + pixel] - mean) * inverseDeviation
                                                if training { normalizedBuffer[base + pixel] = xHat }
                                                target[base + pixel] = gamma * xHat + beta
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
        if training {
            let unbiased = count / (count - 1)
            for channel in 0..<channels {
                runningMean.value.scalars[channel] =
                    (1 - momentum) * runningMean.value.scalars[channel] + momentum * means[channel]
                runningVariance.value.scalars[channel] =
                    (1 - momentum) * runningVariance.value.scalars[channel] + momentum * variances[channel] * unbiased
            }
            cache = (normalized, inverseDeviations, input.shape)
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let cache else { throw missingForwardCache() }
        let (batch, pixels) = try layout(cache.shape)
        try outputGradient.requireShape(cache.shape.map { $0 }, "\(name) (BatchNorm) backward")
        var inputGradient = Tensor(zeros: cache.shape)
        let channels = self.channels
        let count = Float(batch * pixels)
        outputGradient.scalars.withUnsafeBufferPointer { upstream in
            cache.normalized.withUnsafeBufferPointer { normalized in
                inputGradient.scalars.withUnsafeMutableBufferPointer { downstream in
                    scale.gradient.scalars.withUnsafeMutableBufferPointer { scaleGradient in
                        shift.gradient.scalars.withUnsafeMutableBufferPointer { shiftGradient in
                            ParallelLoop.run(count: channels, threads: context.loopThreads) { range, _ in
                                for channel in range {
                                    var sumGradient: Float = 0
                                    var sumGradientTimesNormalized: Float = 0
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        for pixel in 0..<pixels {
                                            sumGradient += upstream[base + pixel]
                                            sumGradientTimesNormalized +=
                                                upstream[base + pixel] * normalized[base + pixel]
                                        }
                                    }
                                    shiftGradient[channel] += sumGradient
                                    scaleGradient[channel] += sumGradientTimesNormalized
                                    let factor = scale.value.scalars[channel] * cache.inverseDeviation[channel] / count
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        for pixel in 0..<pixels {
                                            downstream[base + pixel] =
                                                factor
                                                * (count * upstream[base + pixel] - sumGradient
                                                    - normalized[base + pixel] * sumGradientTimesNormalized)
                                        }
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
