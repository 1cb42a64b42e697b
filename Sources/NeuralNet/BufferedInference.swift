import Synchronization

/// A layer that can run inference on one sample between buffers its caller owns, so that a network pass allocates
/// no tensors: freshly allocated feature maps cost page faults whenever the allocator has returned the memory of
/// the previous pass to the system, about a megabyte per image.
protocol BufferedInference: Layer {
    /// Floats of scratch `infer` needs for one sample of `inputShape` (batch 1).
    func inferenceScratchCount(for inputShape: [Int]) -> Int
    /// Writes one sample's output. `inputShape` has batch 1 and was accepted by `outputShape(for:)`; `input`,
    /// `output` and `scratch` do not overlap, and `scratch`'s contents are unspecified on entry.
    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>)
}

extension BufferedInference {
    func inferenceScratchCount(for inputShape: [Int]) -> Int { 0 }
}

/// Float buffers kept between inference passes, one per concurrently running share of a batch.
final class InferenceWorkspaces: Sendable {
    private let idle = Mutex<[Buffer]>([])

    /// Memory for one thread; `Buffer` is handed to exactly one thread at a time.
    // @unchecked Sendable is safe here: a buffer is either in the pool (touched only under its lock) or held by the
    // one thread that took it, until that thread returns it.
    final class Buffer: @unchecked Sendable {
        private(set) var pointer: UnsafeMutablePointer<Float>
        private(set) var capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }

        func reserve(_ count: Int) {
            guard count > capacity else { return }
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }

        deinit { pointer.deallocate() }
    }

    /// Runs `body` with at least `count` floats that no other thread uses meanwhile.
    func withBuffer<Result>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> Result) rethrows -> Result {
        let buffer = idle.withLock { $0.popLast() } ?? Buffer(capacity: count)
        buffer.reserve(count)
        defer { idle.withLock { $0.append(buffer) } }
        return try body(buffer.pointer)
    }
}

extension Sequential {
    /// Inference on a batch, one sample at a time through the whole network within each thread's share, between two
    /// reused buffers: a sample's activations stay in cache from layer to layer, and nothing is allocated per pass.
    func forwardBuffered(
        _ input: Tensor, layers: [any BufferedInference], context: ExecutionContext
    ) throws(NeuralNetError) -> Tensor {
        let batch = input.shape[0]
        var shapes = [[1] + input.shape.dropFirst()]
        for layer in layers { shapes.append(try layer.outputShape(for: shapes[shapes.count - 1])) }
        let sizes = shapes.map { $0.reduce(1, *) }
        let activation = sizes.dropFirst().dropLast().max() ?? 0
        let scratch = zip(layers, shapes).map { $0.inferenceScratchCount(for: $1) }.max() ?? 0
        var output = Tensor(uninitialized: [batch] + shapes[shapes.count - 1].dropFirst())
        let (inputSize, outputSize) = (sizes[0], sizes[sizes.count - 1])
        let workspaces = self.workspaces
        input.scalars.withUnsafeBufferPointer { inputBuffer in
            output.scalars.withUnsafeMutableBufferPointer { outputBuffer in
                let (source, target) = (inputBuffer.baseAddress!, outputBuffer.baseAddress!)
                ParallelLoop.run(count: batch, threads: context.loopThreads) { samples, _ in
                    workspaces.withBuffer(count: 2 * activation + scratch) { memory in
                        let (ping, pong, scratchMemory) = (memory, memory + activation, memory + 2 * activation)
                        for sample in samples {
                            var from = source + sample * inputSize
                            for (index, layer) in layers.enumerated() {
                                let to =
                                    index == layers.count - 1
                                    ? target + sample * outputSize : (index % 2 == 0 ? ping : pong)
                                layer.infer(from, shape: shapes[index], into: to, scratch: scratchMemory)
                                from = UnsafePointer(to)
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
