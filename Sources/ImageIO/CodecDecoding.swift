import CTwindupShims

/// Pixels as a codec produced them: stored orientation, possibly DCT-scaled.
struct CodecOutput {
    var width: Int
    var height: Int
    var storedWidth: Int
    var storedHeight: Int
    var pixels: [UInt8]
    var exif: [UInt8]?
    var warningCount: Int
    var firstWarning: String?
}

/// Calls the C shim for one format and turns its status and message into an `ImageDecodeError`.
enum CodecDecoding {
    static func decode(
        _ bytes: [UInt8], format: ImageFormat, minimumShortSide: Int, limits: DecodeLimits, path: String,
        work: inout DecodeWork
    ) throws(ImageDecodeError) -> CodecOutput {
        var cLimits = twindup_limits(
            max_pixels: UInt64(limits.maxPixels), max_decoder_bytes: UInt64(limits.maxDecoderBytes),
            max_progressive_scans: UInt32(clamping: limits.maxProgressiveScans),
            max_chunk_bytes: UInt32(clamping: limits.maxChunkBytes))
        var decoded = twindup_decoded()
        var error = twindup_error()
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .jpeg:
                twindup_jpeg_decode(
                    buffer.baseAddress, buffer.count, UInt32(clamping: max(0, minimumShortSide)), &cLimits,
                    &decoded, &error)
            case .png, .raw:
                twindup_png_decode(buffer.baseAddress, buffer.count, &cLimits, &decoded, &error)
            }
        }
        defer { twindup_decoded_free(&decoded) }
        work.pixelBufferBytes = Int(decoded.pixel_buffer_bytes)
        work.decodedPixels = Int(decoded.decoded_pixels)
        work.scansRead = Int(decoded.scans_read)
        work.largestCodecAllocation = Int(decoded.largest_codec_allocation)
        guard status == TWINDUP_OK else {
            let message = text(of: &error.message)
            throw ImageDecodeError(code(for: status), path: path, cause: "\(format) data: \(message)")
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        guard width > 0, height > 0, let pixels = decoded.pixels else {
            throw ImageDecodeError(.corrupt, path: path, cause: "\(format) data: the decoder returned no pixels")
        }
        var exif: [UInt8]?
        if let exifBytes = decoded.exif, decoded.exif_length > 0 {
            exif = Array(UnsafeBufferPointer(start: exifBytes, count: decoded.exif_length))
        }
        let warningCount = Int(decoded.warning_count)
        return CodecOutput(
            width: width, height: height, storedWidth: Int(decoded.stored_width),
            storedHeight: Int(decoded.stored_height),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: width * height * 3)), exif: exif,
            warningCount: warningCount, firstWarning: warningCount > 0 ? text(of: &decoded.first_warning) : nil)
    }

    private static func code(for status: twindup_status) -> ImageDecodeError.Code {
        switch status {
        case TWINDUP_TRUNCATED: .truncated
        case TWINDUP_TOO_LARGE: .tooLarge
        case TWINDUP_OUT_OF_MEMORY: .outOfMemory
        case TWINDUP_UNSUPPORTED: .unsupported
        default: .corrupt
        }
    }

    /// A NUL-terminated C character array imported as a tuple.
    private static func text<Tuple>(of tuple: inout Tuple) -> String {
        withUnsafeBytes(of: &tuple) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
