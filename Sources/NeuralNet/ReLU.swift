/// max(0, x), element-wise, any shape.
public final class ReLU: Layer {
    public let name: String
    /// The input, in training; a BatchNorm that ran this layer fused with itself passes its gradient instead.
    private var cachedInput: Tensor?

    public init(name: String) { self.name = name }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { inputShape }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        var output = Tensor(uninitialized: input.shape)
        input.scalars.withUnsafeBufferPointer { inputs in
            output.scalars.withUnsafeMutableBufferPointer { values in
                guard let source = inputs.baseAddress, let target = values.baseAddress else { return }
                VectorLoops.shift(source, count: inputs.count, by: 0, floor: 0, into: target)
            }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput else { throw missingForwardCache() }
        try outputGradient.requireShape(input.shape.map { $0 }, "\(name) (ReLU) backward")
        var gradient = Tensor(uninitialized: input.shape)
        outputGradient.scalars.withUnsafeBufferPointer { upstream in
            input.scalars.withUnsafeBufferPointer { inputs in
                gradient.scalars.withUnsafeMutableBufferPointer { values in
                    guard let source = upstream.baseAddress, let gate = inputs.baseAddress,
                        let target = values.baseAddress
                    else { return }
                    let count = values.count
                    var index = 0
                    while index + 8 <= count {
                        var value = VectorLoops.load(source + index)
                        value.replace(with: 0, where: VectorLoops.load(gate + index) .<= 0)
                        VectorLoops.store(value, target + index)
                        index += 8
                    }
                    while index < count {
                        target[index] = gate[index] <= 0 ? 0 : source[index]
                        index += 1
                    }
                }
            }
        }
        return gradient
    }
}
