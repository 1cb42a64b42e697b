import Foundation
import ImageIO
import NeuralNet

/// Trains a twin network on pairs made from `WorkingPictures`, with checkpoints that resume bit-identically.
///
/// Every random choice of step `n` comes from a generator seeded by (seed, n), and checkpoints hold the weights,
/// the optimizer state and the mined neighbours: resuming at step n replays exactly what an uninterrupted run
/// would have done from n on, for the same thread count.
public final class TwinTrainer {
    public let configuration: TrainingConfiguration
    public let network: TwinNetwork
    public let optimizer: Adam
    public private(set) var step = 0
    /// For each training picture, the pictures of other groups the model last found closest.
    public private(set) var neighbours: [[Int]]?
    let training: WorkingPictures
    let sampler: PairSampler
    let schedule: LearningRateSchedule
    /// Dismissed pairs mixed into every step as hard negatives (`twindup train --feedback`).
    let feedback: FeedbackPairs
    /// Feedback pairs the steps of this trainer have used.
    public private(set) var feedbackPairsUsed = 0

    public init(
        configuration: TrainingConfiguration, training: WorkingPictures,
        architecture: TwinNetwork.Architecture? = nil, feedback: FeedbackPairs = FeedbackPairs(pairs: [])
    ) {
        let architecture = configuration.applyingOptions(to: architecture ?? .standard)
        self.configuration = configuration
        self.training = training
        self.feedback = feedback
        var headRandom = RandomSource(seed: configuration.seed ^ 0x4845_4144)
        let head: any TwinHead
        switch configuration.head {
        case .constrained: head = WeightedL1Head(width: architecture.embeddingWidth, constrained: true)
        case .unconstrained: head = WeightedL1Head(width: architecture.embeddingWidth, constrained: false)
        case .signed: head = SignedDifferenceHead(width: architecture.embeddingWidth, random: &headRandom)
        }
        network = TwinNetwork(architecture: architecture, head: head, seed: configuration.seed)
        optimizer = Adam(weightDecay: configuration.weightDecay)
        sampler = PairSampler(pictures: training, windowViewShare: configuration.windowViews ?? 0)
        schedule = LearningRateSchedule(
            base: configuration.learningRate, warmupSteps: configuration.warmupSteps,
            decay: .cosine(totalSteps: configuration.steps, minimum: configuration.minimumLearningRate))
    }

    /// What one step did, for progress lines.
    public struct StepReport: Sendable {
        public var step: Int
        public var loss: Float
        public var learningRate: Float
        public var gradientNorm: Float
        public var images: Int
        /// Dismissed pairs in this step's batch.
        public var feedbackPairs: Int
    }

