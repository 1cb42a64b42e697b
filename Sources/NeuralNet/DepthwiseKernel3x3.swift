/// The depthwise 3×3 (padding 1) forward kernel for one channel plane, stride 1 or 2. Each output is computed once
/// with all nine taps in registers, eight outputs at a time with SIMD in the interior and a bounds-checked scalar
/// path on the border, instead of nine read-modify-write passes over the output.
enum DepthwiseKernel3x3 {
    @inline(__always)
    private static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func evens(_ low: SIMD8<Float>, _ high: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(low[0], low[2], low[4], low[6], high[0], high[2], high[4], high[6])
    }

    @inline(__always)
    private static func odds(_ low: SIMD8<Float>, _ high: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(low[1], low[3], low[5], low[7], high[1], high[3], high[5], high[7])
    }

    static func convolve(
        _ input: UnsafePointer<Float>, filter: UnsafePointer<Float>, bias: Float, relu: Bool,
        into output: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry
    ) {
        precondition(geometry.kernel == 3 && geometry.padding == 1 && (geometry.stride == 1 || geometry.stride == 2))
        let (height, width, outH, outW, stride) = (
            geometry.height, geometry.width, geometry.outputHeight, geometry.outputWidth, geometry.stride
        )
        let floor: Float = relu ? 0 : -.infinity
        // Interior columns read ox·s − 1 … ox·s + 1 without leaving the row.
        let interiorEnd = min(outW, (width - 2) / stride + 1)
        let biasVector = SIMD8<Float>(repeating: bias)
        let floorVector = SIMD8<Float>(repeating: floor)
        // Nine named taps rather than an array: no allocation or bounds check inside the pixel loop.
        let (t0, t1, t2) = (
            SIMD8(repeating: filter[0]), SIMD8(repeating: filter[1]), SIMD8<Float>(repeating: filter[2])
        )
        let (t3, t4, t5) = (
            SIMD8(repeating: filter[3]), SIMD8(repeating: filter[4]), SIMD8<Float>(repeating: filter[5])
        )
        let (t6, t7, t8) = (
            SIMD8(repeating: filter[6]), SIMD8(repeating: filter[7]), SIMD8<Float>(repeating: filter[8])
        )
        for oy in 0..<outH {
            let row = output + oy * outW
            row[0] = scalarOutput(input, filter, bias, floor, geometry, oy, 0)
            var ox = 1
            // Vector chunks cover 1 ..< interiorEnd; the last one may overlap the one before, which is harmless
            // because each output is written, not accumulated.
            while ox < interiorEnd && interiorEnd - 1 >= 8 {
                ox = min(ox, interiorEnd - 8)
                var sum = biasVector
                let top = oy * stride - 1
                if stride == 1 {
                    if top >= 0 { accumulate(&sum, input + top * width + ox - 1, t0, t1, t2) }
                    accumulate(&sum, input + (top + 1) * width + ox - 1, t3, t4, t5)
                    if top + 2 < height { accumulate(&sum, input + (top + 2) * width + ox - 1, t6, t7, t8) }
                } else {
                    if top >= 0 { accumulateStrided(&sum, input + top * width + 2 * ox - 1, t0, t1, t2) }
                    accumulateStrided(&sum, input + (top + 1) * width + 2 * ox - 1, t3, t4, t5)
                    if top + 2 < height { accumulateStrided(&sum, input + (top + 2) * width + 2 * ox - 1, t6, t7, t8) }
                }
                UnsafeMutableRawPointer(row + ox).storeBytes(
                    of: sum.replacing(with: floorVector, where: sum .< floorVector), as: SIMD8<Float>.self)
                ox += 8
            }
            while ox < outW {
                row[ox] = scalarOutput(input, filter, bias, floor, geometry, oy, ox)
                ox += 1
            }
        }
    }

    @inline(__always)
    private static func accumulate(
        _ sum: inout SIMD8<Float>, _ source: UnsafePointer<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>,
        _ c: SIMD8<Float>
    ) {
        sum += a * load8(source) + b * load8(source + 1) + c * load8(source + 2)
    }

    /// Stride 2: outputs ox … ox+7 read the even and odd columns of `source[0 ... 15]`.
    @inline(__always)
    private static func accumulateStrided(
        _ sum: inout SIMD8<Float>, _ source: UnsafePointer<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>,
        _ c: SIMD8<Float>
    ) {
        let low = load8(source)
        let high = load8(source + 8)
        sum += a * evens(low, high) + b * odds(low, high) + c * odds(load8(source + 1), load8(source + 9))
    }

    @inline(__always)
    private static func scalarOutput(
        _ input: UnsafePointer<Float>, _ filter: UnsafePointer<Float>, _ bias: Float, _ floor: Float,
        _ geometry: ConvolutionGeometry, _ oy: Int, _ ox: Int
    ) -> Float {
        var sum = bias
        for ky in 0..<3 {
            let iy = oy * geometry.stride - 1 + ky
            guard iy >= 0 && iy < geometry.height else { continue }
            for kx in 0..<3 {
                let ix = ox * geometry.stride - 1 + kx
                guard ix >= 0 && ix < geometry.width else { continue }
                sum += filter[ky * 3 + kx] * input[iy * geometry.width + ix]
            }
        }
        return max(sum, floor)
    }
}
