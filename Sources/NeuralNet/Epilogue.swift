/// The per-channel tail of a convolution: bias and, for folded inference, ReLU, in one pass over the output.
enum Epilogue {
    @inline(__always)
    static func addBiasAndActivate(
        _ output: UnsafeMutablePointer<Float>, channels: Int, pixels: Int, bias: UnsafePointer<Float>?, relu: Bool
    ) {
        if bias == nil && !relu { return }
        for channel in 0..<channels {
            let row = output + channel * pixels
            VectorLoops.shift(row, count: pixels, by: bias?[channel] ?? 0, floor: relu ? 0 : -.infinity, into: row)
        }
    }
}

/// Deterministic summation of per-thread partial gradients, always in chunk order.
enum Reduction {
    static func addPartials(_ partials: [Float], parts: Int, into target: inout [Float]) {
        let size = target.count
        precondition(partials.count == parts * size, "partial gradient buffers do not match their parameter")
        for part in 0..<parts {
            for index in 0..<size { target[index] += partials[part * size + index] }
        }
    }
}
