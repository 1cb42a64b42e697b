/// A grayscale picture, row-major, one Float per pixel in 0...255: what perceptual hashes look at.
public struct LuminancePlane: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0, "a luminance plane needs at least one pixel")
        precondition(
            values.count == width * height, "luminance plane has \(values.count) values for \(width)x\(height)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Luma from interleaved 8-bit RGB with the Rec. 601 weights that perceptual-hash tools use.
    public init(width: Int, height: Int, interleavedRGB: [UInt8]) {
        precondition(interleavedRGB.count == width * height * 3, "RGB buffer does not match \(width)x\(height)")
        var values = [Float](repeating: 0, count: width * height)
        for index in 0..<(width * height) {
            let red = Float(interleavedRGB[3 * index])
            let green = Float(interleavedRGB[3 * index + 1])
            let blue = Float(interleavedRGB[3 * index + 2])
            values[index] = 0.299 * red + 0.587 * green + 0.114 * blue
        }
        self.init(width: width, height: height, values: values)
    }

    /// The plane flipped left to right.
    public func mirrored() -> LuminancePlane {
        var flipped = [Float](repeating: 0, count: values.count)
        for y in 0..<height {
            for x in 0..<width { flipped[y * width + x] = values[y * width + width - 1 - x] }
        }
        return LuminancePlane(width: width, height: height, values: flipped)
    }

    /// Area-average resampling: every source pixel contributes to the target pixels it overlaps, weighted by
    /// the overlap, so downscaling by any ratio averages instead of aliasing.
    public func resampled(width targetWidth: Int, height targetHeight: Int) -> LuminancePlane {
        let horizontal = AreaWeights(source: width, target: targetWidth)
        let vertical = AreaWeights(source: height, target: targetHeight)
        var rows = [Float](repeating: 0, count: height * targetWidth)
        for y in 0..<height {
            for x in 0..<targetWidth {
                var sum: Float = 0
                for (sourceX, weight) in horizontal.contributions[x] {
                    sum += values[y * width + sourceX] * weight
                }
                rows[y * targetWidth + x] = sum
            }
        }
        var result = [Float](repeating: 0, count: targetWidth * targetHeight)
        for y in 0..<targetHeight {
            for (sourceY, weight) in vertical.contributions[y] {
                for x in 0..<targetWidth {
                    result[y * targetWidth + x] += rows[sourceY * targetWidth + x] * weight
                }
            }
        }
        return LuminancePlane(width: targetWidth, height: targetHeight, values: result)
    }
}

/// For each target pixel along one axis, the source pixels it covers and their normalised overlap.
struct AreaWeights {
    let contributions: [[(Int, Float)]]

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        var contributions: [[(Int, Float)]] = []
        contributions.reserveCapacity(target)
        for index in 0..<target {
            let start = Double(index) * scale
            let end = Double(index + 1) * scale
            var cells: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end && position < source {
                let overlap = min(end, Double(position + 1)) - max(start, Double(position))
                if overlap > 0 {
                    cells.append((position, Float(overlap / scale)))
                }
                position += 1
            }
            contributions.append(cells)
        }
        self.contributions = contributions
    }
}
