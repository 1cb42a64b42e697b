/// max(0, x), element-wise, any shape.
public final class ReLU: Layer {
    public let name: String
    private var cachedInput: Tensor?

    public init(name: String) { self.name = name }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { inputShape }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = max(values[index], 0) }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput else { throw missingForwardCache() }
        try outputGradient.requireShape(input.shape.map { $0 }, "\(name) (ReLU) backward")
        var gradient = outputGradient
        gradient.scalars.withUnsafeMutableBufferPointer { values in
            input.scalars.withUnsafeBufferPointer { inputs in
                for index in values.indices where inputs[index] <= 0 { values[index] = 0 }
            }
        }
        return gradient
    }
}
