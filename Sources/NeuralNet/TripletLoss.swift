/// Triplet loss with in-batch mining (FaceNet): mean over mined triplets of max(0, d(a,p) − d(a,n) + margin),
/// with d the squared Euclidean distance between embeddings of one batch `[N, D]` labelled by identity.
public struct TripletLoss: Sendable {
    public enum Mining: Sendable {
        /// Every anchor–positive pair, with the closest negative farther than the positive but within the margin;
        /// when there is none, the hardest (closest) negative.
        case semiHard
        /// Per anchor, the farthest positive and the closest negative ("batch hard").
        case hardest
    }

    public var margin: Float
    public var mining: Mining

    public init(margin: Float, mining: Mining) {
        self.margin = margin
        self.mining = mining
    }

    /// Returns the loss and its gradient for the embeddings; zero when the batch holds no valid triplet.
    public func callAsFunction(_ embeddings: Tensor, labels: [Int]) throws(NeuralNetError) -> LossResult {
        try embeddings.requireShape([labels.count, nil], "triplet loss embeddings")
        let (batch, width) = (embeddings.shape[0], embeddings.shape[1])
        var distances = [Float](repeating: 0, count: batch * batch)
        for i in 0..<batch {
            for j in (i + 1)..<max(batch, i + 1) {
                var sum: Float = 0
                for index in 0..<width {
                    let difference = embeddings.scalars[i * width + index] - embeddings.scalars[j * width + index]
                    sum += difference * difference
                }
                distances[i * batch + j] = sum
                distances[j * batch + i] = sum
            }
        }
        var triplets: [(anchor: Int, positive: Int, negative: Int)] = []
        for anchor in 0..<batch {
            let positives = (0..<batch).filter { $0 != anchor && labels[$0] == labels[anchor] }
            let negatives = (0..<batch).filter { labels[$0] != labels[anchor] }
            guard !positives.isEmpty,
                let closest = negatives.min(by: { distances[anchor * batch + $0] < distances[anchor * batch + $1] })
            else { continue }
            switch mining {
            case .hardest:
                let farthest = positives.max { distances[anchor * batch + $0] < distances[anchor * batch + $1] }!
                triplets.append((anchor, farthest, closest))
            case .semiHard:
                for positive in positives {
                    let positiveDistance = distances[anchor * batch + positive]
                    let semiHard = negatives.filter {
                        distances[anchor * batch + $0] > positiveDistance
                            && distances[anchor * batch + $0] < positiveDistance + margin
                    }.min { distances[anchor * batch + $0] < distances[anchor * batch + $1] }
                    triplets.append((anchor, positive, semiHard ?? closest))
                }
            }
        }
        var gradient = Tensor(zeros: embeddings.shape)
        guard !triplets.isEmpty else { return LossResult(value: 0, gradient: gradient) }
        var total: Float = 0
        let share = 1 / Float(triplets.count)
        for (anchor, positive, negative) in triplets {
            let violation = distances[anchor * batch + positive] - distances[anchor * batch + negative] + margin
            guard violation > 0 else { continue }
            total += violation
            for index in 0..<width {
                let a = embeddings.scalars[anchor * width + index]
                let p = embeddings.scalars[positive * width + index]
                let n = embeddings.scalars[negative * width + index]
                gradient.scalars[anchor * width + index] += share * 2 * (n - p)
                gradient.scalars[positive * width + index] += share * 2 * (p - a)
                gradient.scalars[negative * width + index] += share * 2 * (a - n)
            }
        }
        return LossResult(value: total * share, gradient: gradient)
    }
}
