import Foundation
import NeuralNet
import Testing

@testable import TwinModel

/// The blur edit runs tap by tap over whole rows; every sample must still be the sum a plain loop per sample gives,
/// bit for bit, or the shipped training command would no longer reproduce its model.
@Suite struct BlurTests {
    /// The blur as a loop per output sample: Σ weight·input over the taps in order from zero, edges clamped.
    static func blurredSampleBySample(_ canvas: PixelCanvas, sigma: Float) -> [Float] {
        let (width, height, samples) = (canvas.width, canvas.height, canvas.samples)
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { offset in exp(-Float(offset * offset) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        // One pass along rows, then one along columns, each a sum per output sample.
        func pass(_ input: [Float], alongRows: Bool) -> [Float] {
            var output = [Float](repeating: 0, count: input.count)
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<3 {
                        var sum: Float = 0
                        for (tap, weight) in kernel.enumerated() {
                            let sourceX = alongRows ? min(max(x + tap - radius, 0), width - 1) : x
                            let sourceY = alongRows ? y : min(max(y + tap - radius, 0), height - 1)
                            sum += input[(sourceY * width + sourceX) * 3 + channel] * weight
                        }
                        output[(y * width + x) * 3 + channel] = sum
                    }
                }
            }
            return output
        }
        return pass(pass(samples, alongRows: true), alongRows: false)
    }

    /// Sizes from a single pixel to kernels wider than the picture, where every tap of an edge pixel is clamped.
    @Test(arguments: [(1, 1), (2, 5), (7, 3), (40, 33), (161, 97)], [Float(0.3), 1, 2.7, 12])
    func equalsTheSampleBySampleSumBitForBit(size: (Int, Int), sigma: Float) {
        var random = RandomSource(seed: UInt64(size.0 * 1000 + size.1))
        let canvas = PixelCanvas(
            width: size.0, height: size.1, samples: (0..<(size.0 * size.1 * 3)).map { _ in random.nextUniform() * 255 })
        let blurred = canvas.blurred(sigma: sigma)
        #expect(blurred.width == canvas.width && blurred.height == canvas.height)
        let expected = Self.blurredSampleBySample(canvas, sigma: sigma)
        let differing = zip(blurred.samples, expected).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(expected.count) samples differ at sigma \(sigma)")
    }

    /// A blur smooths: it keeps a flat picture's value and takes a single bright pixel's energy out over its
    /// neighbours, keeping the total.
    @Test func aBlurSpreadsAPointAndKeepsAFlatPicture() {
        let flat = PixelCanvas(width: 9, height: 6, fill: (40, 120, 200))
        #expect(flat.blurred(sigma: 1.5).samples.allSatisfy { [40, 120, 200].contains($0.rounded()) })
        var point = PixelCanvas(width: 21, height: 21, fill: (0, 0, 0))
        point.samples[(10 * 21 + 10) * 3] = 255
        let spread = point.blurred(sigma: 1.5)
        #expect(spread.samples[(10 * 21 + 10) * 3] < 40)
        #expect(spread.samples[(10 * 21 + 11) * 3] > 10 && spread.samples[(11 * 21 + 10) * 3] > 10)
        #expect(abs(spread.samples.reduce(0, +) - 255) < 0.01)
    }
}
