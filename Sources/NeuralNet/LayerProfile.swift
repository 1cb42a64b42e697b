/// Runs the network layer by layer for an instruction-counting profiler, which dumps its counts after each call to
/// `boundary()`; counts do not depend on machine load, unlike the timings of a shared machine.
public enum LayerProfile {
    @_optimize(none) @inline(never)
    public static func boundary() {}

    /// Profiles the standard network read at `inputSide` (the shipped model reads 112).
    public static func run(passes: Int, inputSide: Int = TwinNetwork.Architecture.standard.inputSide) throws {
        var architecture = TwinNetwork.Architecture.standard
        architecture.inputSide = inputSide
        let network = TwinNetwork(architecture: architecture, seed: 1)
        let folded = network.tower.foldedForInference()
        var random = RandomSource(seed: 5)
        var image = Tensor(zeros: [1] + network.architecture.inputShape)
        for index in image.scalars.indices { image.scalars[index] = random.nextUniform() }
        // Dump order: the set-up, then `passes` inference passes over these layers, then `passes` training steps,
        // each a forward and a backward pass step by step as Sequential runs them (names printed at the end).
        print("inference layers: \(folded.layers.map(\.name).joined(separator: " "))")
        let inference = ExecutionContext(mode: .inference)
        boundary()  // the set-up's own count, to be discarded
        for _ in 0..<passes {
            var value = image
            for layer in folded.layers {
                value = try layer.forward(value, context: inference)
                boundary()
            }
        }
        let training = ExecutionContext(mode: .training)
        var images = Tensor(zeros: [8] + network.architecture.inputShape)
        for index in images.scalars.indices { images.scalars[index] = random.nextUniform() }
        var steps: [String] = []
        for pass in 0..<passes {
            let output = try network.tower.forwardSteps(images, context: training) { name in
                boundary()
                if pass == 0 { steps.append("fwd:" + name) }
            }
            var gradient = output
            for index in gradient.scalars.indices { gradient.scalars[index] = random.nextNormal() }
            _ = try network.tower.backwardSteps(gradient, context: training) { name in
                boundary()
                if pass == 0 { steps.append("bwd:" + name) }
            }
        }
        print("training steps: \(steps.joined(separator: " "))")
    }
}
