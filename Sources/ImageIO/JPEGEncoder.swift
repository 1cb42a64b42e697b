import CTwindupShims

/// Encodes RGB images as baseline JPEG, for training-time re-encoding augmentation and for tests.
public enum JPEGEncoder {
    /// The JPEG bytes of `image` at `quality` (1...100, as libjpeg's `jpeg_set_quality`).
    public static func encode(_ image: Image, quality: Int) throws(JPEGEncodeError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw JPEGEncodeError(message: "quality \(quality) is not 1...100") }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var error = twindup_error()
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            twindup_jpeg_encode(
                pixels.baseAddress, UInt32(image.width), UInt32(image.height), Int32(quality), &output, &outputSize,
                &error)
        }
        guard status == TWINDUP_OK, let output else {
            let message = withUnsafeBytes(of: &error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw JPEGEncodeError(message: message.isEmpty ? "the encoder refused the image" : message)
        }
        defer { twindup_buffer_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}

/// Why libjpeg could not encode an image.
public struct JPEGEncodeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "JPEG encoding failed: \(message)" }
}
