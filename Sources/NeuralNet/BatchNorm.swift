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
        var output = Tensor(uninitialized: input.shape)
        var normalized = training ? Tensor(uninitialized: input.shape).scalars : []
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
                                            // Per-plane sums in Float lanes, planes added in Double.
                                            var sum = 0.0
                                            for sample in 0..<batch {
                                                let plane = source.baseAddress! + (sample * channels + channel) * pixels
                                                sum += Double(VectorLoops.sum(plane, count: pixels))
                                            }
                                            mean = Float(sum / Double(count))
                                            var squares = 0.0
                                            for sample in 0..<batch {
                                                let plane = source.baseAddress! + (sample * channels + channel) * pixels
                                                squares += Double(
                                                    VectorLoops.sumOfSquares(plane, count: pixels, around: mean))
                                            }
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
                                            Self.normalize(
                                                source.baseAddress! + base, count: pixels, mean: mean,
                                                inverseDeviation: inverseDeviation, scale: gamma, shift: beta,
                                                normalized: training ? normalizedBuffer.baseAddress! + base : nil,
                                                into: target.baseAddress! + base)
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
        var inputGradient = Tensor(uninitialized: cache.shape)
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
                                        let (sum, dot) = VectorLoops.sumAndDot(
                                            upstream.baseAddress! + base, normalized.baseAddress! + base,
                                            count: pixels)
                                        sumGradient += sum
                                        sumGradientTimesNormalized += dot
                                    }
                                    shiftGradient[channel] += sumGradient
                                    scaleGradient[channel] += sumGradientTimesNormalized
                                    let factor = scale.value.scalars[channel] * cache.inverseDeviation[channel] / count
                                    for sample in 0..<batch {
                                        let base = (sample * channels + channel) * pixels
                                        Self.inputGradient(
                                            upstream.baseAddress! + base, normalized.baseAddress! + base,
                                            count: pixels, factor: factor, total: count, sumGradient: sumGradient,
                                            sumGradientTimesNormalized: sumGradientTimesNormalized,
                                            into: downstream.baseAddress! + base)
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

    /// target = scale · x̂ + shift with x̂ = (x − mean) · inverseDeviation, also stored in `normalized` when given.
    // swiftlint:disable:next function_parameter_count
    private static func normalize(
        _ source: UnsafePointer<Float>, count: Int, mean: Float, inverseDeviation: Float, scale: Float, shift: Float,
        normalized: UnsafeMutablePointer<Float>?, into target: UnsafeMutablePointer<Float>
    ) {
        let (meanVector, inverseVector) = (SIMD8<Float>(repeating: mean), SIMD8<Float>(repeating: inverseDeviation))
        let (scaleVector, shiftVector) = (SIMD8<Float>(repeating: scale), SIMD8<Float>(repeating: shift))
        var index = 0
        while index + 8 <= count {
            let xHat = (VectorLoops.load(source + index) - meanVector) * inverseVector
            if let normalized { VectorLoops.store(xHat, normalized + index) }
            VectorLoops.store(scaleVector * xHat + shiftVector, target + index)
            index += 8
        }
        while index < count {
            let xHat = (source[index] - mean) * inverseDeviation
            normalized?[index] = xHat
            target[index] = scale * xHat + shift
            index += 1
        }
    }

    /// target = factor · (total · g − Σg − x̂ · Σg·x̂), the batch-statistics input gradient.
    // swiftlint:disable:next function_parameter_count
    private static func inputGradient(
        _ upstream: UnsafePointer<Float>, _ normalized: UnsafePointer<Float>, count: Int, factor: Float, total: Float,
        sumGradient: Float, sumGradientTimesNormalized: Float, into target: UnsafeMutablePointer<Float>
    ) {
        let (factorVector, totalVector) = (SIMD8<Float>(repeating: factor), SIMD8<Float>(repeating: total))
        let (sumVector, dotVector) = (
            SIMD8<Float>(repeating: sumGradient), SIMD8<Float>(repeating: sumGradientTimesNormalized)
        )
        var index = 0
        while index + 8 <= count {
            let g = VectorLoops.load(upstream + index)
            let xHat = VectorLoops.load(normalized + index)
            VectorLoops.store(factorVector * (totalVector * g - sumVector - xHat * dotVector), target + index)
            index += 8
        }
        while index < count {
            target[index] =
                factor * (total * upstream[index] - sumGradient - normalized[index] * sumGradientTimesNormalized)
            index += 1
        }
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
