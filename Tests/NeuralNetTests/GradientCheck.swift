import Testing

@testable import NeuralNet

/// Central finite differences against the analytic backward pass. Losses are accumulated in Double so that the
/// difference quotient is not drowned by Float rounding; the comparison is the relative error of whole gradient
/// vectors, which tolerates the rare sample that straddles a ReLU or max kink.
enum GradientCheck {
    static let tolerance = 2e-2

    static func randomTensor(_ shape: [Int], random: inout RandomSource, positive: Bool = false) -> Tensor {
        var tensor = Tensor(zeros: shape)
        for index in tensor.scalars.indices {
            let value = random.nextNormal()
            tensor.scalars[index] = positive ? abs(value) + 0.1 : value
        }
        return tensor
    }

    static func relativeError(_ analytic: [Double], _ numeric: [Double]) -> Double {
        var difference = 0.0
        var scale = 0.0
        for (a, n) in zip(analytic, numeric) {
            difference += (a - n) * (a - n)
            scale = max(scale, a * a, n * n)
        }
        let norms = max(analytic.map { $0 * $0 }.reduce(0, +), numeric.map { $0 * $0 }.reduce(0, +))
        return norms == 0 ? 0 : (difference / norms).squareRoot()
    }

    /// Indices to probe: all of a small tensor, a seeded sample of a large one.
    static func probes(count: Int, random: inout RandomSource, limit: Int = 48) -> [Int] {
        count <= limit ? Array(0..<count) : (0..<limit).map { _ in random.nextInt(below: count) }
    }

    /// Numeric derivative of `loss` with respect to the entries `indices` of a Float storage reached by `access`.
    static func numeric(
        indices: [Int], epsilon: Float, access: (Int, Float?) -> Float, loss: () throws -> Double
    ) rethrows -> [Double] {
        try indices.map { index in
            let original = access(index, nil)
            _ = access(index, original + epsilon)
            let plus = try loss()
            _ = access(index, original - epsilon)
            let minus = try loss()
            _ = access(index, original)
            return (plus - minus) / Double(2 * epsilon)
        }
    }

    static func weightedSum(_ tensor: Tensor, _ weights: Tensor) -> Double {
        zip(tensor.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Checks input and parameter gradients of `layer` for a random input of `shape`.
    static func checkLayer(
        _ layer: any Layer, inputShape: [Int], seed: UInt64, threads: Int = 1, positiveInput: Bool = false,
        epsilon: Float = 1e-3, beforeForward: () -> Void = {}, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var random = RandomSource(seed: seed)
        var input = randomTensor(inputShape, random: &random, positive: positiveInput)
        let context = ExecutionContext(mode: .training, threads: threads)
        let outputShape = try layer.outputShape(for: inputShape)
        let outputWeights = randomTensor(outputShape, random: &random)
        func loss() throws -> Double {
            beforeForward()
            let output = try layer.forward(input, context: context)
            #expect(output.shape == outputShape, "\(layer.name) output shape", sourceLocation: sourceLocation)
            return weightedSum(output, outputWeights)
        }
        for parameter in layer.parameters { parameter.zeroGradient() }
        _ = try loss()
        let inputGradient = try layer.backward(outputWeights, context: context)
        let parameterGradients = layer.parameters.map(\.gradient.scalars)

        let inputProbes = probes(count: input.count, random: &random)
        let numericInput = try numeric(
            indices: inputProbes, epsilon: epsilon,
            access: { index, value in
                if let value { input.scalars[index] = value }
                return input.scalars[index]
            }, loss: loss)
        let inputError = relativeError(inputProbes.map { Double(inputGradient.scalars[$0]) }, numericInput)
        #expect(
            inputError < tolerance, "\(layer.name): input gradient off by \(inputError)", sourceLocation: sourceLocation
        )

        for (parameter, analytic) in zip(layer.parameters, parameterGradients) where parameter.isTrainable {
            let parameterProbes = probes(count: parameter.value.count, random: &random)
            let numericParameter = try numeric(
                indices: parameterProbes, epsilon: epsilon,
                access: { index, value in
                    if let value { parameter.value.scalars[index] = value }
                    return parameter.value.scalars[index]
                }, loss: loss)
            let error = relativeError(parameterProbes.map { Double(analytic[$0]) }, numericParameter)
            #expect(
                error < tolerance, "\(layer.name).\(parameter.name): gradient off by \(error)",
                sourceLocation: sourceLocation)
        }
    }
}
