/// Layers applied in order. Each layer's `name` prefixes its tensors (`block1.pointwise.weight`), so names must
/// be unique within a network.
public final class Sequential: Layer {
    public let name: String
    public let layers: [any Layer]
    /// Buffers that batched inference keeps between passes.
    let workspaces = InferenceWorkspaces()
    /// `layers` as `BufferedInference` when every one of them can run that way.
    private let buffered: [any BufferedInference]?

    public init(name: String = "", _ layers: [any Layer]) {
        precondition(Set(layers.map(\.name)).count == layers.count, "layer names must be unique")
        self.name = name
        self.layers = layers
        let buffered = layers.compactMap { $0 as? any BufferedInference }
        self.buffered = buffered.count == layers.count && !layers.isEmpty ? buffered : nil
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Every saved tensor under its full name, in layer order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.flatMap { layer in layer.parameters.map { ("\(layer.name).\($0.name)", $0) } }
    }

    public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }

    public func flops(for inputShape: [Int]) -> Int {
        var shape = inputShape
        var total = 0
        for layer in layers {
            total += layer.flops(for: shape)
            guard let next = try? layer.outputShape(for: shape) else { return total }
            shape = next
        }
        return total
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        if context.mode == .inference, input.rank > 1, let buffered {
            return try forwardBuffered(input, layers: buffered, context: context)
        }
        if context.mode == .inference, input.rank > 1, input.shape[0] > 1 {
            return try forwardPerSample(input, context: context)
        }
        return try forwardSteps(input, context: context) { _ in }
    }

    /// The layer-by-layer forward pass, calling `afterStep` with the name of each layer, or pair of fused layers,
    /// once it has run (the hook lets `LayerProfile` count each step).
    func forwardSteps(
        _ input: Tensor, context: ExecutionContext, afterStep: (String) -> Void
    ) throws(NeuralNetError) -> Tensor {
        var value = input
        var index = 0
        while index < layers.count {
            // In training, a BatchNorm and the ReLU after it run as one pass over the batch.
            if context.mode == .training, let (norm, relu) = normAndReLU(at: index) {
                value = try norm.forward(value, context: context, fusingReLU: true)
                afterStep(norm.name + "+" + relu.name)
                index += 2
            } else {
                value = try layers[index].forward(value, context: context)
                afterStep(layers[index].name)
                index += 1
            }
        }
        return value
    }

    /// The BatchNorm at `index` and the ReLU right after it, if that is what is there.
    private func normAndReLU(at index: Int) -> (BatchNorm, ReLU)? {
        guard index + 1 < layers.count, let norm = layers[index] as? BatchNorm, let relu = layers[index + 1] as? ReLU
        else { return nil }
        return (norm, relu)
    }

    /// Inference on a batch, one sample at a time through the whole network within each thread's share: a
    /// sample's activations stay in cache between layers, where a layer-by-layer pass over the batch streams every
    /// feature map through memory. Inference leaves layers untouched, so threads may share them.
    private func forwardPerSample(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let batch = input.shape[0]
        let outputShape = try outputShape(for: input.shape)
        let perSample = outputShape.dropFirst().reduce(1, *)
        var output = Tensor(zeros: outputShape)
        var failures = [NeuralNetError?](repeating: nil, count: batch)
        // Each sample alone: one loop thread, and OpenBLAS keeps the count the pass holds.
        let single = ExecutionContext(mode: .inference, threads: context.blasThreads, strategy: context.strategy)
        let layers = self.layers
        output.scalars.withUnsafeMutableBufferPointer { outputBuffer in
            failures.withUnsafeMutableBufferPointer { failureBuffer in
                let (target, errors) = (outputBuffer.baseAddress!, failureBuffer.baseAddress!)
                ParallelLoop.run(count: batch, threads: context.loopThreads) { samples, _ in
                    for sample in samples {
                        do throws(NeuralNetError) {
                            var value = input.batchSlice(sample..<(sample + 1))
                            for layer in layers { value = try layer.forward(value, context: single) }
                            (target + sample * perSample).update(from: value.scalars, count: perSample)
                        } catch {
                            errors[sample] = error
                        }
                    }
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        return try backwardSteps(outputGradient, context: context) { _ in }
    }

    /// The backward pass, calling `afterStep` as `forwardSteps` does.
    func backwardSteps(
        _ outputGradient: Tensor, context: ExecutionContext, afterStep: (String) -> Void
    ) throws(NeuralNetError) -> Tensor {
        var gradient = outputGradient
        var index = layers.count - 1
        while index >= 0 {
            // A ReLU after a BatchNorm gates the BatchNorm's gradient passes instead of making its own.
            if index >= 1, let (norm, relu) = normAndReLU(at: index - 1), norm.ranFusedReLU {
                gradient = try norm.backward(gradient, context: context)
                afterStep(norm.name + "+" + relu.name)
                index -= 2
            } else {
                gradient = try layers[index].backward(gradient, context: context)
                afterStep(layers[index].name)
                index -= 1
            }
        }
        return gradient
    }

    /// Loads every tensor by name; fails naming the first tensor missing, extra or of the wrong shape.
    public func load(_ weights: SafeTensors) throws(NeuralNetError) {
        try weights.assign(to: namedParameters)
    }

    public func weights(metadata: [String: String] = [:]) -> SafeTensors {
        SafeTensors(
            tensors: Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter.value) }),
            metadata: metadata)
    }

    /// An inference-only copy in which every BatchNorm is folded into the convolution before it and every ReLU
    /// after a convolution is fused into it: one pass over each feature map instead of three.
    public func foldedForInference() -> Sequential {
        var folded: [any Layer] = []
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            var next = index + 1
            var norm: BatchNorm?
            if next < layers.count, let batchNorm = layers[next] as? BatchNorm,
                layer is Conv2D || layer is DepthwiseConv2D
            {
                norm = batchNorm
                next += 1
            }
            let fuseReLU = next < layers.count && layers[next] is ReLU && (layer is Conv2D || layer is DepthwiseConv2D)
            if fuseReLU { next += 1 }
            if let conv = layer as? Conv2D {
                folded.append(InferenceFolding.fold(conv, norm: norm, relu: fuseReLU))
            } else if let depthwise = layer as? DepthwiseConv2D {
                folded.append(InferenceFolding.fold(depthwise, norm: norm, relu: fuseReLU))
            } else {
                folded.append(layer)
            }
            index = next
        }
        return Sequential(name: name, folded)
    }
}
