import Foundation
import NeuralNet

/// Fits the constrained head's b and a by binary cross-entropy on held-out pairs, with the embeddings fixed,
/// so that p = σ(b − Σ softplus(aⱼ)|h1ⱼ − h2ⱼ|) is a calibrated probability for pairs drawn as in the
/// benchmark, whatever loss trained the embedding.
public enum HeadCalibration {
    public struct Result: Sendable {
        public var raw: [Float]
        public var bias: Float
        public var loss: Double
    }

    /// `differences[i]` is |h1 − h2| of pair i; `negativeWeight` counts each negative that many times (for
    /// negatives subsampled from a larger set).
    public static func fit(
        differences: [[Float]], labels: [Bool], negativeWeight: Double, initialRaw: [Float], initialBias: Float,
        iterations: Int = 400
    ) -> Result {
        let width = initialRaw.count
        var raw = initialRaw.map(Double.init)
        var bias = Double(initialBias)
        var firstMoment = [Double](repeating: 0, count: width + 1)
        var secondMoment = [Double](repeating: 0, count: width + 1)
        let totalWeight = labels.reduce(0.0) { $0 + ($1 ? 1 : negativeWeight) }
        var loss = 0.0
        for iteration in 1...iterations {
            var gradient = [Double](repeating: 0, count: width + 1)
            let weights = raw.map { softplus($0) }
            let slopes = raw.map { 1 / (1 + exp(-$0)) }
            loss = 0
            for (pair, difference) in differences.enumerated() {
                var logit = bias
                for j in 0..<width { logit -= weights[j] * Double(difference[j]) }
                let target = labels[pair] ? 1.0 : 0.0
                let weight = (labels[pair] ? 1 : negativeWeight) / totalWeight
                loss += weight * (max(logit, 0) - logit * target + log1p(exp(-abs(logit))))
                let upstream = weight * (1 / (1 + exp(-logit)) - target)
                gradient[width] += upstream
                for j in 0..<width { gradient[j] -= upstream * slopes[j] * Double(difference[j]) }
            }
            // Adam, with a rate that suits a convex problem of this size.
            let rate = 0.02
            let correction1 = 1 - pow(0.9, Double(iteration))
            let correction2 = 1 - pow(0.999, Double(iteration))
            for index in 0...width {
                firstMoment[index] = 0.9 * firstMoment[index] + 0.1 * gradient[index]
                secondMoment[index] = 0.999 * secondMoment[index] + 0.001 * gradient[index] * gradient[index]
                let step =
                    rate * (firstMoment[index] / correction1)
                    / ((secondMoment[index] / correction2).squareRoot() + 1e-12)
                if index == width { bias -= step } else { raw[index] -= step }
            }
        }
        return Result(raw: raw.map(Float.init), bias: Float(bias), loss: loss)
    }

    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }
}
