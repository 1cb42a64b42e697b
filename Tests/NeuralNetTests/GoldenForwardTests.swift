import Foundation
import Testing

@testable import NeuralNet

/// A small network's outputs against values computed independently with numpy (Scripts/neural_golden.py), from
/// weights in a safetensors file that numpy wrote, not this engine.
@Suite struct GoldenForwardTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden.safetensors")

    static func network() -> (Sequential, WeightedL1Head) {
        var random = RandomSource(seed: 0)
        let network = Sequential([
            PerImageStandardization(name: "standardize"),
            Conv2D(name: "conv", inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, random: &random),
            BatchNorm(name: "bn", channels: 4), ReLU(name: "relu"),
            Pool2D(name: "pool", kind: .max, kernelSize: 2, stride: 1),
            DepthwiseConv2D(name: "dw", channels: 4, hasBias: false, random: &random),
            BatchNorm(name: "dw_bn", channels: 4), ReLU(name: "dw_relu"),
            Conv2D(name: "pw", inChannels: 4, outChannels: 6, kernelSize: 1, random: &random),
            GlobalPooling(name: "global", kind: .averageAndMax),
            Dense(name: "dense", inputs: 12, outputs: 5, random: &random),
        ])
        return (network, WeightedL1Head(width: 5))
    }

    @Test(arguments: [false, true])
    func smallNetworkMatchesNumpy(folded: Bool) throws {
        var file = try SafeTensors.read(from: Self.fixture)
        let input = try #require(file.tensors["input"])
        file.tensors["input"] = nil
        let expectedEmbedding = try #require(file.tensors["expected.embedding"])
        file.tensors["expected.embedding"] = nil
        let expectedLogit = try #require(file.tensors["expected.logit"])
        file.tensors["expected.logit"] = nil
        let (network, head) = Self.network()
        try file.assign(to: network.namedParameters + head.namedParameters)
        let runner = folded ? network.foldedForInference() : network
        let embedding = try runner.forward(input, context: ExecutionContext(mode: .inference))
        #expect(embedding.shape == expectedEmbedding.shape)
        for (actual, expected) in zip(embedding.scalars, expectedEmbedding.scalars) {
            #expect(abs(actual - expected) <= 1e-4 + 1e-4 * abs(expected), "embedding \(actual) ≠ numpy's \(expected)")
        }
        let logit = try head.logits(embedding.batchSlice(0..<1), embedding.batchSlice(1..<2), mode: .inference)
        #expect(
            abs(logit.scalars[0] - expectedLogit.scalars[0]) <= 1e-4,
            "head logit \(logit.scalars[0]) ≠ numpy's \(expectedLogit.scalars[0])")
    }
}
