/// Inverted dropout: in training, zeroes each value with probability `rate` and scales survivors by 1/(1 − rate);
/// identity in inference. Masks come from the layer's own seeded generator, so runs are reproducible.
public final class Dropout: Layer {
    public let name: String
    public let rate: Float
    public var random: RandomSource
    private var mask: [Float]?

    public init(name: String, rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.name = name
        self.rate = rate
        self.random = RandomSource(seed: seed)
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] { inputShape }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard context.mode == .training else { return input }
        let keep = 1 / (1 - rate)
        var newMask = [Float](repeating: 0, count: input.count)
        var output = input
        for index in newMask.indices {
            newMask[index] = random.nextUniform() < rate ? 0 : keep
            output.scalars[index] *= newMask[index]
        }
        mask = newMask
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let mask else { throw missingForwardCache() }
        guard mask.count == outputGradient.count else {
            throw .shapeMismatch(
                context: "\(name) (Dropout) backward", expected: "\(mask.count) values", actual: outputGradient.shape)
        }
        var gradient = outputGradient
        for index in mask.indices { gradient.scalars[index] *= mask[index] }
        return gradient
    }
}
