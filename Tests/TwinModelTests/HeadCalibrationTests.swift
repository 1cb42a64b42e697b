import Foundation
import NeuralNet
import Testing

@testable import TwinModel

@Suite("Calibrating the head")
struct HeadCalibrationTests {
    /// Pairs drawn from a known logistic model far from the starting weights, as a margin loss leaves them.
    @Test("the fit recovers a scale and bias far from its start, and its probabilities match the frequencies")
    func recoversScaleAndBias() {
        var random = RandomSource(seed: 7)
        let width = 4
        let trueWeights: [Double] = [12, 8, 6, 14]
        let trueBias = 3.0
        var differences: [[Float]] = []
        var labels: [Bool] = []
        for _ in 0..<4000 {
            let difference = (0..<width).map { _ in Float(random.nextUniform()) * 0.6 }
            let logit = trueBias - zip(trueWeights, difference).reduce(0.0) { $0 + $1.0 * Double($1.1) }
            let probability = 1 / (1 + exp(-logit))
            differences.append(difference)
            labels.append(Double(random.nextUniform()) < probability)
        }
        let fit = HeadCalibration.fit(
            differences: differences, labels: labels, negativeWeight: 1,
            initialRaw: [Float](repeating: -3, count: width),
            initialBias: 0)
        let weights = fit.raw.map { HeadCalibration.softplus(Double($0)) }
        // Maximum likelihood: the fit explains the data at least as well as the model that drew it.
        let trueLoss =
            zip(differences, labels).reduce(0.0) { total, pair in
                let logit = trueBias - zip(trueWeights, pair.0).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                return total + max(logit, 0) - (pair.1 ? logit : 0) + log1p(exp(-abs(logit)))
            } / Double(labels.count)
        #expect(fit.loss <= trueLoss + 0.002, "fitted loss \(fit.loss), loss of the true model \(trueLoss)")
        // Started at weights of 0.05: the scale moved by two orders of magnitude.
        #expect(weights.reduce(0, +) / Double(width) > 5, "weights \(weights) against \(trueWeights)")
        // Calibration: in each tenth of predicted probability, the share of duplicates is close to the prediction.
        var bins = [(predicted: Double, actual: Double, count: Double)](repeating: (0, 0, 0), count: 10)
        for (difference, label) in zip(differences, labels) {
            let logit = Double(fit.bias) - zip(weights, difference).reduce(0.0) { $0 + $1.0 * Double($1.1) }
            let probability = 1 / (1 + exp(-logit))
            let bin = min(Int(probability * 10), 9)
            bins[bin].predicted += probability
            bins[bin].actual += label ? 1 : 0
            bins[bin].count += 1
        }
        let error = bins.reduce(0.0) { $0 + abs($1.predicted - $1.actual) } / Double(labels.count)
        #expect(error < 0.03, "expected calibration error \(error)")
    }
}
