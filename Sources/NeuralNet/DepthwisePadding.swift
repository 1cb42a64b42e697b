/// The zero-bordered scratch layout the 3×3 depthwise kernels read a channel plane from, so that no pixel loop
/// tests a border.
///
/// Stride 1: one grid of `height + 2` rows of `rowLength` floats, pixel (y, x) at row y + 1, column x + 1.
/// Stride 2: the padded plane's even columns and its odd columns as two such grids, the odd one `gridCount` floats
/// after the even one: padded column 2j (pixel x = 2j − 1) at column j of the even grid, padded column 2j + 1
/// (pixel x = 2j) at column j of the odd grid. Eight neighbouring outputs then read eight contiguous floats per tap.
///
/// Rows are at least sixteen floats longer than the outputs they serve, so vectors of eight outputs that pass the
/// end of a row read the row's zero tail, never another row or outside the buffer. Scratch is zeroed once per
/// pass; copying in a plane writes only pixel positions, which are the same for every plane, so borders stay zero.
struct DepthwisePadding {
    let height: Int
    let width: Int
    let stride: Int
    let outputHeight: Int
    let outputWidth: Int
    let rowLength: Int

    init(height: Int, width: Int, stride: Int) {
        precondition(stride == 1 || stride == 2, "the 3×3 depthwise kernels take stride 1 or 2")
        self.height = height
        self.width = width
        self.stride = stride
        outputHeight = (height - 1) / stride + 1
        outputWidth = (width - 1) / stride + 1
        rowLength = (max(outputWidth, (width + 2) / stride) + 7) / 8 * 8 + 16
    }

    init(_ geometry: ConvolutionGeometry) {
        precondition(geometry.kernel == 3 && geometry.padding == 1, "a 3×3 kernel with padding 1")
        self.init(height: geometry.height, width: geometry.width, stride: geometry.stride)
    }

    /// Floats in one grid.
    var gridCount: Int { (height + 2) * rowLength }
    /// Floats of scratch the padded plane needs.
    var scratchCount: Int { stride * gridCount }

    /// Zeroed scratch for one thread's share of a pass; the caller deallocates it.
    func allocateScratch() -> UnsafeMutablePointer<Float> {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        return scratch
    }

    /// Copies the `height × width` plane into `scratch`'s pixel positions.
    func copy(_ plane: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<Float>) {
        if stride == 1 {
            for y in 0..<height {
                (scratch + (y + 1) * rowLength + 1).update(from: plane + y * width, count: width)
            }
            return
        }
        let odd = scratch + gridCount
        for y in 0..<height {
            let (source, evenRow, oddRow) = (
                plane + y * width, scratch + (y + 1) * rowLength, odd + (y + 1) * rowLength
            )
            // Pixel 2j goes to odd column j, pixel 2j + 1 to even column j + 1: sixteen pixels per step.
            var j = 0
            while 2 * j + 16 <= width {
                let low = DepthwiseKernel3x3.load8(source + 2 * j)
                let high = DepthwiseKernel3x3.load8(source + 2 * j + 8)
                DepthwiseKernel3x3.store8(
                    SIMD8(low[0], low[2], low[4], low[6], high[0], high[2], high[4], high[6]), oddRow + j)
                DepthwiseKernel3x3.store8(
                    SIMD8(low[1], low[3], low[5], low[7], high[1], high[3], high[5], high[7]), evenRow + j + 1)
                j += 8
            }
            while 2 * j < width {
                oddRow[j] = source[2 * j]
                if 2 * j + 1 < width { evenRow[j + 1] = source[2 * j + 1] }
                j += 1
            }
        }
    }
}
