import Foundation

/// Pictures that cost the reader far more than they weigh: headers claiming gigapixels, and PNG chunks that
/// inflate to hundreds of megabytes. Small copies of the ImageIO tests' generators (test targets cannot share
/// code), written by hand so that the tests need no zlib.
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
        smallPNG(extra: chunk("zTXt", Array("Comment".utf8) + [0, 0] + zlibZeros(inflatedBytes)))
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
        let stream = zlibZeros(inflatedBytes - header.count, prefix: header)
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
        deflate += bigEndian(adler32(raw, thenZeros: 0))
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

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
    }

    // MARK: - zlib

    /// A zlib stream of `prefix` then `zeroCount` zeros, in deflate's fixed Huffman codes: each 258-byte run of
    /// zeros costs 13 bits.
    private static func zlibZeros(_ zeroCount: Int, prefix: [UInt8] = []) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman codes
        for byte in prefix { bits.writeLiteral(Int(byte)) }
        var remaining = zeroCount
        if remaining > 0 {
            bits.writeLiteral(0)
            remaining -= 1
        }
        while remaining >= 258 {
            bits.writeHuffman(0xC5, count: 8)  // length code 285: 258 bytes
            bits.writeHuffman(0, count: 5)  // distance code 0: distance 1
            remaining -= 258
        }
        for _ in 0..<remaining { bits.writeLiteral(0) }
        bits.writeHuffman(0, count: 7)  // end of block
        return [0x78, 0x01] + bits.bytes + bigEndian(adler32(prefix, thenZeros: zeroCount))
    }

    private static func adler32(_ bytes: [UInt8], thenZeros zeroCount: Int) -> UInt32 {
        var a: UInt64 = 1
        var b: UInt64 = 0
        for byte in bytes {
            a = (a + UInt64(byte)) % 65521
            b = (b + a) % 65521
        }
        b = (b + a * UInt64(zeroCount % 65521)) % 65521
        return UInt32(b << 16 | a)
    }

    /// Deflate's bit order: values least significant bit first, Huffman codes most significant bit first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        private var bitCount = 0

        mutating func write(_ value: Int, count: Int) {
            for index in 0..<count {
                if bitCount % 8 == 0 { bytes.append(0) }
                if (value >> index) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
                bitCount += 1
            }
        }

        mutating func writeHuffman(_ code: Int, count: Int) {
            for index in stride(from: count - 1, through: 0, by: -1) { write((code >> index) & 1, count: 1) }
        }

        mutating func writeLiteral(_ value: Int) {
            if value < 144 {
                writeHuffman(0x30 + value, count: 8)
            } else {
                writeHuffman(0x190 + value - 144, count: 9)
            }
        }
    }
}
