/// Forward kernel of the 3×3, padding-1 depthwise convolution (stride 1 or 2) over one channel plane that
/// `DepthwisePadding` has copied into a zero-bordered grid: every output is computed once with all nine taps in
/// registers, eight outputs at a time, and no pixel loop tests a border, so small planes (6×6, 12×12) run as fast
/// per pixel as large ones.
enum DepthwiseKernel3x3 {
    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// The nine taps of one channel, each broadcast to a vector.
    struct Taps {
        let t0, t1, t2, t3, t4, t5, t6, t7, t8: SIMD8<Float>

        @inline(__always)
        init(_ filter: UnsafePointer<Float>) {
            (t0, t1, t2) = (SIMD8(repeating: filter[0]), SIMD8(repeating: filter[1]), SIMD8(repeating: filter[2]))
            (t3, t4, t5) = (SIMD8(repeating: filter[3]), SIMD8(repeating: filter[4]), SIMD8(repeating: filter[5]))
            (t6, t7, t8) = (SIMD8(repeating: filter[6]), SIMD8(repeating: filter[7]), SIMD8(repeating: filter[8]))
        }
    }

    /// Writes `output[oy, ox] = max(bias + Σ filter[ky, kx] · input[oy·s − 1 + ky, ox·s − 1 + kx], floor)` for the
    /// plane held in `padded`, where `floor` is 0 with `relu` and −∞ without.
    static func convolve(
        _ padded: UnsafePointer<Float>, layout: DepthwisePadding, filter: UnsafePointer<Float>, bias: Float,
        relu: Bool, into output: UnsafeMutablePointer<Float>
    ) {
        let taps = Taps(filter)
        let biasVector = SIMD8<Float>(repeating: bias)
        let floor = SIMD8<Float>(repeating: relu ? 0 : -.infinity)
        let (outH, outW, rowLength) = (layout.outputHeight, layout.outputWidth, layout.rowLength)
        for oy in 0..<outH {
            let row = output + oy * outW
            var ox = 0
            while ox < outW {
                // The last vector of a row at least eight wide overlaps the one before rather than running past
                // the row; outputs are written, not accumulated, so recomputing a few is harmless.
                let start = outW >= 8 ? min(ox, outW - 8) : ox
                var sum = biasVector
                if layout.stride == 1 {
                    let top = padded + oy * rowLength + start
                    accumulate(&sum, top, taps.t0, taps.t1, taps.t2)
                    accumulate(&sum, top + rowLength, taps.t3, taps.t4, taps.t5)
                    accumulate(&sum, top + 2 * rowLength, taps.t6, taps.t7, taps.t8)
                } else {
                    let (top, odd) = (padded + 2 * oy * rowLength + start, layout.gridCount)
                    accumulateStrided(&sum, top, odd, taps.t0, taps.t1, taps.t2)
                    accumulateStrided(&sum, top + rowLength, odd, taps.t3, taps.t4, taps.t5)
                    accumulateStrided(&sum, top + 2 * rowLength, odd, taps.t6, taps.t7, taps.t8)
                }
                sum.replace(with: floor, where: sum .< floor)
                if start + 8 <= outW {
                    store8(sum, row + start)
                } else {
                    for lane in 0..<(outW - start) { row[start + lane] = sum[lane] }
                }
                ox = start + 8
            }
        }
    }

    /// One padded row, stride 1: outputs ox … ox+7 read padded columns ox … ox+9.
    @inline(__always)
    static func accumulate(
        _ sum: inout SIMD8<Float>, _ source: UnsafePointer<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>,
        _ c: SIMD8<Float>
    ) {
        sum += a * load8(source) + b * load8(source + 1) + c * load8(source + 2)
    }

    /// One padded row, stride 2: outputs ox … ox+7 read even columns ox … ox+8 and odd columns ox … ox+7, the odd
    /// grid lying `odd` floats after the even one.
    @inline(__always)
    static func accumulateStrided(
        _ sum: inout SIMD8<Float>, _ even: UnsafePointer<Float>, _ odd: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>,
        _ c: SIMD8<Float>
    ) {
        sum += a * load8(even) + b * load8(even + odd) + c * load8(even + 1)
    }
}
