/// Ablation head: Dense(sigmoid) on the signed difference, p = σ(b + Σⱼ vⱼ (h1ⱼ − h2ⱼ)).
///
/// Its logit minus b is odd in the pair order: swapping the two images flips the sign. Near-duplicate detection is
/// symmetric, so on pairs presented in either order it cannot separate "far apart" from "identical" and learns
/// little more than a bias. Kept to measure that failure, never to ship.
public final class SignedDifferenceHead: TwinHead {
    public let name: String
    public let width: Int
    public let weight: Parameter
    public let bias: Parameter
    private var cache: (first: Tensor, second: Tensor)?

    public init(name: String = "head", width: Int, random: inout RandomSource) {
        self.name = name
        self.width = width
        weight = Parameter(
            name: "weight", value: Initializers.uniformFanIn(shape: [width], fanIn: width, random: &random))
        bias = Parameter(name: "bias", value: Tensor(zeros: [1]))
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func logits(_ first: Tensor, _ second: Tensor, mode: Mode) throws(NeuralNetError) -> Tensor {
        try checkPair(first, second, width: width)
        let batch = first.shape[0]
        var output = Tensor(repeating: bias.value.scalars[0], shape: [batch])
        for sample in 0..<batch {
            for index in 0..<width {
                let position = sample * width + index
                output.scalars[sample] +=
                    weight.value.scalars[index] * (first.scalars[position] - second.scalars[position])
            }
        }
        cache = mode == .training ? (first, second) : nil
        return output
    }

    public func backward(_ logitGradient: Tensor) throws(NeuralNetError) -> (first: Tensor, second: Tensor) {
        guard let (first, second) = cache else {
            throw .invalidArgument("\(name): backward called without a training-mode forward pass")
        }
        let batch = first.shape[0]
        try logitGradient.requireShape([batch], "\(name) backward")
        var firstGradient = Tensor(zeros: first.shape)
        for sample in 0..<batch {
            let upstream = logitGradient.scalars[sample]
            bias.gradient.scalars[0] += upstream
            for index in 0..<width {
                let position = sample * width + index
                weight.gradient.scalars[index] += upstream * (first.scalars[position] - second.scalars[position])
                firstGradient.scalars[position] = upstream * weight.value.scalars[index]
            }
        }
        var secondGradient = firstGradient
        for index in secondGradient.scalars.indices { secondGradient.scalars[index] = -firstGradient.scalars[index] }
        return (firstGradient, secondGradient)
    }
}
