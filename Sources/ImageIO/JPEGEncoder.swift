import CTwindupShims

/// Encodes RGB images as baseline JPEG, for training-time re-encoding augmentation and for tests.
public enum JPEGEncoder {
    /// The JPEG bytes of `image` at `quality` (1...100, as libjpeg's `jpeg_set_quality`).
    public static func encode(_ image: Image, quality: Int) throws(JPEGEncodeError) -> [UInt8] {
        try encode(samples: image.pixels, width: image.width, height: image.height, quality: quality, components: 3)
    }

    /// A progressive JPEG of `image` written with exactly `scans`, for files no usual encoder makes (scan bombs).
    static func encode(_ image: Image, quality: Int, scans: [JPEGScan]) throws(JPEGEncodeError) -> [UInt8] {
        try encode(
            samples: image.pixels, width: image.width, height: image.height, quality: quality, components: 3,
            scans: scans)
    }

    /// A four-component JPEG of interleaved CMYK `samples`, written to the file as given: pass Adobe-inverted
    /// samples (255 = no ink) for the Adobe storages, plain ones (0 = no ink) for `.plainCMYK`.
    static func encode(
        cmyk samples: [UInt8], width: Int, height: Int, quality: Int, storage: CMYKStorage
    ) throws(JPEGEncodeError) -> [UInt8] {
        try encode(
            samples: samples, width: width, height: height, quality: quality, components: 4,
            ycck: storage == .adobeYCCK, adobeMarker: storage != .plainCMYK)
    }

    private static func encode(
        samples: [UInt8], width: Int, height: Int, quality: Int, components: Int, ycck: Bool = false,
        adobeMarker: Bool = false, scans: [JPEGScan] = []
    ) throws(JPEGEncodeError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw JPEGEncodeError(message: "quality \(quality) is not 1...100") }
        guard width > 0, height > 0, samples.count == width * height * components else {
            throw JPEGEncodeError(message: "\(samples.count) samples do not fill \(width)x\(height)x\(components)")
        }
        let cScans = scans.map(\.cScan)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var error = twindup_error()
        let status = samples.withUnsafeBufferPointer { pixels in
            cScans.withUnsafeBufferPointer { scanBuffer in
                var options = twindup_jpeg_encode_options(
                    quality: Int32(quality), input_components: UInt32(components), store_as_ycck: ycck ? 1 : 0,
                    adobe_marker: adobeMarker ? 1 : 0, scans: cScans.isEmpty ? nil : scanBuffer.baseAddress,
                    scan_count: UInt32(clamping: cScans.count))
                return twindup_jpeg_encode_samples(
                    pixels.baseAddress, UInt32(clamping: width), UInt32(clamping: height), &options, &output,
                    &outputSize, &error)
            }
        }
        guard status == TWINDUP_OK, let output else {
            let message = withUnsafeBytes(of: &error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw JPEGEncodeError(message: message.isEmpty ? "the encoder refused the image" : message)
        }
        defer { twindup_buffer_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}

/// How a four-component JPEG stores its ink.
enum CMYKStorage: Sendable {
    /// CMYK with Adobe's APP14 marker (transform 0), samples inverted as Photoshop writes them.
    case adobeCMYK
    /// YCCK with Adobe's APP14 marker (transform 2): inverted CMY turned into YCbCr, K kept.
    case adobeYCCK
    /// CMYK without any marker, samples as ink amounts.
    case plainCMYK
}

/// Why libjpeg could not encode an image.
public struct JPEGEncodeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "JPEG encoding failed: \(message)" }
}
