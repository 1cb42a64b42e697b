import Foundation

/// Pools each channel of `[N, C, H, W]` over all pixels into `[N, C]`, or `[N, 2C]` for `averageAndMax` (averages
/// first, then maxima). GeM is the generalised mean (mean of x^p)^(1/p) with a fixed p, inputs clamped at
/// `gemFloor` so that the power is defined.
public final class GlobalPooling: Layer {
    public enum Kind: Sendable, Equatable {
        case average
        case max
        case averageAndMax
        case generalizedMean(power: Float)

        /// Values per sample pooled from `channels` planes: twice as many for `averageAndMax`.
        public func outputWidth(channels: Int) -> Int { self == .averageAndMax ? 2 * channels : channels }
    }

    public static let gemFloor: Float = 1e-6

    public let name: String
    public let kind: Kind
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        _ = try Tensor.checkShape(inputShape, [nil, nil, nil, nil], "\(name) (GlobalPooling)")
        return [inputShape[0], kind.outputWidth(channels: inputShape[1])]
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let shape = try outputShape(for: input.shape)
        let (batch, channels, pixels) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        var output = Tensor(zeros: shape)
        let width = shape[1]
        input.scalars.withUnsafeBufferPointer { source in
            output.scalars.withUnsafeMutableBufferPointer { target in
                for sample in 0..<batch {
                    poolSample(
                        source.baseAddress! + sample * channels * pixels, channels: channels, pixels: pixels,
                        into: target.baseAddress! + sample * width)
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        if context.mode == .training { cachedOutput = output }
        return output
    }

    /// Pools one sample's `channels` planes into its `[C]` or `[2C]` outputs.
    private func poolSample(
        _ sample: UnsafePointer<Float>, channels: Int, pixels: Int, into output: UnsafeMutablePointer<Float>
    ) {
        for channel in 0..<channels {
            let plane = sample + channel * pixels
            switch kind {
            case .generalizedMean(let power):
                var sum: Float = 0
                for pixel in 0..<pixels { sum += pow(max(plane[pixel], Self.gemFloor), power) }
                output[channel] = pow(sum / Float(pixels), 1 / power)
            case .average:
                output[channel] = VectorLoops.sum(plane, count: pixels) / Float(pixels)
            case .max:
                output[channel] = VectorLoops.maximum(plane, count: pixels)
            case .averageAndMax:
                output[channel] = VectorLoops.sum(plane, count: pixels) / Float(pixels)
                output[channels + channel] = VectorLoops.maximum(plane, count: pixels)
            }
        }
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput, let output = cachedOutput else { throw missingForwardCache() }
        try outputGradient.requireShape(output.shape.map { $0 }, "\(name) (GlobalPooling) backward")
        let (batch, channels, pixels) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        let width = output.shape[1]
        var gradient = Tensor(zeros: input.shape)
        for sample in 0..<batch {
            for channel in 0..<channels {
                let base = (sample * channels + channel) * pixels
                func addAverage(_ upstream: Float) {
                    let share = upstream / Float(pixels)
                    for pixel in 0..<pixels { gradient.scalars[base + pixel] += share }
                }
                func addMax(_ upstream: Float, _ largest: Float) {
                    // The first maximal pixel takes the gradient, matching a deterministic argmax.
                    for pixel in 0..<pixels where input.scalars[base + pixel] == largest {
                        gradient.scalars[base + pixel] += upstream
                        break
                    }
                }
                switch kind {
                case .average: addAverage(outputGradient.scalars[sample * width + channel])
                case .max:
                    addMax(outputGradient.scalars[sample * width + channel], output.scalars[sample * width + channel])
                case .averageAndMax:
                    addAverage(outputGradient.scalars[sample * width + channel])
                    addMax(
                        outputGradient.scalars[sample * width + channels + channel],
                        output.scalars[sample * width + channels + channel])
                case .generalizedMean(let power):
                    let pooled = output.scalars[sample * width + channel]
                    let upstream = outputGradient.scalars[sample * width + channel]
                    let common = upstream * pow(pooled, 1 - power) / Float(pixels)
                    for pixel in 0..<pixels {
                        let value = input.scalars[base + pixel]
                        if value > Self.gemFloor { gradient.scalars[base + pixel] += common * pow(value, power - 1) }
                    }
                }
            }
        }
        return gradient
    }
}

extension GlobalPooling: BufferedInference {
    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        poolSample(input, channels: inputShape[1], pixels: inputShape[2] * inputShape[3], into: output)
    }
}
