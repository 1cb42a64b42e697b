/// Updates trainable parameters from their gradients. Buffers (`isTrainable == false`) are skipped. State is keyed
/// by parameter name so that `stateTensors` can be saved next to the weights and `loadState` resumes exactly.
public protocol Optimizer: AnyObject {
    /// Steps taken so far.
    var step: Int { get }
    func update(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float)
    func stateTensors() -> [String: Tensor]
    func loadState(_ tensors: [String: Tensor]) throws(NeuralNetError)
}

/// SGD with momentum: v ← μ·v + g + λ·w, w ← w − η·v (weight decay λ coupled into the gradient).
public final class SGD: Optimizer {
    public let momentum: Float
    public let weightDecay: Float
    public private(set) var step = 0
    private var velocity: [String: [Float]] = [:]

    public init(momentum: Float = 0.9, weightDecay: Float = 0) {
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func update(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float) {
        step += 1
        for (name, parameter) in parameters where parameter.isTrainable {
            var state = velocity[name] ?? [Float](repeating: 0, count: parameter.value.count)
            for index in state.indices {
                let gradient = parameter.gradient.scalars[index] + weightDecay * parameter.value.scalars[index]
                state[index] = momentum * state[index] + gradient
                parameter.value.scalars[index] -= learningRate * state[index]
            }
            velocity[name] = state
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var tensors = ["step": Tensor(repeating: Float(step), shape: [1])]
        for (name, values) in velocity {
            tensors["\(name).momentum"] = try! Tensor(shape: [values.count], scalars: values)
        }
        return tensors
    }

    public func loadState(_ tensors: [String: Tensor]) throws(NeuralNetError) {
        guard let stepTensor = tensors["step"], stepTensor.count == 1 else { throw .missingTensor(name: "step") }
        var restored: [String: [Float]] = [:]
        for (key, tensor) in tensors where key.hasSuffix(".momentum") {
            restored[String(key.dropLast(".momentum".count))] = tensor.scalars
        }
        step = Int(stepTensor.scalars[0])
        velocity = restored
    }
}

/// Adam (Kingma & Ba) with bias correction. `decoupledWeightDecay` gives AdamW (w ← w − η·λ·w apart from the
/// adaptive step); otherwise λ·w is added to the gradient (L2 regularisation).
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let decoupledWeightDecay: Bool
    public private(set) var step = 0
    private var firstMoment: [String: [Float]] = [:]
    private var secondMoment: [String: [Float]] = [:]

    public init(
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
        decoupledWeightDecay: Bool = true
    ) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public func update(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float) {
        step += 1
        let correction1 = 1 - pow(beta1, step)
        let correction2 = 1 - pow(beta2, step)
        for (name, parameter) in parameters where parameter.isTrainable {
            var m = firstMoment[name] ?? [Float](repeating: 0, count: parameter.value.count)
            var v = secondMoment[name] ?? [Float](repeating: 0, count: parameter.value.count)
            for index in m.indices {
                var gradient = parameter.gradient.scalars[index]
                if !decoupledWeightDecay { gradient += weightDecay * parameter.value.scalars[index] }
                m[index] = beta1 * m[index] + (1 - beta1) * gradient
                v[index] = beta2 * v[index] + (1 - beta2) * gradient * gradient
                let adaptive = (m[index] / correction1) / ((v[index] / correction2).squareRoot() + epsilon)
                let decay = decoupledWeightDecay ? weightDecay * parameter.value.scalars[index] : 0
                parameter.value.scalars[index] -= learningRate * (adaptive + decay)
            }
            firstMoment[name] = m
            secondMoment[name] = v
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var tensors = ["step": Tensor(repeating: Float(step), shape: [1])]
        for (name, values) in firstMoment {
            tensors["\(name).first_moment"] = try! Tensor(shape: [values.count], scalars: values)
        }
        for (name, values) in secondMoment {
            tensors["\(name).second_moment"] = try! Tensor(shape: [values.count], scalars: values)
        }
        return tensors
    }

    public func loadState(_ tensors: [String: Tensor]) throws(NeuralNetError) {
        guard let stepTensor = tensors["step"], stepTensor.count == 1 else { throw .missingTensor(name: "step") }
        var first: [String: [Float]] = [:]
        var second: [String: [Float]] = [:]
        for (key, tensor) in tensors {
            if key.hasSuffix(".first_moment") { first[String(key.dropLast(".first_moment".count))] = tensor.scalars }
            if key.hasSuffix(".second_moment") { second[String(key.dropLast(".second_moment".count))] = tensor.scalars }
        }
        guard Set(first.keys) == Set(second.keys) else {
            throw .invalidArgument("Adam state has first and second moments for different parameters")
        }
        step = Int(stepTensor.scalars[0])
        firstMoment = first
        secondMoment = second
    }
}

private func pow(_ base: Float, _ exponent: Int) -> Float {
    var result: Float = 1
    for _ in 0..<exponent { result *= base }
    return result
}
