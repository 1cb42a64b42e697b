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

    /// The upstream gradient, zeroed where `gate` (a ReLU's cache) is not positive.
    @inline(__always)
    private static func gated(_ upstream: UnsafePointer<Float>, _ gate: UnsafePointer<Float>?, _ index: Int) -> Vector {
        var g = VectorLoops.load(upstream + index)
        if let gate { g.replace(with: 0, where: VectorLoops.load(gate + index) .<= 0) }
        return g
    }

    @inline(__always)
    private static func gated(_ upstream: UnsafePointer<Float>, _ gate: UnsafePointer<Float>?, _ index: Int) -> Float {
        if let gate, gate[index] <= 0 { return 0 }
        return upstream[index]
    }

    /// (Σ g, Σ g · x̂) with g the gated upstream gradient.
    static func gradientSums(
        _ upstream: UnsafePointer<Float>, input: UnsafePointer<Float>, gate: UnsafePointer<Float>?, count: Int,
        mean: Float, inverseDeviation: Float
    ) -> (Float, Float) {
        let (meanVector, inverseVector) = (Vector(repeating: mean), Vector(repeating: inverseDeviation))
        var (sums, dots) = (Vector(), Vector())
        var index = 0
        while index + 8 <= count {
            let g: Vector = gated(upstream, gate, index)
            sums += g
            dots += g * ((VectorLoops.load(input + index) - meanVector) * inverseVector)
            index += 8
        }
        var (sum, dot): (Float, Float) = (0, 0)
        while index < count {
            let g: Float = gated(upstream, gate, index)
            sum += g
            dot += g * ((input[index] - mean) * inverseDeviation)
            index += 1
        }
        return (sums.sum() + sum, dots.sum() + dot)
    }

    /// target = factor · (total · g − Σg − x̂ · Σg·x̂), the batch-statistics input gradient, g gated.
    // swiftlint:disable:next function_parameter_count
    static func inputGradient(
        _ upstream: UnsafePointer<Float>, input: UnsafePointer<Float>, gate: UnsafePointer<Float>?, count: Int,
        mean: Float, inverseDeviation: Float, factor: Float, total: Float, sumGradient: Float,
        sumGradientTimesNormalized: Float, into target: UnsafeMutablePointer<Float>
    ) {
        let (meanVector, inverseVector) = (Vector(repeating: mean), Vector(repeating: inverseDeviation))
        let (factorVector, totalVector) = (Vector(repeating: factor), Vector(repeating: total))
        let (sumVector, dotVector) = (Vector(repeating: sumGradient), Vector(repeating: sumGradientTimesNormalized))
        var index = 0
        while index + 8 <= count {
            let g: Vector = gated(upstream, gate, index)
            let xHat = (VectorLoops.load(input + index) - meanVector) * inverseVector
            VectorLoops.store(factorVector * (totalVector * g - sumVector - xHat * dotVector), target + index)
            index += 8
        }
        while index < count {
            let g: Float = gated(upstream, gate, index)
            let xHat = (input[index] - mean) * inverseDeviation
            target[index] = factor * (total * g - sumGradient - xHat * sumGradientTimesNormalized)
            index += 1
        }
    }
}
