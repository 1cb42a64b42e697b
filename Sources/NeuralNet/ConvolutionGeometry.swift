/// Output size and the im2col/col2im transforms of a 2-D convolution with a square kernel.
struct ConvolutionGeometry {
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let padding: Int

    var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    var outputPixels: Int { outputHeight * outputWidth }
    var patchSize: Int { channels * kernel * kernel }
    var isIdentityPatch: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Output columns `ox` for which `ox * stride - padding + offset` lies inside `0..<extent`.
    @inline(__always)
    func validRange(offset: Int, extent: Int, outputs: Int) -> Range<Int> {
        let shift = padding - offset
        let low = shift <= 0 ? 0 : (shift + stride - 1) / stride
        let highInclusive = (extent - 1 + shift) >= 0 ? (extent - 1 + shift) / stride : -1
        let high = min(outputs, highInclusive + 1)
        return low < high ? low..<high : low..<low
    }

    /// Writes the patches of one image `[channels, height, width]` as a `[patchSize, outputPixels]` matrix.
    func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
        let (outH, outW) = (outputHeight, outputWidth)
        for channel in 0..<channels {
            let plane = image + channel * height * width
            for ky in 0..<kernel {
                let rows = validRange(offset: ky, extent: height, outputs: outH)
                for kx in 0..<kernel {
                    let row = columns + ((channel * kernel + ky) * kernel + kx) * outH * outW
                    let cols = validRange(offset: kx, extent: width, outputs: outW)
                    for oy in 0..<outH {
                        let target = row + oy * outW
                        guard rows.contains(oy) else {
                            target.update(repeating: 0, count: outW)
                            continue
                        }
                        let source = plane + (oy * stride - padding + ky) * width - padding + kx
                        for ox in 0..<cols.lowerBound { target[ox] = 0 }
                        if stride == 1 {
                            (target + cols.lowerBound).update(from: source + cols.lowerBound, count: cols.count)
                        } else {
                            for ox in cols { target[ox] = source[ox * stride] }
                        }
                        for ox in cols.upperBound..<outW { target[ox] = 0 }
                    }
                }
            }
        }
    }

    /// Adds a `[patchSize, outputPixels]` gradient back onto the image `[channels, height, width]` it came from.
    func col2imAdding(_ columns: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let (outH, outW) = (outputHeight, outputWidth)
        for channel in 0..<channels {
            let plane = image + channel * height * width
            for ky in 0..<kernel {
                let rows = validRange(offset: ky, extent: height, outputs: outH)
                for kx in 0..<kernel {
                    let row = columns + ((channel * kernel + ky) * kernel + kx) * outH * outW
                    let cols = validRange(offset: kx, extent: width, outputs: outW)
                    for oy in rows {
                        let source = row + oy * outW
                        let target = plane + (oy * stride - padding + ky) * width - padding + kx
                        for ox in cols { target[ox * stride] += source[ox] }
                    }
                }
            }
        }
    }
}

/// The raw memory of a convolution's forward pass: the input, the weights, the bias (nil when the layer has none)
/// and the output, each valid for the duration of `body`.
func withForwardMemory(
    input: Tensor, weight: Parameter, bias: Parameter?, output: inout Tensor,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>) -> Void
) {
    input.scalars.withUnsafeBufferPointer { inputBuffer in
        weight.value.scalars.withUnsafeBufferPointer { weights in
            (bias?.value.scalars ?? []).withUnsafeBufferPointer { biases in
                output.scalars.withUnsafeMutableBufferPointer { outputBuffer in
                    // An empty array may still have a base address; only a real bias may be read.
                    body(
                        inputBuffer.baseAddress!, weights.baseAddress!, bias == nil ? nil : biases.baseAddress,
                        outputBuffer.baseAddress!)
                }
            }
        }
    }
}

/// The raw memory of a convolution's backward pass: its cached input, its weights and the output's gradient to
/// read; the input's gradient and the weight and bias gradient sums to write. Both convolutions reach their buffers
/// through it, so the two bodies keep only their arithmetic.
// swiftlint:disable:next function_parameter_count
func withBackwardMemory(
    input: Tensor, weight: Parameter, outputGradient: Tensor, inputGradient: inout Tensor,
    weightSums: inout [Float], biasSums: inout [Float],
    _ body: (
        _ source: UnsafePointer<Float>, _ kernel: UnsafePointer<Float>, _ upstream: UnsafePointer<Float>,
        _ downstream: UnsafeMutablePointer<Float>, _ weightSum: UnsafeMutablePointer<Float>,
        _ biasSum: UnsafeMutablePointer<Float>
    ) -> Void
) {
    input.scalars.withUnsafeBufferPointer { inputBuffer in
        weight.value.scalars.withUnsafeBufferPointer { weights in
            outputGradient.scalars.withUnsafeBufferPointer { upstreamBuffer in
                inputGradient.scalars.withUnsafeMutableBufferPointer { downstreamBuffer in
                    weightSums.withUnsafeMutableBufferPointer { weightBuffer in
                        biasSums.withUnsafeMutableBufferPointer { biasBuffer in
                            body(
                                inputBuffer.baseAddress!, weights.baseAddress!, upstreamBuffer.baseAddress!,
                                downstreamBuffer.baseAddress!, weightBuffer.baseAddress!, biasBuffer.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}
