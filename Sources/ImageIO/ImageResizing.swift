extension Image {
    /// This image scaled to `width`×`height` (aspect ratio not preserved), rounded back to 8-bit samples.
    public func resized(width: Int, height: Int, filter: ResamplingFilter) -> Image {
        let planes = planarSamples(width: width, height: height, filter: filter)
        let planeSize = width * height
        var pixels = [UInt8](repeating: 0, count: planeSize * 3)
        for index in 0..<planeSize {
            for channel in 0..<3 {
                let value = planes[channel * planeSize + index].rounded()
                pixels[index * 3 + channel] = UInt8(min(max(value, 0), 255))
            }
        }
        return Image(
            width: width, height: height, pixels: pixels, format: format, originalWidth: originalWidth,
            originalHeight: originalHeight, orientation: orientation, warningCount: warningCount,
            firstWarning: firstWarning)
    }

    /// This image shrunk (area averaging, aspect ratio kept) so that its longer side is at most `longSide` pixels;
    /// an image already that small is returned as it is.
    public func fitted(withinLongSide longSide: Int) -> Image {
        precondition(longSide > 0, "cannot fit an image within \(longSide) pixels")
        let long = max(width, height)
        guard long > longSide else { return self }
        let scale = Double(longSide) / Double(long)
        return resized(
            width: max(1, Int((Double(width) * scale).rounded())),
            height: max(1, Int((Double(height) * scale).rounded())),
            filter: .areaAverage)
    }

    /// Resamples to `width`×`height` as planar float samples (all red, then green, then blue; 0...255), the
    /// form the network reads. Separable: rows first, then columns.
    func planarSamples(width outputWidth: Int, height outputHeight: Int, filter: ResamplingFilter) -> [Float] {
        precondition(outputWidth > 0 && outputHeight > 0, "cannot resize to \(outputWidth)x\(outputHeight)")
        let columnTaps = filter.taps(sourceLength: width, outputLength: outputWidth)
        let rowTaps = filter.taps(sourceLength: height, outputLength: outputHeight)
        // Horizontal pass: source rows × output columns, one plane per channel.
        var horizontal = [Float](repeating: 0, count: 3 * height * outputWidth)
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let rowStart = y * width * 3
                    for (x, taps) in columnTaps.enumerated() {
                        var red: Float = 0
                        var green: Float = 0
                        var blue: Float = 0
                        for tap in taps {
                            let index = rowStart + tap.index * 3
                            red += Float(source[index]) * tap.weight
                            green += Float(source[index + 1]) * tap.weight
                            blue += Float(source[index + 2]) * tap.weight
                        }
                        let output = y * outputWidth + x
                        target[output] = red
                        target[height * outputWidth + output] = green
                        target[2 * height * outputWidth + output] = blue
                    }
                }
            }
        }
        // Vertical pass.
        var planes = [Float](repeating: 0, count: 3 * outputHeight * outputWidth)
        horizontal.withUnsafeBufferPointer { source in
            planes.withUnsafeMutableBufferPointer { target in
                for channel in 0..<3 {
                    let sourcePlane = channel * height * outputWidth
                    let targetPlane = channel * outputHeight * outputWidth
                    for (y, taps) in rowTaps.enumerated() {
                        let targetRow = targetPlane + y * outputWidth
                        for x in 0..<outputWidth {
                            var sum: Float = 0
                            for tap in taps {
                                sum += source[sourcePlane + tap.index * outputWidth + x] * tap.weight
                            }
                            target[targetRow + x] = sum
                        }
                    }
                }
            }
        }
        return planes
    }
}
