import ImageIO

/// Tiny valid pictures (3×2, every pixel different, so that each orientation gives a different result) that carry
/// a given EXIF payload.
enum ExifCarriers {
    /// An APP1 segment's length field counts itself and the `Exif\0\0` prefix: 65535 - 2 - 6.
    static let maxJPEGPayload = 65527

    private static let width = 3
    private static let height = 2
    private static let pixels: [UInt8] = [
        255, 0, 0, 0, 255, 0, 0, 0, 255,
        255, 255, 0, 0, 255, 255, 255, 0, 255,
    ]

    private static let plainJPEG: [UInt8] = {
        do {
            return try JPEGEncoder.encode(Image(width: width, height: height, pixels: pixels), quality: 100)
        } catch {
            preconditionFailure("cannot encode the carrier JPEG: \(error)")
        }
    }()

    /// The carriers without EXIF, decoded once: what every turned result is compared against.
    static let uprightJPEG = decodeUpright(plainJPEG)
    static let uprightPNG = decodeUpright(png(carrying: []))

    /// The JPEG with an APP1 `Exif\0\0` segment holding `payload` right after its start-of-image marker.
    static func jpeg(carrying payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= maxJPEGPayload, "an APP1 segment holds at most \(maxJPEGPayload) bytes")
        let segment: [UInt8] = Array("Exif".utf8) + [0, 0] + payload
        let length = segment.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + segment + plainJPEG.dropFirst(2)
    }

    /// The PNG (8-bit RGB, stored deflate) with an eXIf chunk holding `payload` before its image data; none when
    /// `payload` is empty.
    static func png(carrying payload: [UInt8]) -> [UInt8] {
        var raw: [UInt8] = []
        for row in 0..<height {
            raw += [0] + pixels[(row * width * 3)..<((row + 1) * width * 3)]
        }
        let count = raw.count
        let storedBlock: [UInt8] = [
            1, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF),
        ]
        let zlib: [UInt8] = [0x78, 0x01] + storedBlock + raw + bigEndian(adler32(raw))
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        let exif = payload.isEmpty ? [] : chunk("eXIf", payload)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + exif + chunk("IDAT", zlib)
            + chunk("IEND", [])
    }

    private static func decodeUpright(_ bytes: [UInt8]) -> Image {
        var work = DecodeWork()
        do {
            let image = try FuzzDecoding.decoder.decode(bytes: bytes, path: "exif-carrier", work: &work)
            precondition(image.orientation == .up, "the carrier without EXIF is not upright")
            return image
        } catch {
            preconditionFailure("the carrier picture does not decode: \(error)")
        }
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc32(typeAndData))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
