/// How `Image.resized` computes each output pixel.
public enum ResamplingFilter: Sendable {
    /// Each output pixel is the average of the source area it covers, with partial pixels weighted by the
    /// fraction covered: the right filter for downscaling (no aliasing). Upscaling with it repeats pixels.
    case areaAverage
    /// Linear interpolation between the two nearest source pixels on each axis (pixel centres aligned, edges
    /// clamped): smooth for upscaling; aliases when shrinking by more than 2×.
    case bilinear

    /// For each output index along one axis, the source indices it reads and their weights (summing to 1).
    func taps(sourceLength: Int, outputLength: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(sourceLength) / Double(outputLength)
        return (0..<outputLength).map { output in
            switch self {
            case .areaAverage:
                let start = Double(output) * scale
                let end = Double(output + 1) * scale
                var taps: [(index: Int, weight: Float)] = []
                var index = Int(start.rounded(.down))
                while Double(index) < end && index < sourceLength {
                    let covered = min(end, Double(index + 1)) - max(start, Double(index))
                    if covered > 1e-9 {
                        taps.append((index, Float(covered / scale)))
                    }
                    index += 1
                }
                return taps
            case .bilinear:
                let centre = min(max((Double(output) + 0.5) * scale - 0.5, 0), Double(sourceLength - 1))
                let left = Int(centre.rounded(.down))
                let right = min(left + 1, sourceLength - 1)
                let fraction = Float(centre - Double(left))
                return right == left ? [(left, Float(1))] : [(left, 1 - fraction), (right, fraction)]
            }
        }
    }
}