    /// Runs step `step` (zero-based) and advances.
    public func trainStep() throws -> StepReport {
        if step % configuration.mineEvery == 0 && step > 0 {
            try mineHardNegatives()
        }
        var random = RandomSource(seed: configuration.seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
        let sources = sampler.chooseSources(
            count: configuration.batchSources, neighbours: neighbours, random: &random)
        let viewSeeds = sources.map { _ in random.next() }
        let sampler = sampler
        let views = concurrentMap(
            Array(zip(sources, viewSeeds)).map { SourceSeed(source: $0.0, seed: $0.1) }, threads: configuration.threads
        ) {
            item in
            var viewRandom = RandomSource(seed: item.seed)
            let (first, second) = sampler.views(of: item.source, random: &viewRandom)
            return ViewPair(first: first, second: second)
        }
        let distinct = feedbackViews()
        let batch = views + distinct
        let count = batch.count
        let input = PairSampler.inputTensor(
            batch.map(\.first) + batch.map(\.second), preparation: network.architecture.inputPreparation,
            threads: configuration.threads)
        let context = ExecutionContext(mode: .training, threads: configuration.threads)
        let embeddings = try network.embed(input, context: context)
        let width = embeddings.shape[1]
        let (loss, embeddingGradient) = try lossAndGradient(
            embeddings: embeddings, count: count, width: width, distinctRows: distinct.count)
        guard loss.isFinite else {
            // A diverged step would poison the weights and every checkpoint after it: stop and say where.
            let badInputs = input.scalars.count { !$0.isFinite }
            let badEmbeddings = embeddings.scalars.count { !$0.isFinite }
            throw TrainingError(
                "the loss is not finite at step \(step) (\(badInputs) non-finite inputs, \(badEmbeddings) non-finite embedding values); lower the learning rate or resume from an earlier checkpoint"
            )
        }
        try network.embeddingBackward(embeddingGradient, context: context)
        let parameters = network.namedParameters
        let norm = GradientClipping.clipGlobalNorm(
            parameters.map(\.parameter), maximumNorm: configuration.gradientClipNorm)
        let rate = schedule.rate(at: step)
        optimizer.update(parameters, learningRate: rate)
        for (_, parameter) in parameters { parameter.zeroGradient() }
        step += 1
        feedbackPairsUsed += distinct.count
        return StepReport(
            step: step, loss: loss, learningRate: rate, gradientNorm: norm, images: 2 * count,
            feedbackPairs: distinct.count)
    }

    /// This step's feedback pairs, drawn without repeats from their own generator, so that a run without feedback
    /// draws exactly what it drew before feedback existed.
    func feedbackViews() -> [ViewPair] {
        let wanted = min(feedback.perStep(batchSources: configuration.batchSources), feedback.pairs.count)
        guard wanted > 0 else { return [] }
        var random = RandomSource(seed: (configuration.seed ^ 0x4645_4544) &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(feedback.pairs.indices)
        var chosen: [ViewPair] = []
        for position in 0..<wanted {
            order.swapAt(position, position + random.nextInt(below: order.count - position))
            let (first, second) = sampler.views(of: feedback.pairs[order[position]], random: &random)
            chosen.append(ViewPair(first: first, second: second))
        }
        return chosen
    }

    struct SourceSeed: Sendable {
        var source: Int
        var seed: UInt64
    }

    struct ViewPair: Sendable {
        var first: Image
        var second: Image
    }

    /// The loss of a batch whose rows 0..<count are first views and count..<2·count their second views. The last
    /// `distinctRows` rows pair two different pictures (dismissed pairs): their own pair is a negative, and pairs
    /// between two of them count for nothing (one picture may belong to two dismissed pairs).
    func lossAndGradient(embeddings: Tensor, count: Int, width: Int, distinctRows: Int = 0) throws -> (Float, Tensor) {
        let firstViews = embeddings.batchSlice(0..<count)
        let secondViews = embeddings.batchSlice(count..<(2 * count))
        let regular = count - distinctRows
        let bothFeedback = { (i: Int, j: Int) in i >= regular && j >= regular && i != j }
        switch configuration.loss {
        case .bce:
            return try allPairsCrossEntropy(firstViews, secondViews, count: count, width: width, regular: regular)
        case .contrastive:
            // Every positive pair, and for each first view its closest distinct second view.
            var left: [Float] = []
            var right: [Float] = []
            var similar: [Float] = []
            var pairIndices: [(Int, Int)] = []
            for i in 0..<count {
                pairIndices.append((i, i))
                var closest = (i + 1) % count
                var closestDistance = Float.infinity
                for j in 0..<count where j != i && !bothFeedback(i, j) {
                    var distance: Float = 0
                    for k in 0..<width {
                        let d = firstViews.scalars[i * width + k] - secondViews.scalars[j * width + k]
                        distance += d * d
                    }
                    if distance < closestDistance { (closest, closestDistance) = (j, distance) }
                }
                pairIndices.append((i, closest))
            }
            for (i, j) in pairIndices {
                left += firstViews.scalars[(i * width)..<((i + 1) * width)]
                right += secondViews.scalars[(j * width)..<((j + 1) * width)]
                similar.append(i == j && i < regular ? 1 : 0)
            }
            let result = try Loss.contrastive(
                Tensor(shape: [pairIndices.count, width], scalars: left),
                Tensor(shape: [pairIndices.count, width], scalars: right),
                similar: Tensor(shape: [pairIndices.count], scalars: similar), margin: configuration.contrastiveMargin)
            var gradient = Tensor(zeros: embeddings.shape)
            for (pair, (i, j)) in pairIndices.enumerated() {
                for k in 0..<width {
                    gradient.scalars[i * width + k] += result.firstGradient.scalars[pair * width + k]
                    gradient.scalars[(count + j) * width + k] += result.secondGradient.scalars[pair * width + k]
                }
            }
            return (result.value, gradient)
        case .triplet:
            // A dismissed pair's two pictures get labels of their own: negatives of every anchor, no positive.
            let labels = Array(0..<count) + (0..<count).map { $0 < regular ? $0 : count + $0 }
            let result = try TripletLoss(margin: configuration.tripletMargin, mining: .semiHard)(
                embeddings, labels: labels)
            return (result.value, result.gradient)
        }
    }

    /// Binary cross-entropy of the head over all count×count (first, second) pairs: the diagonal of the first
    /// `regular` rows are the near-duplicates, the rest distinct pictures. Both classes weigh half of the loss; the
    /// diagonal pair of each later (dismissed) row weighs as much as one near-duplicate pair on top of that, and
    /// pairs between two dismissed rows are left out.
    func allPairsCrossEntropy(
        _ firstViews: Tensor, _ secondViews: Tensor, count: Int, width: Int, regular: Int? = nil
    ) throws -> (Float, Tensor) {
        let regular = regular ?? count
        let distinctRows = count - regular
        var left = [Float](repeating: 0, count: count * count * width)
        var right = [Float](repeating: 0, count: count * count * width)
        for i in 0..<count {
            for j in 0..<count {
                let pair = i * count + j
                for k in 0..<width {
                    left[pair * width + k] = firstViews.scalars[i * width + k]
                    right[pair * width + k] = secondViews.scalars[j * width + k]
                }
            }
        }
        let logits = try network.head.logits(
            Tensor(shape: [count * count, width], scalars: left),
            Tensor(shape: [count * count, width], scalars: right),
            mode: .training)
        var loss: Float = 0
        var logitGradient = Tensor(zeros: [count * count])
        let positiveWeight = 0.5 / Float(max(regular, 1))
        let negativeWeight = 0.5 / Float(max(count * count - count - distinctRows * (distinctRows - 1), 1))
        for i in 0..<count {
            for j in 0..<count {
                let pair = i * count + j
                let z = logits.scalars[pair]
                let y: Float = i == j && i < regular ? 1 : 0
                let weight: Float
                if i == j {
                    weight = positiveWeight
                } else if i >= regular && j >= regular {
                    weight = 0
                } else {
                    weight = negativeWeight
                }
                loss += weight * (max(z, 0) - z * y + log1p(exp(-abs(z))))
                logitGradient.scalars[pair] = weight * (Activation.sigmoid(z) - y)
            }
        }
        let (firstGradient, secondGradient) = try network.head.backward(logitGradient)
        var gradient = Tensor(zeros: [2 * count, width])
        for i in 0..<count {
            for j in 0..<count {
                let pair = i * count + j
                for k in 0..<width {
                    gradient.scalars[i * width + k] += firstGradient.scalars[pair * width + k]
                    gradient.scalars[(count + j) * width + k] += secondGradient.scalars[pair * width + k]
                }
            }
        }
        return (loss, gradient)
    }

    /// Embeds every training picture as it is and records, for each, its closest pictures it may be paired with as
    /// distinct (other groups, not linked as one source).
    public func mineHardNegatives() throws {
        let embeddings = try Embedder(network: network, threads: configuration.threads).embed(training.images)
        let weights: [Float]
        if let head = network.head as? WeightedL1Head, head.isConstrained {
            weights = head.metricWeights
        } else {
            weights = [Float](repeating: 1, count: network.architecture.embeddingWidth)
        }
        let scaled = embeddings.map { zip($0, weights).map { $0 * $1 } }
        let families = training.familyOfPicture
        let keep = configuration.minedNeighbours
        neighbours = concurrentMap(Array(scaled.indices), threads: configuration.threads) { index in
            var best: [(distance: Float, index: Int)] = []
            for other in scaled.indices where families[other] != families[index] {
                var distance: Float = 0
                for k in 0..<scaled[index].count { distance += abs(scaled[index][k] - scaled[other][k]) }
                if best.count < keep || distance < best[best.count - 1].distance {
                    best.append((distance, other))
                    best.sort { $0.distance < $1.distance }
                    if best.count > keep { best.removeLast() }
                }
            }
            return best.map(\.index)
        }
    }

    // MARK: Checkpoints

    /// Weights, optimizer state, mined neighbours and the step, in one safetensors file.
    public func checkpoint() -> SafeTensors {
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in network.namedParameters { tensors["model.\(name)"] = parameter.value }
        for (name, tensor) in optimizer.stateTensors() { tensors["optimizer.\(name)"] = tensor }
        if let neighbours {
            let keep = configuration.minedNeighbours
            var flat = [Float](repeating: -1, count: neighbours.count * keep)
            for (index, row) in neighbours.enumerated() {
                for (position, value) in row.enumerated() { flat[index * keep + position] = Float(value) }
            }
            tensors["mining.neighbours"] = try! Tensor(shape: [neighbours.count, keep], scalars: flat)
        }
        return SafeTensors(
            tensors: tensors,
            metadata: [
                "step": String(step), "configuration": configuration.json, "pictures": String(training.images.count),
                "feedback_pairs": String(feedback.pairs.count), "feedback_pairs_used": String(feedbackPairsUsed),
            ])
    }

    public func resume(from checkpoint: SafeTensors) throws {
        guard let stepText = checkpoint.metadata["step"], let savedStep = Int(stepText),
            let configurationText = checkpoint.metadata["configuration"]
        else { throw TrainingError("the checkpoint has no step or configuration") }
        let saved = try TrainingConfiguration(json: configurationText)
        guard saved == configuration else {
            throw TrainingError("the checkpoint was made with another configuration: \(configurationText)")
        }
        guard checkpoint.metadata["pictures"] == String(training.images.count) else {
            throw TrainingError(
                "the checkpoint was made with \(checkpoint.metadata["pictures"] ?? "?") training pictures")
        }
        let savedFeedback = checkpoint.metadata["feedback_pairs"] ?? "0"
        guard savedFeedback == String(feedback.pairs.count) else {
            throw TrainingError(
                "the checkpoint was made with \(savedFeedback) feedback pairs, not \(feedback.pairs.count): resume "
                    + "with the same --feedback index, unchanged")
        }
        var model: [String: Tensor] = [:]
        var optimizerState: [String: Tensor] = [:]
        for (name, tensor) in checkpoint.tensors {
            if name.hasPrefix("model.") { model[String(name.dropFirst(6))] = tensor }
            if name.hasPrefix("optimizer.") { optimizerState[String(name.dropFirst(10))] = tensor }
        }
        try SafeTensors(tensors: model).assign(to: network.namedParameters)
        try optimizer.loadState(optimizerState)
        if let mined = checkpoint.tensors["mining.neighbours"] {
            let keep = mined.shape[1]
            neighbours = (0..<mined.shape[0]).map { row in
                mined.scalars[(row * keep)..<((row + 1) * keep)].filter { $0 >= 0 }.map { Int($0) }
            }
        } else {
            neighbours = nil
        }
        step = savedStep
        feedbackPairsUsed = Int(checkpoint.metadata["feedback_pairs_used"] ?? "") ?? 0
    }
}

public struct TrainingError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
