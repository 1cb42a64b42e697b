import Foundation
import ImageIO

/// A mutable float RGB picture (interleaved, 0...255) that edits draw on; converted from and back to `Image`.
struct PixelCanvas {
    var width: Int
    var height: Int
    var samples: [Float]

    init(width: Int, height: Int, samples: [Float]) {
        precondition(samples.count == width * height * 3, "canvas buffer does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.samples = samples
    }

    init(width: Int, height: Int, fill: (Float, Float, Float)) {
        var samples = [Float](repeating: 0, count: width * height * 3)
        for index in 0..<(width * height) {
            samples[3 * index] = fill.0
            samples[3 * index + 1] = fill.1
            samples[3 * index + 2] = fill.2
        }
        self.init(width: width, height: height, samples: samples)
    }

    init(_ image: Image) {
        self.init(width: image.width, height: image.height, samples: image.pixels.map(Float.init))
    }

    var image: Image {
        Image(
            width: width, height: height,
            pixels: samples.map { UInt8(min(max($0.rounded(), 0), 255)) })
    }

    /// Bilinear sample at a continuous position (pixel centres at integer + 0.5); nil outside the picture.
    func sample(x: Float, y: Float) -> (Float, Float, Float)? {
        let sourceX = x - 0.5
        let sourceY = y - 0.5
        guard sourceX >= -0.5, sourceY >= -0.5, sourceX <= Float(width) - 0.5, sourceY <= Float(height) - 0.5 else {
            return nil
        }
        let left = min(max(Int(sourceX.rounded(.down)), 0), width - 1)
        let top = min(max(Int(sourceY.rounded(.down)), 0), height - 1)
        let right = min(left + 1, width - 1)
        let bottom = min(top + 1, height - 1)
        let fractionX = min(max(sourceX - Float(left), 0), 1)
        let fractionY = min(max(sourceY - Float(top), 0), 1)
        func at(_ px: Int, _ py: Int, _ channel: Int) -> Float { samples[(py * width + px) * 3 + channel] }
        func channel(_ c: Int) -> Float {
            let upper = at(left, top, c) * (1 - fractionX) + at(right, top, c) * fractionX
            let lower = at(left, bottom, c) * (1 - fractionX) + at(right, bottom, c) * fractionX
            return upper * (1 - fractionY) + lower * fractionY
        }
        return (channel(0), channel(1), channel(2))
    }

    /// Blends `colour` into the pixel at (x, y) with `opacity` (0...1); ignores positions outside.
    mutating func blend(x: Int, y: Int, colour: (Float, Float, Float), opacity: Float) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        samples[index] += (colour.0 - samples[index]) * opacity
        samples[index + 1] += (colour.1 - samples[index + 1]) * opacity
        samples[index + 2] += (colour.2 - samples[index + 2]) * opacity
    }

    /// Copies the rectangle at (x, y) of size w×h (clamped to the canvas).
    func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> PixelCanvas {
        let left = min(max(x, 0), width - 1)
        let top = min(max(y, 0), height - 1)
        let w = max(1, min(cropWidth, width - left))
        let h = max(1, min(cropHeight, height - top))
        var result = [Float](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let source = ((top + row) * width + left) * 3
            result[(row * w * 3)..<((row + 1) * w * 3)] = samples[source..<(source + w * 3)]
        }
        return PixelCanvas(width: w, height: h, samples: result)
    }

    /// Separable Gaussian blur with standard deviation `sigma` pixels, edges clamped.
    ///
    /// Each output sample is Σ weight·input over the kernel's taps in order, starting from zero, as a plain loop per
    /// sample would add them; the passes only run tap by tap over whole rows, so the inner loops stream contiguous
    /// memory and vectorise. Its cost grows as area × kernel width, and the kernel widens with the picture: a chain
    /// of training edits that letterboxes a panorama two or three times blurs tens of megapixels with a kernel of
    /// hundreds of taps, which the plain loop took minutes over.
    func blurred(sigma: Float) -> PixelCanvas {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { offset in exp(-Float(offset * offset) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let rowLength = width * 3
        var horizontal = [Float](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    Self.accumulateShiftedRow(
                        source.baseAddress! + y * rowLength, into: target.baseAddress! + y * rowLength, width: width,
                        kernel: kernel)
                }
            }
        }
        var result = [Float](repeating: 0, count: samples.count)
        horizontal.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let output = target.baseAddress! + y * rowLength
                    for (tap, weight) in kernel.enumerated() {
                        let input = source.baseAddress! + min(max(y + tap - radius, 0), height - 1) * rowLength
                        for index in 0..<rowLength { output[index] += input[index] * weight }
                    }
                }
            }
        }
        return PixelCanvas(width: width, height: height, samples: result)
    }

    /// Adds the horizontal blur of one RGB row to `output`: for each tap in order, every pixel's neighbour at that
    /// tap's offset (clamped to the row) times the tap's weight.
    private static func accumulateShiftedRow(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int, kernel: [Float]
    ) {
        let radius = kernel.count / 2
        for (tap, weight) in kernel.enumerated() {
            let shift = tap - radius
            // Pixels x in insideStart..<insideEnd read x + shift within the row; those before read the first
            // pixel, those after the last.
            let insideStart = min(width, max(0, -shift))
            let insideEnd = max(insideStart, min(width, width - shift))
            for x in 0..<insideStart {
                for channel in 0..<3 { output[x * 3 + channel] += input[channel] * weight }
            }
            if insideEnd > insideStart {
                let shifted = input + (insideStart + shift) * 3
                let target = output + insideStart * 3
                for index in 0..<((insideEnd - insideStart) * 3) { target[index] += shifted[index] * weight }
            }
            for x in insideEnd..<width {
                for channel in 0..<3 { output[x * 3 + channel] += input[(width - 1) * 3 + channel] * weight }
            }
        }
    }
}
