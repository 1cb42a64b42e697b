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
                let start = values.baseAddress! + plane * pixels
                inverseDeviations[plane] = Self.standardize(start, count: pixels, epsilon: epsilon, into: start)
            }
        }
        if context.mode == .training { cache = (output, inverseDeviations) }
        return output
    }

    /// Writes one plane standardised (`plane` may be `target`) and returns its 1 / sqrt(σ² + ε).
    static func standardize(
        _ plane: UnsafePointer<Float>, count: Int, epsilon: Float, into target: UnsafeMutablePointer<Float>
    ) -> Float {
        let mean = VectorLoops.sum(plane, count: count) / Float(count)
        let squares = VectorLoops.sumOfSquares(plane, count: count, around: mean)
        let inverse = 1 / (squares / Float(count) + epsilon).squareRoot()
        VectorLoops.affine(plane, count: count, scale: inverse, shift: -mean * inverse, floor: -.infinity, into: target)
        return inverse
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let (normalized, inverseDeviations) = cache else { throw missingForwardCache() }
        try outputGradient.requireShape(normalized.shape.map { $0 }, "\(name) (PerImageStandardization) backward")
        let pixels = normalized.shape[2] * normalized.shape[3]
        var gradient = outputGradient
        gradient.scalars.withUnsafeMutableBufferPointer { values in
            normalized.scalars.withUnsafeBufferPointer { normalizedValues in
                for plane in 0..<inverseDeviations.count {
                    let (upstream, xHat) = (
                        values.baseAddress! + plane * pixels, normalizedValues.baseAddress! + plane * pixels
                    )
                    let (sum, projection) = VectorLoops.sumAndDot(upstream, xHat, count: pixels)
                    let count = Float(pixels)
                    let factor = inverseDeviations[plane] / count
                    for pixel in 0..<pixels {
                        upstream[pixel] = factor * (count * upstream[pixel] - sum - xHat[pixel] * projection)
                    }
                }
            }
        }
        return gradient
    }
}

extension PerImageStandardization: BufferedInference {
    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let pixels = inputShape[2] * inputShape[3]
        for plane in 0..<inputShape[1] {
            _ = Self.standardize(input + plane * pixels, count: pixels, epsilon: epsilon, into: output + plane * pixels)
        }
    }
}
