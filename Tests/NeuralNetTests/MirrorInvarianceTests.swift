import Testing

@testable import NeuralNet

@Suite struct MirrorInvarianceTests {
    static let tiny = TwinNetwork.Architecture(
        inputSide: 8, stemChannels: 4, blocks: [TwinNetwork.Block(8, stride: 2)], embeddingWidth: 5,
        mirrorInvariant: true)

    static func mirrored(_ tensor: Tensor) -> Tensor {
        var result = tensor
        let width = tensor.shape[3]
        for row in 0..<(tensor.count / width) {
            for x in 0..<width { result.scalars[row * width + x] = tensor.scalars[row * width + width - 1 - x] }
        }
        return result
    }

    @Test(arguments: [Mode.inference, .training])
    func aMirroredPictureEmbedsExactlyLikeItsOriginal(mode: Mode) throws {
        var random = RandomSource(seed: 5)
        let pictures = GradientCheck.randomTensor([3, 3, 8, 8], random: &random)
        let invariant = TwinNetwork(architecture: Self.tiny, seed: 2)
        var plainArchitecture = Self.tiny
        plainArchitecture.mirrorInvariant = false
        let plain = TwinNetwork(architecture: plainArchitecture, seed: 2)
        let context = ExecutionContext(mode: mode, threads: 1)

        let original = try invariant.embed(pictures, context: context)
        let mirror = try invariant.embed(Self.mirrored(pictures), context: context)
        #expect(original.shape == [3, 5])
        let largest = zip(original.scalars, mirror.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest < 1e-5, "a mirrored copy embedded \(largest) away from its original")
        // The same weights without the option do tell the two apart: the test would notice a no-op.
        let plainOriginal = try plain.embed(pictures, context: context)
        let plainMirror = try plain.embed(Self.mirrored(pictures), context: context)
        let plainLargest = zip(plainOriginal.scalars, plainMirror.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(plainLargest > 1e-3)
    }

    @Test func backpropagationThroughBothPassesMatchesFiniteDifferences() throws {
        var random = RandomSource(seed: 9)
        let network = TwinNetwork(architecture: Self.tiny, seed: 4)
        let input = GradientCheck.randomTensor([2, 3, 8, 8], random: &random)
        let context = ExecutionContext(mode: .training, threads: 1)
        let outputWeights = GradientCheck.randomTensor([2, 5], random: &random)
        func loss() throws -> Double {
            GradientCheck.weightedSum(try network.embed(input, context: context), outputWeights)
        }
        for (_, parameter) in network.namedParameters { parameter.zeroGradient() }
        _ = try loss()
        try network.embeddingBackward(outputWeights, context: context)
        for (name, parameter) in network.tower.namedParameters where parameter.isTrainable {
            let analytic = parameter.gradient.scalars
            let probes = GradientCheck.probes(count: parameter.value.count, random: &random, limit: 12)
            let numeric = try GradientCheck.numeric(
                indices: probes, epsilon: 1e-3,
                access: { index, value in
                    if let value { parameter.value.scalars[index] = value }
                    return parameter.value.scalars[index]
                }, loss: loss)
            let analyticProbes = probes.map { Double(analytic[$0]) }
            let error = GradientCheck.relativeError(analyticProbes, numeric)
            // A BatchNorm scale followed (through a ReLU and a per-channel convolution) by another BatchNorm barely
            // moves the loss: both gradients are then rounding noise around zero, and only their size is checked.
            let negligible = (analyticProbes + numeric).allSatisfy { abs($0) < 1e-3 }
            #expect(error < GradientCheck.tolerance || negligible, "\(name): gradient off by \(error)")
        }
    }
}
