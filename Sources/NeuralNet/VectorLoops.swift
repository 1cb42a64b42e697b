/// Element-wise loops and reductions over contiguous Float runs, eight lanes at a time. The compiler does not
/// vectorise a Float sum by itself (that would reorder the additions), so a serial sum costs one add latency per
/// element; here each lane sums its own share and the lanes are added at the end, a fixed order that depends only on
/// `count`, so results stay reproducible.
enum VectorLoops {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Σ values[i].
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            lanes += load(values + index)
            index += 8
        }
        var tail: Float = 0
        while index < count {
            tail += values[index]
            index += 1
        }
        return lanes.sum() + tail
    }

    /// max values[i], −∞ for none; a NaN is passed over, as `Swift.max` passes it over when it comes second.
    static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        while index + 8 <= count {
            let value = load(values + index)
            lanes.replace(with: value, where: value .> lanes)
            index += 8
        }
        var largest = lanes.max()
        while index < count {
            largest = max(largest, values[index])
            index += 1
        }
        return largest
    }

    /// Σ (values[i] − center)².
    static func sumOfSquares(_ values: UnsafePointer<Float>, count: Int, around center: Float) -> Float {
        let centerVector = SIMD8<Float>(repeating: center)
        var lanes = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            let centered = load(values + index) - centerVector
            lanes += centered * centered
            index += 8
        }
        var tail: Float = 0
        while index < count {
            let centered = values[index] - center
            tail += centered * centered
            index += 1
        }
        return lanes.sum() + tail
    }

    /// (Σ a[i], Σ a[i]·b[i]).
    static func sumAndDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> (Float, Float) {
        var (sums, dots) = (SIMD8<Float>(), SIMD8<Float>())
        var index = 0
        while index + 8 <= count {
            let x = load(a + index)
            sums += x
            dots += x * load(b + index)
            index += 8
        }
        var (sum, dot): (Float, Float) = (0, 0)
        while index < count {
            sum += a[index]
            dot += a[index] * b[index]
            index += 1
        }
        return (sums.sum() + sum, dots.sum() + dot)
    }

    /// target[i] = max(values[i] · scale + shift, floor): an affine map, clamped at 0 for a fused ReLU (floor −∞
    /// otherwise). `values` may be `target`.
    static func affine(
        _ values: UnsafePointer<Float>, count: Int, scale: Float, shift: Float, floor: Float,
        into target: UnsafeMutablePointer<Float>
    ) {
        let (scaleVector, shiftVector, floorVector) = (
            SIMD8<Float>(repeating: scale), SIMD8<Float>(repeating: shift), SIMD8<Float>(repeating: floor)
        )
        var index = 0
        while index + 8 <= count {
            var value = load(values + index) * scaleVector + shiftVector
            value.replace(with: floorVector, where: value .< floorVector)
            store(value, target + index)
            index += 8
        }
        while index < count {
            target[index] = max(values[index] * scale + shift, floor)
            index += 1
        }
    }

    /// target[i] = max(values[i] + shift, floor), the same as `affine` with scale 1 but without the multiply.
    static func shift(
        _ values: UnsafePointer<Float>, count: Int, by shift: Float, floor: Float,
        into target: UnsafeMutablePointer<Float>
    ) {
        let (shiftVector, floorVector) = (SIMD8<Float>(repeating: shift), SIMD8<Float>(repeating: floor))
        var index = 0
        while index + 8 <= count {
            var value = load(values + index) + shiftVector
            value.replace(with: floorVector, where: value .< floorVector)
            store(value, target + index)
            index += 8
        }
        while index < count {
            target[index] = max(values[index] + shift, floor)
            index += 1
        }
    }
}
