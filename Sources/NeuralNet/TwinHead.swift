import Foundation

/// Compares two embeddings `[N, D]` and returns a logit per pair `[N]`; p = σ(logit) is the probability that the
/// pair is a near-duplicate. `backward` takes ∂loss/∂logit and returns the gradients for both embeddings.
public protocol TwinHead: AnyObject {
    var name: String { get }
    var parameters: [Parameter] { get }
    func logits(_ first: Tensor, _ second: Tensor, mode: Mode) throws(NeuralNetError) -> Tensor
    func backward(_ logitGradient: Tensor) throws(NeuralNetError) -> (first: Tensor, second: Tensor)
}

extension TwinHead {
    public var namedParameters: [(name: String, parameter: Parameter)] {
        parameters.map { ("\(name).\($0.name)", $0) }
    }

    func checkPair(_ first: Tensor, _ second: Tensor, width: Int) throws(NeuralNetError) {
        try first.requireShape([nil, width], "\(name) first embedding")
        try second.requireShape([first.shape[0], width], "\(name) second embedding")
    }
}

/// Numerically stable scalar functions shared by heads and losses.
public enum Activation {
    public static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// log(1 + eˣ) without overflow for large x.
    public static func softplus(_ x: Float) -> Float {
        max(x, 0) + log1p(exp(-abs(x)))
    }

    public static func logit(_ probability: Float) -> Float {
        log(probability) - log1p(-probability)
    }
}
