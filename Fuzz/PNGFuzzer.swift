import ImageIO

/// libFuzzer entry point for PNG files through the public decoder (libpng via the C shim, gamma, alpha, eXIf and
/// orientation). Inputs that are not PNG are rejected (-1), so that the corpus holds only PNG inputs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = FuzzDecoding.bytes(data, size)
    guard ImageFormat(magicBytes: bytes) == .png else { return -1 }
    // libpng refuses a critical chunk whose CRC is wrong, so almost every mutation would stop at the first chunk
    // it touched; libpng's own fuzzer switches CRC checks off for the same reason. A reproducer is therefore the
    // input with its CRCs corrected (see Fuzz/README.md).
    correctChunkCRCs(&bytes)
    FuzzDecoding.decodeAndCheck(bytes)
    return 0
}

/// Rewrites the CRC of every chunk that lies wholly within `bytes`, from the first one after the signature up to
/// the first chunk whose length runs past the end.
func correctChunkCRCs(_ bytes: inout [UInt8]) {
    var offset = 8
    while bytes.count - offset >= 12 {
        let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard length <= bytes.count - offset - 12 else { return }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes[(offset + 4)..<(offset + 8 + length)] {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        crc = ~crc
        let end = offset + 8 + length
        for index in 0..<4 {
            bytes[end + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index))
        }
        offset = end + 4
    }
}

private let crcTable: [UInt32] = (0..<256).map { entry in
    var value = UInt32(entry)
    for _ in 0..<8 {
        value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
    }
    return value
}
