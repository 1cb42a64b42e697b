/// Whether a forward pass trains (batch statistics, dropout, caching for backward) or infers.
public enum Mode: Sendable {
    case training
    case inference
}

/// How a pass spreads over cores. `batchSplit` gives each thread a contiguous share of the batch and keeps
/// OpenBLAS single-threaded; `blasThreads` runs the batch in order and lets OpenBLAS thread each matrix product.
/// The two are never combined, so threads do not oversubscribe the cores.
public enum ParallelStrategy: Sendable {
    case batchSplit
    case blasThreads
}

public struct ExecutionContext: Sendable {
    public var mode: Mode
    public var threads: Int
    public var strategy: ParallelStrategy

    public init(mode: Mode, threads: Int = 1, strategy: ParallelStrategy = .batchSplit) {
        precondition(threads >= 1, "a pass needs at least one thread")
        self.mode = mode
        self.threads = threads
        self.strategy = strategy
    }

    /// Threads this engine's own loops may use; OpenBLAS gets the rest of the policy in `holdBLASPolicy`.
    var loopThreads: Int { strategy == .batchSplit ? threads : 1 }

    /// Threads OpenBLAS may use for each product.
    var blasThreads: Int { strategy == .blasThreads ? threads : 1 }

    /// Holds OpenBLAS at this context's thread count until the hold is released (`BLAS.holdThreads`).
    func holdBLASPolicy() -> BLAS.ThreadHold { BLAS.holdThreads(blasThreads) }
}

/// A learnable tensor with its accumulated gradient, or a buffer (such as BatchNorm's running mean) that is saved
/// with the weights but not updated by optimizers.
public final class Parameter {
    public let name: String
    public var value: Tensor
    public var gradient: Tensor
    public let isTrainable: Bool

    public init(name: String, value: Tensor, isTrainable: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
        self.isTrainable = isTrainable
    }

    public func zeroGradient() {
        gradient.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// One differentiable step of a network. `forward` in training mode caches what `backward` needs; in inference
/// mode it changes no state of the layer, so one network may embed several images concurrently.
/// `backward` takes the gradient of the loss with respect to the output, adds the parameters' gradients to
/// `Parameter.gradient`, and returns the gradient with respect to the input.
public protocol Layer: AnyObject {
    /// Prefix of this layer's tensors in weights files, such as `block3.pointwise`.
    var name: String { get }
    /// Every tensor saved with the weights, trainable or buffer, with names relative to `name`.
    var parameters: [Parameter] { get }
    func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int]
    /// Floating-point operations (a multiply-add counts two) of one forward pass of one sample.
    func flops(for inputShape: [Int]) -> Int
    func forward(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor
    func backward(_ outputGradient: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public func flops(for inputShape: [Int]) -> Int { 0 }

    func missingForwardCache() -> NeuralNetError {
        .invalidArgument("\(name): backward called without a training-mode forward pass")
    }
}
