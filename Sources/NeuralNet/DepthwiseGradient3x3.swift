/// Backward kernels of the 3×3, padding-1 depthwise convolution for one channel plane, reading the input and the
/// output gradient from `DepthwisePadding` grids. The input gradient is gathered, each pixel computed once eight at
/// a time (stride 1 is the forward kernel with the filter turned 180°), rather than scattered tap by tap; the nine
/// weight gradients are dot products of contiguous rows.
enum DepthwiseGradient3x3 {
    private typealias Kernel = DepthwiseKernel3x3

    /// Adds Σ g[oy, ox] · input[oy·s − 1 + ky, ox·s − 1 + kx] over the plane to `weightGradient[ky·3 + kx]`.
    /// `gradient` holds g in a stride-1 grid of the output's size, `input` the input in its grid. One pass with
    /// nine four-lane sums (nine eight-lane ones would not fit the sixteen vector registers).
    static func addWeightGradient(
        input: UnsafePointer<Float>, layout: DepthwisePadding, gradient: UnsafePointer<Float>,
        gradientLayout: DepthwisePadding, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW, rowLength) = (layout.outputHeight, layout.outputWidth, layout.rowLength)
        // Where the three taps of a row read, relative to the output column: stride 1 reads columns ox … ox + 2 of
        // the grid, stride 2 even column ox, odd column ox and even column ox + 1.
        let (middle, right) = layout.stride == 1 ? (1, 2) : (layout.gridCount, 1)
        var sums = (
            SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(),
            SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>()
        )
        for oy in 0..<outH {
            let gradientRow = gradient + ((oy &+ 1) &* gradientLayout.rowLength &+ 1)
            let top = input + (oy &* layout.stride &* rowLength)
            let (row1, row2) = (top + rowLength, top + (2 &* rowLength))
            // Whole vectors: past the row's end g is zero, so the extra products add nothing.
            var ox = 0
            while ox < outW {
                let g = load4(gradientRow + ox)
                sums.0 += g * load4(top + ox)
                sums.1 += g * load4(top + (ox &+ middle))
                sums.2 += g * load4(top + (ox &+ right))
                sums.3 += g * load4(row1 + ox)
                sums.4 += g * load4(row1 + (ox &+ middle))
                sums.5 += g * load4(row1 + (ox &+ right))
                sums.6 += g * load4(row2 + ox)
                sums.7 += g * load4(row2 + (ox &+ middle))
                sums.8 += g * load4(row2 + (ox &+ right))
                ox &+= 4
            }
        }
        weightGradient[0] += sums.0.sum()
        weightGradient[1] += sums.1.sum()
        weightGradient[2] += sums.2.sum()
        weightGradient[3] += sums.3.sum()
        weightGradient[4] += sums.4.sum()
        weightGradient[5] += sums.5.sum()
        weightGradient[6] += sums.6.sum()
        weightGradient[7] += sums.7.sum()
        weightGradient[8] += sums.8.sum()
    }

    @inline(__always)
    private static func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }

    /// Writes the input gradient of one plane: Σ over the outputs each input pixel fed of g · filter.
    /// `rows` is scratch of `2 · layout.rowLength` floats.
    static func inputGradient(
        gradient: UnsafePointer<Float>, gradientLayout: DepthwisePadding, layout: DepthwisePadding,
        filter: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        if layout.stride == 1 {
            // input[y, x] feeds output[y + 1 − ky, x + 1 − kx]: the forward convolution with the filter reversed.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 9) { turned in
                for tap in 0..<9 { turned[tap] = filter[8 - tap] }
                Kernel.convolve(
                    gradient, layout: gradientLayout, filter: UnsafePointer(turned.baseAddress!), bias: 0, relu: false,
                    into: output)
            }
            return
        }
        stridedInputGradient(
            gradient: gradient, gradientLayout: gradientLayout, layout: layout, filter: filter, rows: rows,
            into: output)
    }

    /// Stride 2: padded input row r is read by output row (r − ky) / 2 for the ky of r's parity. Its even column j
    /// (pixel 2j − 1) takes taps kx = 0 from output column j and kx = 2 from column j − 1; its odd column j
    /// (pixel 2j) takes kx = 1 from output column j. Even and odd columns are built in `rows`, then interleaved.
    private static func stridedInputGradient(
        gradient: UnsafePointer<Float>, gradientLayout: DepthwisePadding, layout: DepthwisePadding,
        filter: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        let taps = Kernel.Taps(filter)
        let (height, width, gradientRowLength) = (layout.height, layout.width, gradientLayout.rowLength)
        let (evenColumns, oddColumns) = (rows, rows + layout.rowLength)
        let columns = width / 2 + 1
        for y in 0..<height {
            let paddedRow = y + 1
            // Grid row of output row ⌊r / 2⌋ (ky = 1 for odd r, ky = 0 for even r; ky = 2 reads the grid row
            // before). The grid's one-row border stands for output rows −1 and outputHeight.
            let first = gradient + (paddedRow / 2 + 1) * gradientRowLength
            var j = 0
            while j < columns {
                let g = Kernel.load8(first + 1 + j)
                let gBefore = Kernel.load8(first + j)
                var even: SIMD8<Float>
                var odd: SIMD8<Float>
                if paddedRow % 2 == 1 {
                    even = taps.t3 * g + taps.t5 * gBefore
                    odd = taps.t4 * g
                } else {
                    let previous = first - gradientRowLength
                    let (h, hBefore) = (Kernel.load8(previous + 1 + j), Kernel.load8(previous + j))
                    even = taps.t0 * g + taps.t2 * gBefore + (taps.t6 * h + taps.t8 * hBefore)
                    odd = taps.t1 * g + taps.t7 * h
                }
                Kernel.store8(even, evenColumns + j)
                Kernel.store8(odd, oddColumns + j)
                j += 8
            }
            let target = output + y * width
            var x = 0
            // Pixels x … x + 15 are odd columns x/2 … x/2 + 7 and even columns x/2 + 1 … x/2 + 8, alternating.
            while x + 16 <= width {
                let odd = Kernel.load8(oddColumns + x / 2)
                let even = Kernel.load8(evenColumns + x / 2 + 1)
                Kernel.store8(
                    SIMD8(odd[0], even[0], odd[1], even[1], odd[2], even[2], odd[3], even[3]), target + x)
                Kernel.store8(
                    SIMD8(odd[4], even[4], odd[5], even[5], odd[6], even[6], odd[7], even[7]), target + x + 8)
                x += 16
            }
            while x + 1 < width {
                target[x] = oddColumns[x / 2]
                target[x + 1] = evenColumns[x / 2 + 1]
                x += 2
            }
            if x < width { target[x] = oddColumns[x / 2] }
        }
    }

    /// Σ g over a plane held in a stride-1 grid (whose borders are zero).
    static func sum(gradient: UnsafePointer<Float>, gradientLayout: DepthwisePadding) -> Float {
        var total = SIMD8<Float>()
        for oy in 0..<gradientLayout.height {
            let row = gradient + (oy + 1) * gradientLayout.rowLength + 1
            var ox = 0
            while ox < gradientLayout.width {
                total += Kernel.load8(row + ox)
                ox += 8
            }
        }
        return total.sum()
    }
}
