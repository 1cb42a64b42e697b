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
        return [inputShape[0], kind == .averageAndMax ? 2 * inputShape[1] : inputShape[1]]
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let shape = try outputShape(for: input.shape)
        let (batch, channels, pixels) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        var output = Tensor(zeros: shape)
        input.scalars.withUnsafeBufferPointer { source in
            for sample in 0..<batch {
                for channel in 0..<channels {
                    let plane = source.baseAddress! + (sample * channels + channel) * pixels
                    var sum: Float = 0
                    var largest = -Float.infinity
                    switch kind {
                    case .generalizedMean(let power):
                        for pixel in 0..<pixels { sum += pow(max(plane[pixel], Self.gemFloor), power) }
                        output.scalars[sample * shape[1] + channel] = pow(sum / Float(pixels), 1 / power)
                        continue
                    default:
                        for pixel in 0..<pixels {
                            sum += plane[pixel]
                            largest = max(largest, plane[pixel])
                        }
                    }
                    switch kind {
                    case .average: output.scalars[sample * channels + channel] = sum / Float(pixels)
                    case .max: output.scalars[sample * channels + channel] = largest
                    default:
                        output.scalars[sample * 2 * channels + channel] = sum / Float(pixels)
                        output.scalars[sample * 2 * channels + channels + channel] = largest
                    }
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        if context.mode == .training { cachedOutput = output }
        return output
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
