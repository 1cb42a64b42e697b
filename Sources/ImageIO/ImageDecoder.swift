/// Decodes PNG and JPEG files into upright 8-bit RGB `Image`s. The format comes from the file's first bytes, never
/// its name. Limits are checked from the headers, before any pixel buffer is allocated.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = DecodeLimits()) {
        self.limits = limits
    }

    /// Decodes the file at `path`. With `minimumShortSide` > 0, JPEGs are decoded at the smallest DCT scale M/8
    /// whose short side is still at least that many pixels (full size if the picture is smaller); PNGs always
    /// decode at full size.
    public func decode(fileAt path: String, minimumShortSide: Int = 0) throws(ImageDecodeError) -> Image {
        var work = DecodeWork()
        return try decode(fileAt: path, minimumShortSide: minimumShortSide, work: &work)
    }

    /// As `decode(fileAt:minimumShortSide:)`, also reporting the work done in `work`, even when decoding fails.
    public func decode(
        fileAt path: String, minimumShortSide: Int = 0, work: inout DecodeWork
    ) throws(ImageDecodeError) -> Image {
        work = DecodeWork()
        let bytes = try FileBytes.read(path: path, maxBytes: limits.maxFileBytes)
        return try decode(bytes: bytes, path: path, minimumShortSide: minimumShortSide, work: &work)
    }

    /// Decodes an image held in memory; `path` names it in errors.
    public func decode(
        bytes: [UInt8], path: String, minimumShortSide: Int = 0, work: inout DecodeWork
    ) throws(ImageDecodeError) -> Image {
        work = DecodeWork()
        guard !bytes.isEmpty else { throw ImageDecodeError(.empty, path: path, cause: "the file has 0 bytes") }
        guard bytes.count <= limits.maxFileBytes else {
            throw ImageDecodeError(
                .tooLarge, path: path, cause: "\(bytes.count) bytes is over the limit of \(limits.maxFileBytes) bytes")
        }
        guard let format = ImageFormat(magicBytes: bytes) else {
            let head = bytes.prefix(4).map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            throw ImageDecodeError(.unknownFormat, path: path, cause: "not a PNG or JPEG file (starts with \(head))")
        }
        let output = try CodecDecoding.decode(
            bytes, format: format, minimumShortSide: minimumShortSide, limits: limits, path: path, work: &work)
        let orientation = output.exif.flatMap(ExifParser.orientation(in:)) ?? .up
        let upright = orientation.applied(toRGB: output.pixels, width: output.width, height: output.height)
        return Image(
            width: upright.width, height: upright.height, pixels: upright.pixels, format: format,
            originalWidth: orientation.swapsDimensions ? output.storedHeight : output.storedWidth,
            originalHeight: orientation.swapsDimensions ? output.storedWidth : output.storedHeight,
            orientation: orientation, warningCount: output.warningCount, firstWarning: output.firstWarning)
    }
}
