/// Weight initialisation drawn from the engine's seeded generator.
enum Initializers {
    /// He (Kaiming) normal: standard deviation sqrt(2 / fanIn), suited to layers followed by ReLU.
    static func heNormal(shape: [Int], fanIn: Int, random: inout RandomSource) -> Tensor {
        var tensor = Tensor(zeros: shape)
        let deviation = (2 / Float(max(fanIn, 1))).squareRoot()
        for index in tensor.scalars.indices { tensor.scalars[index] = random.nextNormal() * deviation }
        return tensor
    }

    /// Uniform in [-1/sqrt(fanIn), 1/sqrt(fanIn)], the usual default for linear layers.
    static func uniformFanIn(shape: [Int], fanIn: Int, random: inout RandomSource) -> Tensor {
        var tensor = Tensor(zeros: shape)
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        for index in tensor.scalars.indices { tensor.scalars[index] = (random.nextUniform() * 2 - 1) * bound }
        return tensor
    }
}
