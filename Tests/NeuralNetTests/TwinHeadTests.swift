import Testing

@testable import NeuralNet

@Suite struct TwinHeadTests {
    @Test func constrainedHeadThresholdIsExactlyAWeightedL1Radius() throws {
        var random = RandomSource(seed: 31)
        let width = 16
        let head = WeightedL1Head(width: width, initialBias: 3)
        for index in 0..<width { head.raw.value.scalars[index] = random.nextNormal() * 2 }
        #expect(head.coefficients.allSatisfy { $0 <= 0 }, "a constrained coefficient is positive")
        let pairs = 400
        var first = Tensor(zeros: [pairs, width])
        var second = Tensor(zeros: [pairs, width])
        for index in first.scalars.indices {
            first.scalars[index] = random.nextNormal()
            second.scalars[index] = first.scalars[index] + random.nextNormal() * random.nextUniform() * 0.8
        }
        let logits = try head.logits(first, second, mode: .inference)
        let weights = head.metricWeights
        var disagreements = 0
        var bothSides = (accepted: 0, rejected: 0)
        for threshold: Float in [0.1, 0.5, 0.9, 0.99] {
            let radius = head.radius(threshold: threshold)
            for pair in 0..<pairs {
                var distance: Float = 0
                for j in 0..<width {
                    distance += weights[j] * abs(first.scalars[pair * width + j] - second.scalars[pair * width + j])
                }
                let byProbability = Activation.sigmoid(logits.scalars[pair]) >= threshold
                let byRadius = distance <= radius
                // Exact equivalence up to rounding: only pairs within 1e-4 of the boundary may disagree.
                if byProbability != byRadius && abs(distance - radius) > 1e-4 { disagreements += 1 }
                if byRadius { bothSides.accepted += 1 } else { bothSides.rejected += 1 }
            }
        }
        #expect(disagreements == 0, "\(disagreements) pairs classified differently by p ≥ τ and the L1 radius")
        #expect(bothSides.accepted > 100 && bothSides.rejected > 100, "the test pairs must fall on both sides")
    }

    @Test func signedHeadIsAntisymmetricInPairOrder() throws {
        var random = RandomSource(seed: 32)
        let head = SignedDifferenceHead(width: 8, random: &random)
        head.bias.value.scalars[0] = 0.7
        let first = GradientCheck.randomTensor([5, 8], random: &random)
        let second = GradientCheck.randomTensor([5, 8], random: &random)
        let forward = try head.logits(first, second, mode: .inference)
        let swapped = try head.logits(second, first, mode: .inference)
        for pair in 0..<5 {
            let sum = forward.scalars[pair] + swapped.scalars[pair]
            #expect(abs(sum - 1.4) < 1e-5, "swapping a pair changed the signed head's logit by more than its sign")
        }
    }

    @Test func headsRefuseMismatchedEmbeddings() {
        let head = WeightedL1Head(width: 4)
        #expect(throws: NeuralNetError.self) {
            try head.logits(Tensor(zeros: [2, 4]), Tensor(zeros: [3, 4]), mode: .inference)
        }
        #expect(throws: NeuralNetError.self) {
            try head.logits(Tensor(zeros: [2, 5]), Tensor(zeros: [2, 5]), mode: .inference)
        }
    }
}
