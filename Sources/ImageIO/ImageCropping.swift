extension Image {
    /// The `width`×`height` rectangle whose top-left pixel is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
        precondition(
            x >= 0 && y >= 0 && cropWidth > 0 && cropHeight > 0 && x + cropWidth <= width && y + cropHeight <= height,
            "\(cropWidth)x\(cropHeight) at (\(x), \(y)) is not inside a \(width)x\(height) image")
        var result = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        let rowBytes = cropWidth * 3
        for row in 0..<cropHeight {
            let source = ((y + row) * width + x) * 3
            result[(row * rowBytes)..<((row + 1) * rowBytes)] = pixels[source..<(source + rowBytes)]
        }
        return Image(
            width: cropWidth, height: cropHeight, pixels: result, format: format, originalWidth: cropWidth,
            originalHeight: cropHeight, orientation: orientation, warningCount: warningCount,
            firstWarning: firstWarning)
    }
}

extension Image {
    /// The image mirrored left to right.
    public func mirrored() -> Image {
        var result = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                let source = (y * width + x) * 3
                let target = (y * width + width - 1 - x) * 3
                result[target] = pixels[source]
                result[target + 1] = pixels[source + 1]
                result[target + 2] = pixels[source + 2]
            }
        }
        return Image(
            width: width, height: height, pixels: result, format: format, originalWidth: originalWidth,
            originalHeight: originalHeight, orientation: orientation, warningCount: warningCount,
            firstWarning: firstWarning)
    }
}
