import Foundation
import TestSupport

/// Pictures that cost the reader far more than they weigh: headers claiming gigapixels, and PNG chunks that
/// inflate to hundreds of megabytes (the zlib streams come from TestSupport's `ZlibBomb`).
enum PictureBombs {
    /// A valid PNG whose IHDR claims `width`×`height` 8-bit RGB, followed by a tiny IDAT and IEND.
    static func pngClaiming(width: UInt32, height: UInt32) -> [UInt8] {
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        // zlib stream of one empty stored block: far too little data for the claimed size.
        let idat: [UInt8] = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]
        return pngSignature + chunk("IHDR", header) + chunk("IDAT", idat) + chunk("IEND", [])
    }

    /// `jpeg` with its frame header (SOF0–SOF2) claiming `side`×`side` pixels (a JPEG's largest is 65535).
    static func jpegClaiming(side: UInt16, from jpeg: [UInt8]) -> [UInt8]? {
        var bytes = jpeg
        var offset = 2
        while offset + 9 < bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if (0xC0...0xC2).contains(marker) {
                // FF Cn, length (2), precision (1), height (2), width (2).
                bytes.replaceSubrange(
                    (offset + 5)..<(offset + 9),
                    with: [
                        UInt8(side >> 8), UInt8(side & 0xFF), UInt8(side >> 8), UInt8(side & 0xFF),
                    ])
                return bytes
            }
            offset += 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        return nil
    }

    /// An 8×8 RGB PNG carrying a zTXt chunk that inflates to `inflatedBytes` zeros.
    static func pngWithTextBomb(inflatedBytes: Int) -> [UInt8] {
        smallPNG(extra: chunk("zTXt", Array("Comment".utf8) + [0, 0] + ZlibBomb.stream(zeroCount: inflatedBytes)))
    }

    /// An 8×8 RGB PNG carrying an iCCP chunk whose well-formed profile header says, truthfully, that the profile
    /// is `inflatedBytes` long.
    static func pngWithProfileBomb(inflatedBytes: Int) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 132)
        func put(_ bytes: [UInt8], at offset: Int) {
            header.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        put(bigEndian(UInt32(inflatedBytes)), at: 0)
        put([0x02, 0x10, 0, 0], at: 8)
        put(Array("mntrRGB XYZ ".utf8), at: 12)
        put(Array("acsp".utf8), at: 36)
        put([0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D], at: 68)
        let stream = ZlibBomb.stream(prefix: header, zeroCount: inflatedBytes - header.count)
        return smallPNG(extra: chunk("iCCP", Array("bomb".utf8) + [0, 0] + stream))
    }

    // MARK: - PNG pieces

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// An 8×8 RGB picture in stored deflate blocks, with `extra` before its IDAT.
    private static func smallPNG(extra: [UInt8]) -> [UInt8] {
        let side = 8
        var raw: [UInt8] = []
        for y in 0..<side {
            raw.append(0)  // filter: none
            for x in 0..<(side * 3) { raw.append(UInt8((x * 11 + y * 29) % 256)) }
        }
        let length = raw.count
        let complement = 0xFFFF - length
        var deflate: [UInt8] = [0x78, 0x01, 1, UInt8(length & 0xFF), UInt8(length >> 8)]
        deflate += [UInt8(complement & 0xFF), UInt8(complement >> 8)]
        deflate += raw
        deflate += bigEndian(ZlibBomb.adler32(raw, thenZeros: 0))
        let header = bigEndian(UInt32(side)) + bigEndian(UInt32(side)) + [8, 2, 0, 0, 0]
        return pngSignature + chunk("IHDR", header) + extra + chunk("IDAT", deflate) + chunk("IEND", [])
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] { ZlibBomb.bigEndian(value) }
}
