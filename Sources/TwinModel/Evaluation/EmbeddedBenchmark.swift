import NeuralNet

/// A `PairBenchmark` run through one network: the embeddings of its originals and edited copies.
public struct EmbeddedBenchmark: Sendable {
    public let benchmark: PairBenchmark
    public let originals: [[Float]]
    public let edited: [[Float]]

    public init(benchmark: PairBenchmark, network: TwinNetwork, threads: Int) throws {
        let embedder = Embedder(network: network, threads: threads)
        self.benchmark = benchmark
        originals = try embedder.embed(benchmark.originals.map { benchmark.pictures.images[$0] })
        edited = try embedder.embed(benchmark.edited.map(\.image))
    }

    /// Every benchmark pair scored by `head`'s probability.
    public func scoredPairs(head: any TwinHead) throws -> [ScoredPair] {
        // Score all (original, edited) combinations at once, then let the benchmark pick and label them.
        var first: [[Float]] = []
        var second: [[Float]] = []
        first.reserveCapacity(originals.count * edited.count)
        second.reserveCapacity(originals.count * edited.count)
        for original in originals {
            for copy in edited {
                first.append(original)
                second.append(copy)
            }
        }
        let probabilities = try PairScoring.probabilities(head: head, first: first, second: second)
        let columns = edited.count
        return benchmark.scoredPairs { Double(probabilities[$0 * columns + $1]) }
    }
}
