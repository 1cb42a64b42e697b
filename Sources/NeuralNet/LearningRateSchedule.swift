import Foundation

/// Learning rate per step: linear warm-up from 0 to `base` over `warmupSteps`, then cosine decay to `minimum` at
/// `totalSteps`, step decay (× `factor` every `interval` steps), or constant.
public struct LearningRateSchedule: Sendable {
    public enum Decay: Sendable {
        case constant
        case cosine(totalSteps: Int, minimum: Float)
        case step(interval: Int, factor: Float)
    }

    public var base: Float
    public var warmupSteps: Int
    public var decay: Decay

    public init(base: Float, warmupSteps: Int = 0, decay: Decay = .constant) {
        self.base = base
        self.warmupSteps = warmupSteps
        self.decay = decay
    }

    /// The rate for the zero-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        let afterWarmup = step - warmupSteps
        switch decay {
        case .constant:
            return base
        case .cosine(let totalSteps, let minimum):
            let span = max(totalSteps - warmupSteps, 1)
            let progress = min(Float(afterWarmup) / Float(span), 1)
            return minimum + (base - minimum) * 0.5 * (1 + cos(Float.pi * progress))
        case .step(let interval, let factor):
            return base * Foundation.pow(factor, Float(afterWarmup / max(interval, 1)))
        }
    }
}

public enum GradientClipping {
    /// Scales all trainable gradients so that their joint Euclidean norm is at most `maximumNorm`; returns the
    /// norm before clipping so training can log it.
    @discardableResult
    public static func clipGlobalNorm(_ parameters: [Parameter], maximumNorm: Float) -> Float {
        var squares: Double = 0
        for parameter in parameters where parameter.isTrainable {
            for value in parameter.gradient.scalars { squares += Double(value) * Double(value) }
        }
        let norm = Float(squares.squareRoot())
        if norm > maximumNorm && norm > 0 {
            let scale = maximumNorm / norm
            for parameter in parameters where parameter.isTrainable {
                for index in parameter.gradient.scalars.indices { parameter.gradient.scalars[index] *= scale }
            }
        }
        return norm
    }
}
