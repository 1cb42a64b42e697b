/// Max or average pooling over k×k windows with a stride and no padding, NCHW.
public final class Pool2D: Layer {
    public enum Kind: Sendable {
        case max
        case average
    }

    public let name: String
    public let kind: Kind
    public let kernelSize: Int
    public let stride: Int
    private var cachedShape: [Int]?
    private var argmax: [Int32] = []

    public init(name: String, kind: Kind, kernelSize: Int, stride: Int? = nil) {
        precondition(kernelSize > 0 && (stride ?? kernelSize) > 0)
        self.name = name
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        _ = try Tensor.checkShape(inputShape, [nil, nil, nil, nil], "\(name) (Pool2D)")
        guard inputShape[2] >= kernelSize, inputShape[3] >= kernelSize else {
            throw .shapeMismatch(
                context: "\(name) (Pool2D)", expected: "at least \(kernelSize)×\(kernelSize) pixels", actual: inputShape
            )
        }
        return [
            inputShape[0], inputShape[1], (inputShape[2] - kernelSize) / stride + 1,
            (inputShape[3] - kernelSize) / stride + 1,
        ]
    }

    public func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        let shape = try outputShape(for: input.shape)
        var output = Tensor(zeros: shape)
        let planes = shape[0] * shape[1]
        let (height, width, outH, outW) = (input.shape[2], input.shape[3], shape[2], shape[3])
        let training = context.mode == .training
        var positions = [Int32](repeating: 0, count: kind == .max && training ? output.count : 0)
        let windowArea = Float(kernelSize * kernelSize)
        for plane in 0..<planes {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Float.infinity
                    var bestIndex = 0
                    var sum: Float = 0
                    for ky in 0..<kernelSize {
                        for kx in 0..<kernelSize {
                            let index = (plane * height + oy * stride + ky) * width + ox * stride + kx
                            let value = input.scalars[index]
                            sum += value
                            if value > best {
                                best = value
                                bestIndex = index
                            }
                        }
                    }
                    let outIndex = (plane * outH + oy) * outW + ox
                    output.scalars[outIndex] = kind == .max ? best : sum / windowArea
                    if !positions.isEmpty { positions[outIndex] = Int32(bestIndex) }
                }
            }
        }
        if training {
            argmax = positions
            cachedShape = input.shape
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        guard let inputShape = cachedShape else { throw missingForwardCache() }
        let shape = try outputShape(for: inputShape)
        try outputGradient.requireShape(shape.map { $0 }, "\(name) (Pool2D) backward")
        var gradient = Tensor(zeros: inputShape)
        switch kind {
        case .max:
            for (outIndex, inIndex) in argmax.enumerated() {
                gradient.scalars[Int(inIndex)] += outputGradient.scalars[outIndex]
            }
        case .average:
            let (height, width, outH, outW) = (inputShape[2], inputShape[3], shape[2], shape[3])
            let share = 1 / Float(kernelSize * kernelSize)
            for plane in 0..<(shape[0] * shape[1]) {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let value = outputGradient.scalars[(plane * outH + oy) * outW + ox] * share
                        for ky in 0..<kernelSize {
                            for kx in 0..<kernelSize {
                                gradient.scalars[(plane * height + oy * stride + ky) * width + ox * stride + kx] +=
                                    value
                            }
                        }
                    }
                }
            }
        }
        return gradient
    }
}
