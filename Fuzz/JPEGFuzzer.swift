import ImageIO

/// Short-side targets for DCT-scaled decoding; the input's length picks one, so that one input always decodes the
/// same way and the corpus covers full-size and scaled decodes without doubling the work per input.
private let scaledShortSides = [0, 1, 16, 64]

/// libFuzzer entry point for JPEG files through the public decoder (libjpeg via the C shim, CMYK, DCT scaling,
/// scan limits, EXIF orientation). Inputs that are not JPEG are rejected (-1), so that the corpus holds only JPEG
/// inputs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzDecoding.bytes(data, size)
    guard ImageFormat(magicBytes: bytes) == .jpeg else { return -1 }
    FuzzDecoding.decodeAndCheck(bytes, minimumShortSide: scaledShortSides[bytes.count % scaledShortSides.count])
    return 0
}
