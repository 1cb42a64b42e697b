/// Reads the orientation from EXIF data (a TIFF structure). Every offset is checked against the buffer, and only
/// the first IFD is read — no IFD link is ever followed — so hostile data can neither read out of bounds nor loop.
public enum ExifParser {
    private static let orientationTag: UInt16 = 0x0112
    private static let typeShort: UInt16 = 3
    private static let typeLong: UInt16 = 4

    /// The orientation in `exif`, or nil when the data is malformed or has no valid orientation entry. Accepts
    /// the TIFF header directly (PNG eXIf, JPEG APP1 after its prefix) or with the `Exif\0\0` prefix.
    public static func orientation(in exif: some Collection<UInt8>) -> ExifOrientation? {
        var bytes = Array(exif)
        let exifPrefix: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]
        if bytes.starts(with: exifPrefix) {
            bytes.removeFirst(exifPrefix.count)
        }
        let reader: TIFFReader
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) {
            reader = TIFFReader(bytes: bytes, bigEndian: false)
        } else if bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            reader = TIFFReader(bytes: bytes, bigEndian: true)
        } else {
            return nil
        }
        guard let ifdOffset = reader.uint32(at: 4).map(Int.init), let entryCount = reader.uint16(at: ifdOffset)
        else { return nil }
        for entry in 0..<Int(entryCount) {
            let entryOffset = ifdOffset + 2 + entry * 12
            guard let tag = reader.uint16(at: entryOffset), let type = reader.uint16(at: entryOffset + 2),
                let count = reader.uint32(at: entryOffset + 4)
            else { return nil }
            guard tag == orientationTag else { continue }
            guard count == 1 else { return nil }
            // A single SHORT or LONG is stored inline, left-justified in the 4-byte value field.
            let value: Int?
            switch type {
            case typeShort: value = reader.uint16(at: entryOffset + 8).map(Int.init)
            case typeLong: value = reader.uint32(at: entryOffset + 8).map(Int.init)
            default: value = nil
            }
            return value.flatMap(ExifOrientation.init(rawValue:))
        }
        return nil
    }
}

/// Bounds-checked integer reads from a TIFF buffer in its byte order.
private struct TIFFReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        let first = UInt16(bytes[offset])
        let second = UInt16(bytes[offset + 1])
        return bigEndian ? first << 8 | second : second << 8 | first
    }

    func uint32(at offset: Int) -> UInt32? {
        guard let first = uint16(at: offset), let second = uint16(at: offset + 2) else { return nil }
        return bigEndian ? UInt32(first) << 16 | UInt32(second) : UInt32(second) << 16 | UInt32(first)
    }
}
