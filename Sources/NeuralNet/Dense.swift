/// Fully connected layer `[N, inputs] → [N, outputs]`: y = x Wᵀ + b, one `sgemm` for the whole batch.
public final class Dense: Layer {
    public let name: String
    public let inputs: Int
    public let outputs: Int
    /// `[outputs, inputs]`.
    public let weight: Parameter
    public let bias: Parameter
    private var cachedInput: Tensor?

    public init(name: String, inputs: Int, outputs: Int, random: inout RandomSource) {
        precondition(inputs > 0 && outputs > 0)
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(
            name: "weight", value: Initializers.uniformFanIn(shape: [outputs, inputs], fanIn: inputs, random: &random))
        bias = Parameter(
            name: "bias", value: Initializers.uniformFanIn(shape: [outputs], fanIn: inputs, random: &random))
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        _ = try Tensor.checkShape(inputShape, [nil, inputs], "\(name) (Dense)")
        return [inputShape[0], outputs]
    }

    public func flops(for inputShape: [Int]) -> Int { 2 * inputs * outputs }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let shape = try outputShape(for: input.shape)
        var output = Tensor(zeros: shape)
        let batch = shape[0]
        for sample in 0..<batch {
            for unit in 0..<outputs { output.scalars[sample * outputs + unit] = bias.value.scalars[unit] }
        }
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        input.scalars.withUnsafeBufferPointer { x in
            weight.value.scalars.withUnsafeBufferPointer { w in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs, alpha: 1,
                        a: x.baseAddress!, lda: inputs, b: w.baseAddress!, ldb: inputs, beta: 1, c: y.baseAddress!,
                        ldc: outputs)
                }
            }
        }
        if context.mode == .training { cachedInput = input }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let input = cachedInput else { throw missingForwardCache() }
        let batch = input.shape[0]
        try outputGradient.requireShape([batch, outputs], "\(name) (Dense) backward")
        var inputGradient = Tensor(zeros: input.shape)
        let blasThreads = context.holdBLASPolicy()
        defer { blasThreads.release() }
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch, alpha: 1,
                        a: dy.baseAddress!, lda: outputs, b: x.baseAddress!, ldb: inputs, beta: 1,
                        c: dw.baseAddress!, ldc: inputs)
                }
                weight.value.scalars.withUnsafeBufferPointer { w in
                    inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs, alpha: 1,
                            a: dy.baseAddress!, lda: outputs, b: w.baseAddress!, ldb: inputs, beta: 0,
                            c: dx.baseAddress!, ldc: inputs)
                    }
                }
            }
        }
        for sample in 0..<batch {
            for unit in 0..<outputs { bias.gradient.scalars[unit] += outputGradient.scalars[sample * outputs + unit] }
        }
        return inputGradient
    }
}

extension Dense: BufferedInference {
    func infer(
        _ input: UnsafePointer<Float>, shape inputShape: [Int], into output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        bias.value.scalars.withUnsafeBufferPointer { output.update(from: $0.baseAddress!, count: outputs) }
        weight.value.scalars.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: 1, n: outputs, k: inputs, alpha: 1, a: input, lda: inputs,
                b: w.baseAddress!, ldb: inputs, beta: 1, c: output, ldc: outputs)
        }
    }
}
