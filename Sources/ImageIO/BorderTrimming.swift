/// Finds the picture inside frames and letterbox bars: on each side, the run of rows or columns that are all
/// close to that side's outermost line, which must itself be of one colour. Both pictures of a pair go through
/// the same rule, so a framed copy and its original reach the network as the same content; a picture whose edges
/// are uniform anyway (a product shot on white, a clear sky) loses them on both sides of the pair alike.
public struct BorderTrimming: Sendable, Equatable {
    /// How far, per channel, a line's mean colour may drift from the outermost line's and still be border.
    public var colourTolerance: Float = 14
    /// The largest mean absolute difference, over the line's samples, from the outermost line's colour: a border
    /// is flat apart from JPEG ringing and light noise; rows of a photograph are not.
    public var flatnessTolerance: Float = 10
    /// At most this fraction of the width or height is trimmed from any one side. Letterboxing a 16:9 picture
    /// into 9:16 leaves it a third of the height, so each bar is about a third.
    public var largestSideFraction: Float = 0.4

    public init() {}

    /// The content rectangle of `image`: the whole image when no side has a border.
    public func contentBox(of image: Image) -> (x: Int, y: Int, width: Int, height: Int) {
        let limitX = Int(Float(image.width) * largestSideFraction)
        let limitY = Int(Float(image.height) * largestSideFraction)
        return image.pixels.withUnsafeBufferPointer { pixels in
            let lines = LineReader(pixels: pixels, width: image.width, height: image.height)
            let (top, bottom) = Self.unlessBackground(
                borderDepth(limit: limitY) { lines.row($0) },
                borderDepth(limit: limitY) { lines.row(image.height - 1 - $0) }, limit: limitY)
            let (left, right) = Self.unlessBackground(
                borderDepth(limit: limitX) { lines.column($0, rows: top..<(image.height - bottom)) },
                borderDepth(limit: limitX) { lines.column(image.width - 1 - $0, rows: top..<(image.height - bottom)) },
                limit: limitX)
            return (left, top, image.width - left - right, image.height - top - bottom)
        }
    }

    /// `image` without its borders, or `image` itself when it has none.
    public func trimmed(_ image: Image) -> Image {
        let box = contentBox(of: image)
        guard box.width < image.width || box.height < image.height else { return image }
        var pixels = [UInt8](repeating: 0, count: box.width * box.height * 3)
        let rowBytes = box.width * 3
        for row in 0..<box.height {
            let source = ((box.y + row) * image.width + box.x) * 3
            pixels[(row * rowBytes)..<((row + 1) * rowBytes)] = image.pixels[source..<(source + rowBytes)]
        }
        return Image(
            width: box.width, height: box.height, pixels: pixels, format: image.format,
            originalWidth: image.originalWidth, originalHeight: image.originalHeight, orientation: image.orientation,
            warningCount: image.warningCount, firstWarning: image.firstWarning)
    }

    /// The two opposite borders of one axis, or none when both reach the limit: that picture is not framed but
    /// mostly background (a small drawing on an empty canvas, a smooth gradient), and its middle fifth alone would
    /// look like the middle of every other such picture.
    private static func unlessBackground(_ first: Int, _ second: Int, limit: Int) -> (Int, Int) {
        limit > 0 && first >= limit && second >= limit ? (0, 0) : (first, second)
    }

    /// How many lines from one side are border, `line(0)` being the outermost.
    private func borderDepth(limit: Int, line: (Int) -> LineStatistics) -> Int {
        guard limit > 0 else { return 0 }
        let outermost = line(0)
        guard outermost.spread(around: outermost.mean) <= flatnessTolerance else { return 0 }
        var depth = 1
        while depth < limit {
            let next = line(depth)
            guard next.isClose(to: outermost.mean, colourTolerance: colourTolerance),
                next.spread(around: outermost.mean) <= flatnessTolerance
            else { break }
            depth += 1
        }
        return depth
    }
}

/// The samples of one row or column, summarised lazily: its mean colour, and its mean distance to a colour.
struct LineStatistics {
    let samples: [SIMD3<Float>]
    let mean: SIMD3<Float>

    init(samples: [SIMD3<Float>]) {
        self.samples = samples
        mean = samples.reduce(SIMD3<Float>(), +) / Float(max(samples.count, 1))
    }

    func isClose(to colour: SIMD3<Float>, colourTolerance: Float) -> Bool {
        let difference = mean - colour
        return pointwiseMax(difference, -difference).max() <= colourTolerance
    }

    /// Mean absolute difference from `colour`, over every sample of every channel.
    func spread(around colour: SIMD3<Float>) -> Float {
        var total: Float = 0
        for sample in samples {
            let difference = sample - colour
            total += pointwiseMax(difference, -difference).sum()
        }
        return total / Float(max(3 * samples.count, 1))
    }
}

/// Rows and columns of interleaved RGB as colour vectors, each the mean of a run of `run` neighbouring pixels:
/// averaging tames sensor and added noise, which would otherwise make a flat border look textured.
private struct LineReader {
    let pixels: UnsafeBufferPointer<UInt8>
    let width: Int
    let height: Int
    let run = 4

    func pixel(_ x: Int, _ y: Int) -> SIMD3<Float> {
        let index = (y * width + x) * 3
        return SIMD3(Float(pixels[index]), Float(pixels[index + 1]), Float(pixels[index + 2]))
    }

    func row(_ y: Int) -> LineStatistics { LineStatistics(samples: averagedRuns(0..<width) { pixel($0, y) }) }

    func column(_ x: Int, rows: Range<Int>) -> LineStatistics {
        LineStatistics(samples: averagedRuns(rows.isEmpty ? 0..<1 : rows) { pixel(x, $0) })
    }

    private func averagedRuns(_ positions: Range<Int>, _ read: (Int) -> SIMD3<Float>) -> [SIMD3<Float>] {
        stride(from: positions.lowerBound, to: positions.upperBound, by: run).map { start in
            let end = min(start + run, positions.upperBound)
            return (start..<end).reduce(SIMD3<Float>()) { $0 + read($1) } / Float(end - start)
        }
    }
}
