/// The twin head p = σ(b + Σⱼ αⱼ |h1ⱼ − h2ⱼ|) over the absolute difference of the embeddings.
///
/// Constrained (the shipped head): αⱼ = −softplus(aⱼ) ≤ 0, so that with wⱼ = softplus(aⱼ)
/// p ≥ τ ⇔ Σⱼ wⱼ |h1ⱼ − h2ⱼ| ≤ r(τ) = b − logit(τ): a decision threshold is exactly a radius in a weighted-L1
/// metric, and the index can search w ⊙ h with plain L1 range queries. Unconstrained (ablation): αⱼ = aⱼ of either
/// sign, which can fit slightly better but breaks that equivalence.
public final class WeightedL1Head: TwinHead {
    public let name: String
    public let width: Int
    public let isConstrained: Bool
    /// `[width]`: aⱼ, the raw parameter behind αⱼ.
    public let raw: Parameter
    /// `[1]`: b.
    public let bias: Parameter
    private var cache: (first: Tensor, second: Tensor)?

    public init(name: String = "head", width: Int, constrained: Bool = true, initialBias: Float = 2) {
        self.name = name
        self.width = width
        self.isConstrained = constrained
        // Constrained: a = 0 gives α = −log 2 for every coordinate; unconstrained starts at the same α.
        raw = Parameter(name: "a", value: Tensor(repeating: constrained ? 0 : -0.6931472, shape: [width]))
        bias = Parameter(name: "b", value: Tensor(repeating: initialBias, shape: [1]))
    }

    public var parameters: [Parameter] { [raw, bias] }

    /// αⱼ as used in the logit.
    public var coefficients: [Float] {
        raw.value.scalars.map { isConstrained ? -Activation.softplus($0) : $0 }
    }

    /// wⱼ = softplus(aⱼ) = −αⱼ: the per-coordinate scale of the weighted-L1 metric (constrained head only).
    public var metricWeights: [Float] {
        precondition(isConstrained, "only the constrained head defines a metric")
        return raw.value.scalars.map(Activation.softplus)
    }

    /// r(τ) = b − logit(τ): pairs within this weighted-L1 distance have p ≥ τ.
    public func radius(threshold: Float) -> Float {
        precondition(threshold > 0 && threshold < 1, "threshold must be a probability strictly between 0 and 1")
        return bias.value.scalars[0] - Activation.logit(threshold)
    }

    public func logits(_ first: Tensor, _ second: Tensor, mode: Mode) throws(NeuralNetError) -> Tensor {
        try checkPair(first, second, width: width)
        let alpha = coefficients
        let batch = first.shape[0]
        var output = Tensor(repeating: bias.value.scalars[0], shape: [batch])
        for sample in 0..<batch {
            var sum: Float = 0
            for index in 0..<width {
                sum +=
                    alpha[index] * abs(first.scalars[sample * width + index] - second.scalars[sample * width + index])
            }
            output.scalars[sample] += sum
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
        let alpha = coefficients
        // ∂α/∂a: −σ(a) when constrained, 1 otherwise.
        let chain = raw.value.scalars.map { isConstrained ? -Activation.sigmoid($0) : 1 }
        var firstGradient = Tensor(zeros: first.shape)
        var secondGradient = Tensor(zeros: first.shape)
        for sample in 0..<batch {
            let upstream = logitGradient.scalars[sample]
            bias.gradient.scalars[0] += upstream
            for index in 0..<width {
                let position = sample * width + index
                let difference = first.scalars[position] - second.scalars[position]
                raw.gradient.scalars[index] += upstream * chain[index] * abs(difference)
                let sign: Float = difference > 0 ? 1 : (difference < 0 ? -1 : 0)
                firstGradient.scalars[position] = upstream * alpha[index] * sign
                secondGradient.scalars[position] = -firstGradient.scalars[position]
            }
        }
        return (firstGradient, secondGradient)
    }
}
