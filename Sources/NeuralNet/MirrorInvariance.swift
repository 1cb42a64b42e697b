/// An embedding exactly invariant to left-right mirroring: the tower embeds each picture and its mirror image in
/// one batch, and the two rows are averaged. Mirrored copies then match their originals as closely as untouched
/// ones, without the network having to learn the symmetry from examples.
public enum MirrorInvariance {
    /// The embeddings of `input` through `tower`, averaged with those of the mirrored batch when asked.
    public static func embed(
        _ input: Tensor, through tower: Sequential, mirrorInvariant: Bool, context: ExecutionContext
    ) throws(NeuralNetError) -> Tensor {
        guard mirrorInvariant else { return try tower.forward(input, context: context) }
        return averagePairs(try tower.forward(withMirrors(input), context: context))
    }

    /// `[N, C, H, W]` → `[2N, C, H, W]`: the batch, then every sample mirrored left to right.
    static func withMirrors(_ input: Tensor) -> Tensor {
        let batch = input.shape[0]
        let planes = input.shape[1]
        let (height, width) = (input.shape[2], input.shape[3])
        var output = Tensor(uninitialized: [2 * batch] + Array(input.shape.dropFirst()))
        let sampleSize = planes * height * width
        input.scalars.withUnsafeBufferPointer { source in
            output.scalars.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                to.update(from: from, count: batch * sampleSize)
                let mirrored = to + batch * sampleSize
                for row in 0..<(batch * planes * height) {
                    let start = row * width
                    for x in 0..<width { mirrored[start + x] = from[start + width - 1 - x] }
                }
            }
        }
        return output
    }

    /// `[2N, F]` → `[N, F]`: the mean of row i and row N + i.
    static func averagePairs(_ output: Tensor) -> Tensor {
        let batch = output.shape[0] / 2
        let width = output.shape[1]
        var mean = Tensor(uninitialized: [batch, width])
        output.scalars.withUnsafeBufferPointer { rows in
            mean.scalars.withUnsafeMutableBufferPointer { target in
                for index in 0..<(batch * width) { target[index] = 0.5 * (rows[index] + rows[batch * width + index]) }
            }
        }
        return mean
    }

    /// The gradient of `averagePairs`: half of each row's gradient to each of its two rows.
    static func splitGradient(_ gradient: Tensor) -> Tensor {
        let halves = gradient.scalars.map { 0.5 * $0 }
        var split = Tensor(uninitialized: [2 * gradient.shape[0], gradient.shape[1]])
        split.scalars = halves + halves
        return split
    }
}
