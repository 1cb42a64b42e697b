import ImageIO
import NeuralNet

/// Runs a twin network's tower in inference mode over many images, in fixed-size batches.
struct Embedder {
    let network: TwinNetwork
    let threads: Int
    var batchSize = 64

    /// One embedding row per image, `[images.count, width]` flattened row-major.
    func embed(_ images: [Image]) throws -> [[Float]] {
        let preparation = network.architecture.inputPreparation
        let context = ExecutionContext(mode: .inference, threads: threads)
        var rows: [[Float]] = []
        rows.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let batch = Array(images[start..<min(start + batchSize, images.count)])
            let output = try network.embed(
                PairSampler.inputTensor(batch, preparation: preparation, threads: threads), context: context)
            let width = output.shape[1]
            for row in 0..<batch.count {
                rows.append(Array(output.scalars[(row * width)..<((row + 1) * width)]))
            }
            start += batchSize
        }
        return rows
    }
}

/// Scores pairs of embeddings with a twin head, in inference mode.
enum PairScoring {
    /// The head's probability for each (first[i], second[i]).
    static func probabilities(head: any TwinHead, first: [[Float]], second: [[Float]]) throws -> [Float] {
        precondition(first.count == second.count, "pairs need as many first as second embeddings")
        guard let width = first.first?.count else { return [] }
        var probabilities: [Float] = []
        probabilities.reserveCapacity(first.count)
        let chunk = 8192
        var start = 0
        while start < first.count {
            let end = min(start + chunk, first.count)
            let left = try Tensor(shape: [end - start, width], scalars: first[start..<end].flatMap { $0 })
            let right = try Tensor(shape: [end - start, width], scalars: second[start..<end].flatMap { $0 })
            let logits = try head.logits(left, right, mode: .inference)
            probabilities += logits.scalars.map(Activation.sigmoid)
            start = end
        }
        return probabilities
    }
}
