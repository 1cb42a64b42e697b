import ImageIO

/// libFuzzer entry point for EXIF orientation: the input is an EXIF payload (a TIFF structure, with or without the
/// `Exif\0\0` prefix). It is parsed directly, then carried through the whole decoder inside a JPEG APP1 segment
/// and a PNG eXIf chunk of a tiny picture, so that the shim's copying and the pixel turning are covered too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExif(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let payload = FuzzDecoding.bytes(data, size)
    let parsed = ExifParser.orientation(in: payload)
    guard payload.count <= ExifCarriers.maxJPEGPayload else { return 0 }

    // libjpeg hands the APP1 segment over untouched, so the decoder must apply exactly what the parser reads.
    let jpeg = decodeCarrier(ExifCarriers.jpeg(carrying: payload))
    precondition(
        jpeg.orientation == parsed ?? .up,
        "JPEG applied \(jpeg.orientation), the parser read \(String(describing: parsed))")
    checkTurned(jpeg, from: ExifCarriers.uprightJPEG)

    // libpng drops an eXIf chunk it finds invalid (with a warning), so the PNG may also come out unturned.
    let png = decodeCarrier(ExifCarriers.png(carrying: payload))
    precondition(
        png.orientation == parsed ?? .up || png.orientation == .up,
        "PNG applied \(png.orientation), the parser read \(String(describing: parsed))")
    checkTurned(png, from: ExifCarriers.uprightPNG)
    return 0
}

/// The carrier pictures are valid whatever their EXIF says, so decoding them must succeed.
private func decodeCarrier(_ bytes: [UInt8]) -> Image {
    var work = DecodeWork()
    do {
        return try FuzzDecoding.decoder.decode(bytes: bytes, path: "exif-carrier", work: &work)
    } catch {
        preconditionFailure("a valid picture with fuzzed EXIF failed to decode: \(error)")
    }
}

/// Turning upright moves pixels without changing them: the same pixels, in the upright size.
private func checkTurned(_ image: Image, from upright: Image) {
    let swaps = image.orientation.swapsDimensions
    precondition(
        image.width == (swaps ? upright.height : upright.width)
            && image.height == (swaps ? upright.width : upright.height),
        "\(image.orientation) gave \(image.width)x\(image.height) from \(upright.width)x\(upright.height)")
    func sortedPixels(_ image: Image) -> [[UInt8]] {
        stride(from: 0, to: image.pixels.count, by: 3).map { Array(image.pixels[$0..<($0 + 3)]) }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }
    precondition(sortedPixels(image) == sortedPixels(upright), "\(image.orientation) changed pixel values")
}
