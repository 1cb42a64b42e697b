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
        let totalWeightForScale = labels.reduce(0.0) { $0 + ($1 ? 1 : negativeWeight) }
        // First the overall scale and the bias, exactly: p = σ(b − s·d) with d the distance under the initial
        // weights is a two-parameter logistic regression, which Newton's method solves in a few steps. An
        // embedding trained by a margin loss (contrastive, triplet) can be far from any calibrated scale, and
        // first-order steps alone would stop long before reaching it.
        let startWeights = initialRaw.map { softplus(Double($0)) }
        let distances = differences.map { difference in
            zip(startWeights, difference).reduce(0.0) { $0 + $1.0 * Double($1.1) }
        }
        let (scale, fittedBias) = fitScaleAndBias(
            distances: distances, labels: labels, negativeWeight: negativeWeight / totalWeightForScale,
            positiveWeight: 1 / totalWeightForScale, initialBias: Double(initialBias))
        var raw = startWeights.map { inverseSoftplus($0 * scale) }
        var bias = fittedBias
        var best = (raw: raw, bias: bias, loss: Double.infinity)
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
            // Adam returns the best point it visited: from the exact start above it can only improve.
            if loss < best.loss { best = (raw, bias, loss) }
            let rate = 0.01
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
        return Result(raw: best.raw.map(Float.init), bias: Float(best.bias), loss: best.loss)
    }

    /// Weighted logistic regression of the labels on −distance: the scale s ≥ 0 and bias b of σ(b − s·d),
    /// by Newton's method with step halving.
    static func fitScaleAndBias(
        distances: [Double], labels: [Bool], negativeWeight: Double, positiveWeight: Double, initialBias: Double
    ) -> (scale: Double, bias: Double) {
        func loss(_ scale: Double, _ bias: Double) -> Double {
            var total = 0.0
            for (distance, label) in zip(distances, labels) {
                let logit = bias - scale * distance
                let weight = label ? positiveWeight : negativeWeight
                total += weight * (max(logit, 0) - (label ? logit : 0) + log1p(exp(-abs(logit))))
            }
            return total
        }
        var scale = 1.0
        var bias = initialBias
        var current = loss(scale, bias)
        for _ in 0..<100 {
            // Gradient and Hessian in (s, b).
            var gradient = (0.0, 0.0)
            var hessian = (0.0, 0.0, 0.0)
            for (distance, label) in zip(distances, labels) {
                let logit = bias - scale * distance
                let probability = 1 / (1 + exp(-logit))
                let weight = label ? positiveWeight : negativeWeight
                let residual = weight * (probability - (label ? 1 : 0))
                let curvature = weight * probability * (1 - probability)
                gradient.0 -= residual * distance
                gradient.1 += residual
                hessian.0 += curvature * distance * distance
                hessian.1 -= curvature * distance
                hessian.2 += curvature
            }
            let determinant = hessian.0 * hessian.2 - hessian.1 * hessian.1
            guard determinant > 1e-300 else { break }
            let stepScale = (hessian.2 * gradient.0 - hessian.1 * gradient.1) / determinant
            let stepBias = (hessian.0 * gradient.1 - hessian.1 * gradient.0) / determinant
            var fraction = 1.0
            var improved = false
            while fraction > 1e-4 {
                let candidateScale = max(scale - fraction * stepScale, 1e-9)
                let candidateBias = bias - fraction * stepBias
                let candidate = loss(candidateScale, candidateBias)
                if candidate <= current {
                    improved = current - candidate > 1e-12
                    (scale, bias, current) = (candidateScale, candidateBias, candidate)
                    break
                }
                fraction /= 2
            }
            if !improved { break }
        }
        return (scale, bias)
    }

    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

    /// The raw parameter whose softplus is `y` (> 0).
    static func inverseSoftplus(_ y: Double) -> Double {
        let value = max(y, 1e-12)
        return value > 30 ? value : log(expm1(value))
    }
}
