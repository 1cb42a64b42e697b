/// Input layer that standardises each image's channels on their own: y = (x − μ) / sqrt(σ² + ε) with μ and σ² the
/// mean and variance of that image's channel. Brightness, contrast and per-channel colour shifts of a whole picture
/// then leave the network's input unchanged.
public final class PerImageStandardization: Layer {
    public let name: String
    public let epsilon: Float
    private var cache: (normalized: Tensor, inverseDeviations: [Float])?

    public init(name: String, epsilon: Float = 1e-5) {
        self.name = name
        self.epsilon = epsilon
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        let shape = try Tensor.checkShape(inputShape, [nil, nil, nil, nil], "\(name) (PerImageStandardization)")
        guard shape[2] * shape[3] > 1 else {
            throw .shapeMismatch(
                context: "\(name) (PerImageStandardization)", expected: "more than one pixel", actual: shape)
        }
        return shape
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        _ = try outputShape(for: input.shape)
        let planes = input.shape[0] * input.shape[1]
        let pixels = input.shape[2] * input.shape[3]
        var output = input
        var inverseDeviations = [Float](repeating: 0, count: planes)
        output.scalars.withUnsafeMutableBufferPointer { values in
            for plane in 0..<planes {
                let base = plane * pixels
                var sum: Float = 0
                for pixel in 0..<pixels { sum += values[base + pixel] }
                let mean = sum / Float(pixels)
                var squares: Float = 0
                for pixel in 0..<pixels {
                    let centered = values[base + pixel] - mean
                    squares += centered * centered
                }
                let inverse = 1 / (squares / Float(pixels) + epsilon).squareRoot()
                inverseDeviations[plane] = inverse
                for pixel in 0..<pixels { values[base + pixel] = (values[base + pixel] - mean) * inverse }
            }
        }
        if context.mode == .training { cache = (output, inverseDeviations) }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let (normalized, inverseDeviations) = cache else { throw missingForwardCache() }
        try outputGradient.requireShape(normalized.shape.map { $0 }, "\(name) (PerImageStandardization) backward")
        let pixels = normalized.shape[2] * normalized.shape[3]
        var gradient = outputGradient
        for plane in 0..<inverseDeviations.count {
            let base = plane * pixels
            var sum: Float = 0
            var projection: Float = 0
            for pixel in 0..<pixels {
                sum += outputGradient.scalars[base + pixel]
                projection += outputGradient.scalars[base + pixel] * normalized.scalars[base + pixel]
            }
            let count = Float(pixels)
            for pixel in 0..<pixels {
                gradient.scalars[base + pixel] =
                    inverseDeviations[plane] / count
                    * (count * outputGradient.scalars[base + pixel] - sum - normalized.scalars[base + pixel]
                        * projection)
            }
        }
        return gradient
    }
}
