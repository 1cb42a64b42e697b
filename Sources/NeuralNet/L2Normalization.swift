/// Scales each row of `[N, D]` to unit Euclidean length: y = x / sqrt(‖x‖² + ε).
public final class L2Normalization: Layer {
    public let name: String
    public let epsilon: Float
    private var cache: (output: Tensor, norms: [Float])?

    public init(name: String, epsilon: Float = 1e-12) {
        self.name = name
        self.epsilon = epsilon
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        try Tensor.checkShape(inputShape, [nil, nil], "\(name) (L2Normalization)")
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        _ = try outputShape(for: input.shape)
        let (batch, width) = (input.shape[0], input.shape[1])
        var output = input
        var norms = [Float](repeating: 0, count: batch)
        for sample in 0..<batch {
            var squares: Float = 0
            for index in 0..<width {
                squares += input.scalars[sample * width + index] * input.scalars[sample * width + index]
            }
            norms[sample] = (squares + epsilon).squareRoot()
            for index in 0..<width { output.scalars[sample * width + index] /= norms[sample] }
        }
        if context.mode == .training { cache = (output, norms) }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let (output, norms) = cache else { throw missingForwardCache() }
        try outputGradient.requireShape(output.shape.map { $0 }, "\(name) (L2Normalization) backward")
        let (batch, width) = (output.shape[0], output.shape[1])
        var gradient = outputGradient
        for sample in 0..<batch {
            var projection: Float = 0
            for index in 0..<width {
                projection += output.scalars[sample * width + index] * outputGradient.scalars[sample * width + index]
            }
            for index in 0..<width {
                let position = sample * width + index
                gradient.scalars[position] =
                    (outputGradient.scalars[position] - output.scalars[position] * projection) / norms[sample]
            }
        }
        return gradient
    }
}
