/// A decoded picture, already turned upright: 8-bit RGB samples, interleaved (R, G, B for each pixel), rows top
/// to bottom, `width * height * 3` bytes. No alpha: transparent PNG pixels are composited over white.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]
    /// The container the pixels came from.
    public var format: ImageFormat
    /// The full-resolution size, upright (after orientation), before any DCT-domain downscaling.
    public var originalWidth: Int
    public var originalHeight: Int
    /// The EXIF orientation found in the file; it has already been applied to `pixels`.
    public var orientation: ExifOrientation
    /// How many warnings the codec raised (for instance for a truncated JPEG, whose missing rows are grey).
    public var warningCount: Int
    /// The first warning's text, when there was one.
    public var firstWarning: String?

    public init(
        width: Int, height: Int, pixels: [UInt8], format: ImageFormat = .raw, originalWidth: Int? = nil,
        originalHeight: Int? = nil, orientation: ExifOrientation = .up, warningCount: Int = 0,
        firstWarning: String? = nil
    ) {
        precondition(width > 0 && height > 0, "an image has at least one pixel, got \(width)x\(height)")
        precondition(pixels.count == width * height * 3, "\(width)x\(height) RGB needs \(width * height * 3) bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.format = format
        self.originalWidth = originalWidth ?? width
        self.originalHeight = originalHeight ?? height
        self.orientation = orientation
        self.warningCount = warningCount
        self.firstWarning = firstWarning
    }

    /// The red, green and blue samples at column `x`, row `y`.
    public func rgb(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        precondition((0..<width).contains(x) && (0..<height).contains(y), "(\(x), \(y)) is outside the image")
        let index = (y * width + x) * 3
        return (pixels[index], pixels[index + 1], pixels[index + 2])
    }
}
