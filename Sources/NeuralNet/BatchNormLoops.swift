/// BatchNorm's per-plane loops, eight lanes at a time. x̂ = (x − mean) · inverseDeviation is recomputed from the
/// input wherever it is needed, the same expression each time, instead of being stored: a stored copy costs a
/// write and a read of every activation of the batch.
enum BatchNormLoops {
    private typealias Vector = SIMD8<Float>

    /// Mean and biased variance of `planes` planes of `count` values, `stride` floats apart: each plane's mean
    /// and squared deviations in Float lanes while it is in cache, combined across planes in Double.
    static func statistics(
        _ first: UnsafePointer<Float>, planes: Int, stride: Int, count: Int
    ) -> (mean: Float, variance: Float) {
        var sums = [Double](repeating: 0, count: planes)
        var squares = [Double](repeating: 0, count: planes)
        for plane in 0..<planes {
            let values = first + plane * stride
            let sum = VectorLoops.sum(values, count: count)
            sums[plane] = Double(sum)
            squares[plane] = Double(VectorLoops.sumOfSquares(values, count: count, around: sum / Float(count)))
        }
        let total = Double(planes * count)
        let mean = sums.reduce(0, +) / total
        var deviations = 0.0
        for plane in 0..<planes {
            let offset = sums[plane] / Double(count) - mean
            deviations += squares[plane] + Double(count) * offset * offset
        }
        return (Float(mean), Float(deviations / total))
    }

    /// target = max(scale · x̂ + shift, floor).
    // swiftlint:disable:next function_parameter_count
    static func normalize(
        _ source: UnsafePointer<Float>, count: Int, mean: Float, inverseDeviation: Float, scale: Float, shift: Float,
        floor: Float, into target: UnsafeMutablePointer<Float>
    ) {
        let (meanVector, inverseVector) = (Vector(repeating: mean), Vector(repeating: inverseDeviation))
        let (scaleVector, shiftVector, floorVector) = (
            Vector(repeating: scale), Vector(repeating: shift), Vector(repeating: floor)
        )
        var index = 0
        while index + 8 <= count {
            let xHat = (VectorLoops.load(source + index) - meanVector) * inverseVector
            var value = scaleVector * xHat + shiftVector
            value.replace(with: floorVector, where: value .< floorVector)
            VectorLoops.store(value, target + index)
            index += 8
        }
        while index < count {
            let xHat = (source[index] - mean) * inverseDeviation
            target[index] = max(scale * xHat + shift, floor)
            index += 1
        }
    }

    /// A ReLU fused after the BatchNorm: its output, max(scale · x̂ + shift, 0), is positive exactly where
    /// scale · x̂ + shift is, so the backward passes recompute that from x̂ (the same expression as `normalize`,
    /// bit for bit) instead of reading the rectified output back from memory.
    struct ReLUGate {
        let scale: Float
        let shift: Float
    }

    /// The upstream gradient, zeroed where the fused ReLU (if any) let nothing through.
    @inline(__always)
    private static func gated(_ upstream: UnsafePointer<Float>, _ gate: ReLUGate?, xHat: Vector, _ index: Int) -> Vector
    {
        var g = VectorLoops.load(upstream + index)
        if let gate {
            g.replace(with: 0, where: Vector(repeating: gate.scale) * xHat + Vector(repeating: gate.shift) .<= 0)
        }
        return g
    }

    @inline(__always)
    private static func gated(_ upstream: UnsafePointer<Float>, _ gate: ReLUGate?, xHat: Float, _ index: Int) -> Float {
        if let gate, gate.scale * xHat + gate.shift <= 0 { return 0 }
        return upstream[index]
    }

    /// (Σ g, Σ g · x̂) with g the gated upstream gradient.
    static func gradientSums(
        _ upstream: UnsafePointer<Float>, input: UnsafePointer<Float>, gate: ReLUGate?, count: Int,
        mean: Float, inverseDeviation: Float
    ) -> (Float, Float) {
        let (meanVector, inverseVector) = (Vector(repeating: mean), Vector(repeating: inverseDeviation))
        var (sums, dots) = (Vector(), Vector())
        var index = 0
        while index + 8 <= count {
            let xHat = (VectorLoops.load(input + index) - meanVector) * inverseVector
            let g = gated(upstream, gate, xHat: xHat, index)
            sums += g
            dots += g * xHat
            index += 8
        }
        var (sum, dot): (Float, Float) = (0, 0)
        while index < count {
            let xHat = (input[index] - mean) * inverseDeviation
            let g = gated(upstream, gate, xHat: xHat, index)
            sum += g
            dot += g * xHat
            index += 1
        }
        return (sums.sum() + sum, dots.sum() + dot)
    }

    /// target = factor · (total · g − Σg − x̂ · Σg·x̂), the batch-statistics input gradient, g gated.
    // swiftlint:disable:next function_parameter_count
    static func inputGradient(
        _ upstream: UnsafePointer<Float>, input: UnsafePointer<Float>, gate: ReLUGate?, count: Int,
        mean: Float, inverseDeviation: Float, factor: Float, total: Float, sumGradient: Float,
        sumGradientTimesNormalized: Float, into target: UnsafeMutablePointer<Float>
    ) {
        let (meanVector, inverseVector) = (Vector(repeating: mean), Vector(repeating: inverseDeviation))
        let (factorVector, totalVector) = (Vector(repeating: factor), Vector(repeating: total))
        let (sumVector, dotVector) = (Vector(repeating: sumGradient), Vector(repeating: sumGradientTimesNormalized))
        var index = 0
        while index + 8 <= count {
            let xHat = (VectorLoops.load(input + index) - meanVector) * inverseVector
            let g = gated(upstream, gate, xHat: xHat, index)
            VectorLoops.store(factorVector * (totalVector * g - sumVector - xHat * dotVector), target + index)
            index += 8
        }
        while index < count {
            let xHat = (input[index] - mean) * inverseDeviation
            let g = gated(upstream, gate, xHat: xHat, index)
            target[index] = factor * (total * g - sumGradient - xHat * sumGradientTimesNormalized)
            index += 1
        }
    }
}
