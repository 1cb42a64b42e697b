import Foundation

/// A loss value (mean over the batch) and its gradient with respect to the input it was computed from.
public struct LossResult: Sendable {
    public var value: Float
    public var gradient: Tensor
}

/// A loss on a pair of embeddings, with gradients for both.
public struct PairLossResult: Sendable {
    public var value: Float
    public var firstGradient: Tensor
    public var secondGradient: Tensor
}

public enum Loss {
    /// Mean binary cross-entropy of `logits` `[N]` against `targets` `[N]` in [0, 1], computed as
    /// max(z, 0) − z·y + log(1 + e^(−|z|)), which neither overflows nor loses precision for large |z|.
    public static func binaryCrossEntropyWithLogits(
        logits: Tensor, targets: Tensor
    ) throws(NeuralNetError)
        -> LossResult
    {
        try logits.requireShape([nil], "BCE logits")
        try targets.requireShape([logits.shape[0]], "BCE targets")
        let count = Float(max(logits.count, 1))
        var total: Float = 0
        var gradient = Tensor(zeros: logits.shape)
        for index in 0..<logits.count {
            let (z, y) = (logits.scalars[index], targets.scalars[index])
            total += max(z, 0) - z * y + log1p(exp(-abs(z)))
            gradient.scalars[index] = (Activation.sigmoid(z) - y) / count
        }
        return LossResult(value: total / count, gradient: gradient)
    }

    /// Hadsell–Chopra–LeCun contrastive loss, mean over pairs of y·d² + (1 − y)·max(0, m − d)², with d the
    /// Euclidean distance and y = 1 for a similar pair.
    public static func contrastive(
        _ first: Tensor, _ second: Tensor, similar: Tensor, margin: Float
    )
        throws(NeuralNetError) -> PairLossResult
    {
        try first.requireShape([nil, nil], "contrastive loss first embedding")
        try second.requireShape(first.shape.map { $0 }, "contrastive loss second embedding")
        let (batch, width) = (first.shape[0], first.shape[1])
        try similar.requireShape([batch], "contrastive loss labels")
        var total: Float = 0
        var firstGradient = Tensor(zeros: first.shape)
        for sample in 0..<batch {
            var squared: Float = 0
            for index in 0..<width {
                let difference = first.scalars[sample * width + index] - second.scalars[sample * width + index]
                squared += difference * difference
            }
            let distance = squared.squareRoot()
            let y = similar.scalars[sample]
            let gap = max(0, margin - distance)
            total += y * squared + (1 - y) * gap * gap
            // ∂/∂h1 = 2y·diff − 2(1−y)·gap·diff/d; the second term vanishes at d = 0 where it is undefined.
            let dissimilarScale = distance > 1e-12 ? -2 * (1 - y) * gap / distance : 0
            let scale = (2 * y + dissimilarScale) / Float(batch)
            for index in 0..<width {
                let position = sample * width + index
                firstGradient.scalars[position] = scale * (first.scalars[position] - second.scalars[position])
            }
        }
        var secondGradient = firstGradient
        for index in secondGradient.scalars.indices { secondGradient.scalars[index] = -firstGradient.scalars[index] }
        return PairLossResult(
            value: total / Float(max(batch, 1)), firstGradient: firstGradient, secondGradient: secondGradient)
    }
}
