import Testing

@testable import NeuralNet

/// Trains tiny twin networks on a real task: is this pair two edits of one Fashion-MNIST picture, or two different
/// pictures? Accuracy is measured on pairs built from images the network never trained on.
@Suite(.serialized) struct LearningTests {
    static let trainingImages = 0..<4000
    static let heldAsideImages = 5000..<5600
    static let images: [[Float]] = (try? FashionMNIST.loadImages(limit: 5600)) ?? []
    static let architecture = TwinNetwork.Architecture(
        inputSide: 28, inputChannels: 1, stemChannels: 16, blocks: [.init(32, stride: 2), .init(32, stride: 1)],
        embeddingWidth: 16)
    static let steps = 1000
    static let pairsPerBatch = 16

    struct Pairs {
        var first: Tensor
        var second: Tensor
        var similar: [Float]
    }

    /// Half the pairs are two augmentations of one image, half augmentations of two different images.
    static func pairs(count: Int, from range: Range<Int>, random: inout RandomSource) -> Pairs {
        var first: [Float] = []
        var second: [Float] = []
        var similar: [Float] = []
        for index in 0..<count {
            let a = range.lowerBound + random.nextInt(below: range.count)
            var b = a
            if index % 2 == 1 { while b == a { b = range.lowerBound + random.nextInt(below: range.count) } }
            first += FashionMNIST.augment(images[a], random: &random)
            second += FashionMNIST.augment(images[b], random: &random)
            similar.append(index % 2 == 0 ? 1 : 0)
        }
        let shape = [count, 1, FashionMNIST.side, FashionMNIST.side]
        return Pairs(
            first: try! Tensor(shape: shape, scalars: first), second: try! Tensor(shape: shape, scalars: second),
            similar: similar)
    }

    enum Objective {
        case bce(any TwinHead)
        case contrastive(margin: Float)
        case triplet(TripletLoss)
    }

    /// Trains and returns the network with a function scoring held-aside pairs (higher = more similar).
    static func train(_ objective: Objective, seed: UInt64) throws -> (TwinNetwork, l2: L2Normalization) {
        let head: (any TwinHead)? = if case .bce(let head) = objective { head } else { nil }
        let network = TwinNetwork(architecture: architecture, head: head, seed: seed)
        let l2 = L2Normalization(name: "l2")
        let optimizer = Adam(weightDecay: 1e-4)
        let schedule = LearningRateSchedule(
            base: 3e-3, warmupSteps: 10, decay: .cosine(totalSteps: steps, minimum: 1e-4))
        let context = ExecutionContext(mode: .training, threads: 2)
        let parameters = network.namedParameters
        var random = RandomSource(seed: seed &+ 100)
        for step in 0..<steps {
            let batch = pairs(count: pairsPerBatch, from: trainingImages, random: &random)
            let images = try Tensor.concatenateBatch([batch.first, batch.second])
            for (_, parameter) in parameters { parameter.zeroGradient() }
            let embeddings = try network.tower.forward(images, context: context)
            let (first, second) = (
                embeddings.batchSlice(0..<pairsPerBatch), embeddings.batchSlice(pairsPerBatch..<(2 * pairsPerBatch))
            )
            let gradient: Tensor
            switch objective {
            case .bce(let head):
                let logits = try head.logits(first, second, mode: .training)
                let loss = try Loss.binaryCrossEntropyWithLogits(
                    logits: logits, targets: Tensor(shape: [pairsPerBatch], scalars: batch.similar))
                let (a, b) = try head.backward(loss.gradient)
                gradient = try Tensor.concatenateBatch([a, b])
            case .contrastive(let margin):
                let normalized = try l2.forward(embeddings, context: context)
                let loss = try Loss.contrastive(
                    normalized.batchSlice(0..<pairsPerBatch),
                    normalized.batchSlice(pairsPerBatch..<(2 * pairsPerBatch)),
                    similar: Tensor(shape: [pairsPerBatch], scalars: batch.similar), margin: margin)
                gradient = try l2.backward(
                    Tensor.concatenateBatch([loss.firstGradient, loss.secondGradient]), context: context)
            case .triplet(let tripletLoss):
                // Identity labels: pair i's two images share a label when they come from the same picture.
                var labels = Array(0..<pairsPerBatch)
                labels += (0..<pairsPerBatch).map { batch.similar[$0] == 1 ? $0 : pairsPerBatch + $0 }
                let normalized = try l2.forward(embeddings, context: context)
                let loss = try tripletLoss(normalized, labels: labels)
                gradient = try l2.backward(loss.gradient, context: context)
            }
            _ = try network.tower.backward(gradient, context: context)
            GradientClipping.clipGlobalNorm(parameters.map(\.parameter), maximumNorm: 5)
            optimizer.update(parameters, learningRate: schedule.rate(at: step))
        }
        return (network, l2)
    }

