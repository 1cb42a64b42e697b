/// Folds BatchNorm into a preceding convolution: with BN(x) = m·x + o per output channel, the folded convolution
/// has weights m·W and bias m·b + o.
enum InferenceFolding {
    static func fold(_ conv: Conv2D, norm: BatchNorm?, relu: Bool) -> Conv2D {
        var unused = RandomSource(seed: 0)
        let copy = Conv2D(
            name: conv.name, inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: conv.kernelSize,
            stride: conv.stride, padding: conv.padding, hasBias: true, random: &unused)
        (copy.weight.value, copy.bias!.value) = foldedTensors(
            weight: conv.weight.value, bias: conv.bias?.value, outChannels: conv.outChannels, norm: norm)
        copy.fusedReLU = relu
        return copy
    }

    static func fold(_ conv: DepthwiseConv2D, norm: BatchNorm?, relu: Bool) -> DepthwiseConv2D {
        var unused = RandomSource(seed: 0)
        let copy = DepthwiseConv2D(
            name: conv.name, channels: conv.channels, kernelSize: conv.kernelSize, stride: conv.stride, hasBias: true,
            random: &unused)
        (copy.weight.value, copy.bias!.value) = foldedTensors(
            weight: conv.weight.value, bias: conv.bias?.value, outChannels: conv.channels, norm: norm)
        copy.fusedReLU = relu
        return copy
    }

    private static func foldedTensors(
        weight: Tensor, bias: Tensor?, outChannels: Int, norm: BatchNorm?
    )
        -> (Tensor, Tensor)
    {
        var newWeight = weight
        var newBias = bias ?? Tensor(zeros: [outChannels])
        guard let norm else { return (newWeight, newBias) }
        let (multiplier, offset) = norm.inferenceAffine
        let perChannel = weight.count / outChannels
        for channel in 0..<outChannels {
            for index in 0..<perChannel { newWeight.scalars[channel * perChannel + index] *= multiplier[channel] }
            newBias.scalars[channel] = newBias.scalars[channel] * multiplier[channel] + offset[channel]
        }
        return (newWeight, newBias)
    }
}
