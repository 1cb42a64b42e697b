import Testing

@testable import NeuralNet

@Suite struct LossAndHeadGradientTests {
    @Test func binaryCrossEntropyGradientMatchesFiniteDifferencesAndStaysFinite() throws {
        var random = RandomSource(seed: 21)
        var logits = GradientCheck.randomTensor([9], random: &random)
        for index in logits.scalars.indices { logits.scalars[index] *= 3 }
        let targets = try Tensor(shape: [9], scalars: (0..<9).map { Float($0 % 2) })
        let analytic = try Loss.binaryCrossEntropyWithLogits(logits: logits, targets: targets).gradient
        let numeric = try GradientCheck.numeric(
            indices: Array(0..<9), epsilon: 1e-2,
            access: { index, value in
                if let value { logits.scalars[index] = value }
                return logits.scalars[index]
            }, loss: { Double(try Loss.binaryCrossEntropyWithLogits(logits: logits, targets: targets).value) })
        let error = GradientCheck.relativeError(analytic.scalars.map(Double.init), numeric)
        #expect(error < GradientCheck.tolerance, "BCE gradient off by \(error)")

        let extreme = try Loss.binaryCrossEntropyWithLogits(
            logits: Tensor(shape: [2], scalars: [200, -200]), targets: Tensor(shape: [2], scalars: [0, 1]))
        #expect(
            extreme.value.isFinite && abs(extreme.value - 200) < 1e-3,
            "BCE of a confident wrong logit is \(extreme.value), not 200")
    }

    @Test(arguments: [Float(2), 0.5])
    func contrastiveGradientMatchesFiniteDifferences(margin: Float) throws {
        var random = RandomSource(seed: 22)
        var first = GradientCheck.randomTensor([6, 4], random: &random)
        var second = GradientCheck.randomTensor([6, 4], random: &random)
        let similar = try Tensor(shape: [6], scalars: [1, 0, 1, 0, 0, 1])
        let result = try Loss.contrastive(first, second, similar: similar, margin: margin)
        let loss = { Double(try Loss.contrastive(first, second, similar: similar, margin: margin).value) }
        let numericFirst = try GradientCheck.numeric(
            indices: Array(0..<24), epsilon: 1e-3,
            access: { index, value in
                if let value { first.scalars[index] = value }
                return first.scalars[index]
            }, loss: loss)
        let numericSecond = try GradientCheck.numeric(
            indices: Array(0..<24), epsilon: 1e-3,
            access: { index, value in
                if let value { second.scalars[index] = value }
                return second.scalars[index]
            }, loss: loss)
        let firstError = GradientCheck.relativeError(result.firstGradient.scalars.map(Double.init), numericFirst)
        let secondError = GradientCheck.relativeError(result.secondGradient.scalars.map(Double.init), numericSecond)
        #expect(
            firstError < GradientCheck.tolerance && secondError < GradientCheck.tolerance,
            "contrastive gradients off by \(firstError), \(secondError)")
    }

    @Test(arguments: [TripletLoss.Mining.semiHard, .hardest])
    func tripletGradientMatchesFiniteDifferences(mining: TripletLoss.Mining) throws {
        var random = RandomSource(seed: 23)
        var embeddings = GradientCheck.randomTensor([8, 3], random: &random)
        let labels = [0, 0, 1, 1, 2, 2, 0, 1]
        let loss = TripletLoss(margin: 1, mining: mining)
        let result = try loss(embeddings, labels: labels)
        #expect(result.value > 0, "random embeddings should violate a margin of 1")
        let numeric = try GradientCheck.numeric(
            indices: Array(0..<24), epsilon: 1e-3,
            access: { index, value in
                if let value { embeddings.scalars[index] = value }
                return embeddings.scalars[index]
            }, loss: { Double(try loss(embeddings, labels: labels).value) })
        let error = GradientCheck.relativeError(result.gradient.scalars.map(Double.init), numeric)
        #expect(error < GradientCheck.tolerance, "triplet gradient off by \(error)")
    }

    @Test func semiHardMiningPicksTheClosestNegativeBeyondThePositive() throws {
        // Anchor 0 at the origin, positive at distance² 1, negatives at distance² 0.25 (hard), 1.44 (semi-hard)
        // and 4 (easy). With margin 1 the semi-hard negative gives loss 1 − 1.44 + 1 = 0.56 for this anchor.
        let points: [Float] = [0, 1, 0.5, 1.2, 2]
        let embeddings = try Tensor(shape: [5, 1], scalars: points)
        let labels = [0, 0, 1, 2, 3]
        let semiHard = try TripletLoss(margin: 1, mining: .semiHard)(embeddings, labels: labels)
        let hardest = try TripletLoss(margin: 1, mining: .hardest)(embeddings, labels: labels)
        // Anchor 1 (at 1): positive 0 at 1, negatives at 0.25, 0.04, 1 → none semi-hard, falls back to hardest 0.04.
        #expect(abs(semiHard.value - (0.56 + 1.96) / 2) < 1e-5, "semi-hard loss \(semiHard.value)")
        // Hardest: anchor 0 uses negative 0.5 (0.25) → 1.75; anchor 1 uses 1.2 (0.04) → 1.96.
        #expect(abs(hardest.value - (1.75 + 1.96) / 2) < 1e-5, "hardest loss \(hardest.value)")
    }

    enum HeadKind: CaseIterable, Sendable {
        case constrained, unconstrained, signed
    }

    static func makeHead(_ kind: HeadKind) -> any TwinHead {
        var random = RandomSource(seed: 24)
        let constrained = WeightedL1Head(width: 5)
        let unconstrained = WeightedL1Head(width: 5, constrained: false)
        for index in 0..<5 {
            constrained.raw.value.scalars[index] = random.nextNormal()
            unconstrained.raw.value.scalars[index] = random.nextNormal()
        }
        switch kind {
        case .constrained: return constrained
        case .unconstrained: return unconstrained
        case .signed: return SignedDifferenceHead(width: 5, random: &random)
        }
    }

    @Test(arguments: HeadKind.allCases)
    func headGradientsMatchFiniteDifferences(kind: HeadKind) throws {
        let head = Self.makeHead(kind)
        var random = RandomSource(seed: 25)
        var first = GradientCheck.randomTensor([4, 5], random: &random)
        var second = GradientCheck.randomTensor([4, 5], random: &random)
        let upstream = GradientCheck.randomTensor([4], random: &random)
        for parameter in head.parameters { parameter.zeroGradient() }
        _ = try head.logits(first, second, mode: .training)
        let (firstGradient, secondGradient) = try head.backward(upstream)
        let loss = { GradientCheck.weightedSum(try head.logits(first, second, mode: .inference), upstream) }
        let numericFirst = try GradientCheck.numeric(
            indices: Array(0..<20), epsilon: 1e-3,
            access: { index, value in
                if let value { first.scalars[index] = value }
                return first.scalars[index]
            }, loss: loss)
        let numericSecond = try GradientCheck.numeric(
            indices: Array(0..<20), epsilon: 1e-3,
            access: { index, value in
                if let value { second.scalars[index] = value }
                return second.scalars[index]
            }, loss: loss)
        #expect(
            GradientCheck.relativeError(firstGradient.scalars.map(Double.init), numericFirst) < GradientCheck.tolerance)
        #expect(
            GradientCheck.relativeError(secondGradient.scalars.map(Double.init), numericSecond)
                < GradientCheck.tolerance)
        for parameter in head.parameters {
            let analytic = parameter.gradient.scalars.map(Double.init)
            let numeric = try GradientCheck.numeric(
                indices: Array(0..<parameter.value.count), epsilon: 1e-3,
                access: { index, value in
                    if let value { parameter.value.scalars[index] = value }
                    return parameter.value.scalars[index]
                }, loss: loss)
            let error = GradientCheck.relativeError(analytic, numeric)
            #expect(error < GradientCheck.tolerance, "\(head.name).\(parameter.name) gradient off by \(error)")
        }
    }
}