    /// Similarity scores of pairs: the head's logit, or minus the distance between normalised embeddings.
    static func scores(_ network: TwinNetwork, l2: L2Normalization?, pairs: Pairs) throws -> [Float] {
        let context = ExecutionContext(mode: .inference, threads: 1)
        var first = try network.tower.forward(pairs.first, context: context)
        var second = try network.tower.forward(pairs.second, context: context)
        guard let l2 else { return try network.head.logits(first, second, mode: .inference).scalars }
        first = try l2.forward(first, context: context)
        second = try l2.forward(second, context: context)
        let width = first.shape[1]
        return (0..<first.shape[0]).map { pair in
            -(0..<width).reduce(Float(0)) { sum, j in
                let difference = first.scalars[pair * width + j] - second.scalars[pair * width + j]
                return sum + difference * difference
            }
        }
    }

    static func accuracy(_ scores: [Float], _ similar: [Float], threshold: Float) -> Double {
        Double(zip(scores, similar).filter { ($0 >= threshold) == ($1 == 1) }.count) / Double(scores.count)
    }

    /// The threshold that best separates calibration pairs drawn from training images.
    static func fittedThreshold(_ scores: [Float], _ similar: [Float]) -> Float {
        scores.max { accuracy(scores, similar, threshold: $0) < accuracy(scores, similar, threshold: $1) }!
    }

    static func heldAsideAccuracy(_ network: TwinNetwork, l2: L2Normalization?, fitThreshold: Bool) throws -> Double {
        var random = RandomSource(seed: 777)
        let test = pairs(count: 400, from: heldAsideImages, random: &random)
        var threshold: Float = 0
        if fitThreshold {
            let calibration = pairs(count: 200, from: trainingImages, random: &random)
            threshold = fittedThreshold(try scores(network, l2: l2, pairs: calibration), calibration.similar)
        }
        return accuracy(try scores(network, l2: l2, pairs: test), test.similar, threshold: threshold)
    }

    @Test(.enabled(if: !images.isEmpty, "needs Debian's dataset-fashion-mnist"))
    func constrainedHeadLearnsNearDuplicatesWithBCE() throws {
        let (network, _) = try Self.train(.bce(WeightedL1Head(width: 16)), seed: 1)
        let accuracy = try Self.heldAsideAccuracy(network, l2: nil, fitThreshold: false)
        print("constrained head, BCE: held-aside pair accuracy \(accuracy)")
        #expect(accuracy >= 0.9, "the constrained head told apart only \(accuracy * 100)% of unseen pairs at p = 0.5")
    }

    @Test(.enabled(if: !images.isEmpty, "needs Debian's dataset-fashion-mnist"))
    func unconstrainedHeadLearnsNearDuplicatesWithBCE() throws {
        let (network, _) = try Self.train(.bce(WeightedL1Head(width: 16, constrained: false)), seed: 2)
        let accuracy = try Self.heldAsideAccuracy(network, l2: nil, fitThreshold: false)
        print("unconstrained head, BCE: held-aside pair accuracy \(accuracy)")
        #expect(accuracy >= 0.9, "the unconstrained head told apart only \(accuracy * 100)% of unseen pairs")
    }

    @Test(.enabled(if: !images.isEmpty, "needs Debian's dataset-fashion-mnist"))
    func contrastiveLossLearnsNearDuplicates() throws {
        let (network, l2) = try Self.train(.contrastive(margin: 1), seed: 3)
        let accuracy = try Self.heldAsideAccuracy(network, l2: l2, fitThreshold: true)
        print("contrastive: held-aside pair accuracy \(accuracy)")
        #expect(accuracy >= 0.9, "contrastive training told apart only \(accuracy * 100)% of unseen pairs")
    }

    @Test(.enabled(if: !images.isEmpty, "needs Debian's dataset-fashion-mnist"))
    func tripletLossLearnsNearDuplicates() throws {
        let (network, l2) = try Self.train(.triplet(TripletLoss(margin: 0.2, mining: .semiHard)), seed: 4)
        let accuracy = try Self.heldAsideAccuracy(network, l2: l2, fitThreshold: true)
        print("triplet (semi-hard): held-aside pair accuracy \(accuracy)")
        #expect(accuracy >= 0.9, "triplet training told apart only \(accuracy * 100)% of unseen pairs")
    }

    /// The signed Subtract+Dense head cannot represent a symmetric relation (its logit flips sign with pair order),
    /// so on this task it stays far below the constrained head: this test records that failure.
    @Test(.enabled(if: !images.isEmpty, "needs Debian's dataset-fashion-mnist"))
    func signedDifferenceHeadFailsOnSymmetricPairs() throws {
        var random = RandomSource(seed: 5)
        let (network, _) = try Self.train(.bce(SignedDifferenceHead(width: 16, random: &random)), seed: 5)
        let accuracy = try Self.heldAsideAccuracy(network, l2: nil, fitThreshold: false)
        print("signed difference head, BCE: held-aside pair accuracy \(accuracy)")
        #expect(accuracy < 0.8, "the signed head reached \(accuracy * 100)%; it should fail on symmetric pairs")
    }
}
