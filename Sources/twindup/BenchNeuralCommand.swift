import ArgumentParser
import Foundation
import NeuralNet
import TwinModel

/// Speed of the twin network (by default at the shipped model's input side), reported against OpenBLAS `sgemm`
/// measured in the same run.
struct BenchNeuralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neural",
        abstract: "Measure embedding and training speed of the twin network against sgemm peak.")

    @Option(help: "Seconds to spend on each inference measurement.")
    var seconds: Double = 2

    @Flag(help: "Also print the inference time of each layer at batch 32 on one thread.")
    var layers = false

    @Option(help: "The network's input side (the shipped model reads 112; the standard network 96).")
    var inputSide: Int = TrainingConfiguration.shippedInputSide

    @Option(
        help: ArgumentHelp(
            "Instead of timing, run this many inference passes (batch 1) and training steps (batch 8) layer by layer.",
            discussion:
                "After each layer's forward or backward pass, LayerProfile.boundary() is called, so that "
                + "`valgrind --tool=callgrind --dump-after='*LayerProfile*boundary*'` writes one instruction count "
                + "per layer; the dump order is printed first."))
    var profilePasses: Int?

    @Flag(help: "Only print which OpenBLAS kernels this process runs, and the processor's vector extensions.")
    var kernels = false

    func run() async throws {
        guard (32...256).contains(inputSide) else { throw ValidationError("--input-side must be 32 to 256") }
        let features = BLASKernels.Features.current
        print(
            "kernels: \(BLASKernels.description); processor: AVX2+FMA \(features.avx2FMA ? "yes" : "no"), "
                + "AVX-512 \(features.avx512 ? "yes" : "no")")
        if kernels { return }
        if let profilePasses { return try LayerProfile.run(passes: profilePasses, inputSide: inputSide) }
        var architecture = TwinNetwork.Architecture.standard
        architecture.inputSide = inputSide
        let network = TwinNetwork(architecture: architecture, seed: 1)
        let flops = Double(network.flopsPerImage)
        let side = network.architecture.inputSide
        print(
            "network: \(side)×\(side) RGB → \(network.architecture.embeddingWidth)-d embedding, \(String(format: "%.1f", flops / 1e6)) MFLOP/image"
                + (network.architecture.mirrorInvariant ? " (two passes: the picture and its mirror image)" : "")
        )

        let peak1 = MatrixBenchmark.sgemmFlops(m: 512, n: 512, k: 512, threads: 1)
        let peak2 = MatrixBenchmark.sgemmFlops(m: 512, n: 512, k: 512, threads: 2)
        let convShaped = MatrixBenchmark.sgemmFlops(m: 128, n: 576, k: 128, threads: 1)
        print(
            String(
                format:
                    "sgemm 512³: %.1f GFLOPS (1 thread), %.1f GFLOPS (2 threads); conv-shaped 128×576×128: %.1f GFLOPS (1 thread)",
                peak1 / 1e9, peak2 / 1e9, convShaped / 1e9))

        let folded = network.tower.foldedForInference()
        var random = RandomSource(seed: 2)
        let cases: [(batch: Int, threads: Int, strategy: ParallelStrategy)] = [
            (1, 1, .batchSplit), (1, 2, .blasThreads), (32, 1, .batchSplit), (32, 2, .batchSplit),
            (32, 2, .blasThreads),
        ]
        print("inference (BatchNorm and ReLU folded into the convolutions):")
        for (batch, threads, strategy) in cases {
            var images = Tensor(zeros: [batch, 3, side, side])
            for index in images.scalars.indices { images.scalars[index] = random.nextUniform() }
            let context = ExecutionContext(mode: .inference, threads: threads, strategy: strategy)
            let perImage =
                try time(seconds: seconds) {
                    _ = try MirrorInvariance.embed(
                        images, through: folded, mirrorInvariant: network.architecture.mirrorInvariant,
                        context: context)
                } / Double(batch)
            let achieved = flops / perImage
            let peak = threads == 1 ? peak1 : peak2
            print(
                String(
                    format: "  batch %2d, %d thread%@ (%@): %.3f ms/image, %.1f GFLOPS = %.0f%% of sgemm peak", batch,
                    threads, threads == 1 ? "" : "s", strategy == .batchSplit ? "batch split" : "OpenBLAS threads",
                    perImage * 1e3, achieved / 1e9, 100 * achieved / peak))
        }

        if layers { try printLayerTimes(folded, side: side) }

        print("training (batch of 32 images = 16 pairs, forward + backward + AdamW):")
        for (threads, strategy) in [(1, ParallelStrategy.batchSplit), (2, .batchSplit), (2, .blasThreads)] {
            let trainee = TwinNetwork(architecture: architecture, seed: 3)
            let optimizer = Adam(weightDecay: 1e-4)
            let context = ExecutionContext(mode: .training, threads: threads, strategy: strategy)
            var images = Tensor(zeros: [32, 3, side, side])
            for index in images.scalars.indices { images.scalars[index] = random.nextUniform() }
            let targets = try Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 2) })
            let parameters = trainee.namedParameters
            let perStep = try time(seconds: seconds * 2) {
                let embeddings = try trainee.embed(images, context: context)
                let logits = try trainee.head.logits(
                    embeddings.batchSlice(0..<16), embeddings.batchSlice(16..<32), mode: .training)
                let loss = try Loss.binaryCrossEntropyWithLogits(logits: logits, targets: targets)
                for (_, parameter) in parameters { parameter.zeroGradient() }
                let (first, second) = try trainee.head.backward(loss.gradient)
                try trainee.embeddingBackward(Tensor.concatenateBatch([first, second]), context: context)
                optimizer.update(parameters, learningRate: 1e-3)
            }
            let peak = threads == 1 ? peak1 : peak2
            print(
                String(
                    format: "  %d thread%@ (%@): %.1f images/s, %.1f GFLOPS (≈3× forward FLOPs) = %.0f%% of sgemm peak",
                    threads, threads == 1 ? "" : "s", strategy == .batchSplit ? "batch split" : "OpenBLAS threads",
                    32 / perStep, 3 * flops * 32 / perStep / 1e9, 100 * 3 * flops * 32 / perStep / peak))
        }
    }

    private func printLayerTimes(_ network: Sequential, side: Int) throws {
        var random = RandomSource(seed: 4)
        var value = Tensor(zeros: [32, 3, side, side])
        for index in value.scalars.indices { value.scalars[index] = random.nextUniform() }
        let context = ExecutionContext(mode: .inference)
        print("per layer, batch 32, 1 thread:")
        for layer in network.layers {
            let input = value
            let seconds = try time(seconds: 0.3) { value = try layer.forward(input, context: context) }
            let flops = Double(layer.flops(for: input.shape)) * 32
            print(
                String(
                    format: "  %@ %7.3f ms  %6.1f GFLOPS",
                    layer.name.padding(toLength: 22, withPad: " ", startingAt: 0), seconds * 1e3, flops / seconds / 1e9)
            )
        }
    }

    /// Median seconds per call of `body`, after one warm-up call, over at least three calls or `seconds`.
    private func time(seconds: Double, _ body: () throws -> Void) throws -> Double {
        try body()
        let clock = ContinuousClock()
        var samples: [Double] = []
        let start = clock.now
        while samples.count < 3 || (clock.now - start).seconds < seconds {
            let elapsed = try clock.measure(body)
            samples.append(elapsed.seconds)
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}
