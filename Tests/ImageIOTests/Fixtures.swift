import Foundation
import ImageIO
import TestSupport

/// Images and file bytes built by the tests themselves.
enum Fixtures {
    /// A smooth, asymmetric colour pattern (so that JPEG round trips are near-lossless and flips are visible).
    static func gradient(width: Int, height: Int) -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 3
                pixels[index] = UInt8(x * 255 / max(1, width - 1))
                pixels[index + 1] = UInt8(y * 255 / max(1, height - 1))
                pixels[index + 2] = UInt8((x + y) * 127 / max(1, width + height - 2) + 64)
            }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    /// An image filled by `colour(x, y)`.
    static func image(width: Int, height: Int, colour: (Int, Int) -> [UInt8]) -> Image {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels += colour(x, y)
            }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    /// A TIFF structure holding one IFD with one entry: Orientation (0x0112, SHORT) = `orientation`.
    static func exifOrientation(_ orientation: Int, bigEndian: Bool) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] {
            bigEndian ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        func u32(_ value: Int) -> [UInt8] {
            bigEndian ? u16(value >> 16) + u16(value & 0xFFFF) : u16(value & 0xFFFF) + u16(value >> 16)
        }
        let header: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(8)
        let entry = u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        return header + u16(1) + entry + u32(0)
    }

    /// `jpeg` with an APP1 EXIF segment carrying `tiff` inserted after SOI and any JFIF APP0 segment.
    static func insertingExif(_ tiff: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        var insertAt = 2
        if jpeg[2] == 0xFF && jpeg[3] == 0xE0 {
            insertAt = 4 + (Int(jpeg[4]) << 8 | Int(jpeg[5]))
        }
        return Array(jpeg[..<insertAt]) + segment + Array(jpeg[insertAt...])
    }

    /// A PNG chunk with its length and CRC.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let length = UInt32(data.count)
        let lengthBytes = (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) }
        let crc = crc32(typeBytes + data)
        let crcBytes = (0..<4).map { UInt8(truncatingIfNeeded: crc >> (24 - 8 * $0)) }
        return lengthBytes + typeBytes + data + crcBytes
    }

    /// A PNG whose valid IHDR claims `width`×`height` 8-bit RGB, followed by a tiny IDAT and IEND.
    static func pngHeaderClaiming(width: UInt32, height: UInt32) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let header = be32(width) + be32(height) + [8, 2, 0, 0, 0]
        // zlib stream of one empty stored block: far too little data for the claimed size.
        let idat: [UInt8] = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01]
        return signature + pngChunk("IHDR", header) + pngChunk("IDAT", idat) + pngChunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    /// Reads a binary PPM (P6, maxval 255), the format of libjpeg-turbo's reference images.
    static func readPPM(_ path: String) throws -> Image {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var fields: [Int] = []
        var index = 2  // after "P6"
        while fields.count < 3 {
            while bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
            if bytes[index] == 0x23 {  // comment
                while bytes[index] != 0x0A { index += 1 }
                continue
            }
            var value = 0
            while (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            fields.append(value)
        }
        index += 1  // the single whitespace after maxval
        let (width, height) = (fields[0], fields[1])
        return Image(width: width, height: height, pixels: Array(bytes[index..<(index + width * height * 3)]))
    }

    static func write(_ bytes: [UInt8], named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}

/// Pixel differences between two images of the same size.
struct PixelDifference {
    let mean: Double
    let maximum: Int

    init(_ first: Image, _ second: Image) {
        precondition(first.width == second.width && first.height == second.height, "sizes differ")
        var total = 0
        var maximum = 0
        for (a, b) in zip(first.pixels, second.pixels) {
            let difference = abs(Int(a) - Int(b))
            total += difference
            maximum = max(maximum, difference)
        }
        self.mean = Double(total) / Double(first.pixels.count)
        self.maximum = maximum
    }
}

extension Fixtures {
    /// A complete PNG with `rows` of raw samples (filter byte 0 is added), compressed with stored deflate blocks
    /// so that the tests need no zlib. `colourType` 0 = gray, 2 = RGB; `extraChunks` go before IDAT.
    static func png(
        width: Int, height: Int, bitDepth: UInt8, colourType: UInt8, rows: [[UInt8]],
        extraChunks: [[UInt8]] = []
    ) -> [UInt8] {
        func be32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        let raw: [UInt8] = rows.flatMap { [UInt8(0)] + $0 }
        var deflate: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, raw.count - offset)
            let final: UInt8 = offset + count == raw.count ? 1 : 0
            let complement = 0xFFFF - count
            let blockHeader: [UInt8] = [
                final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(complement & 0xFF), UInt8(complement >> 8),
            ]
            deflate += blockHeader
            deflate += raw[offset..<(offset + count)]
            offset += count
        } while offset < raw.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        deflate += be32(Int((b << 16) | a))
        let header: [UInt8] = be32(width) + be32(height) + [bitDepth, colourType, 0, 0, 0]
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let chunks: [UInt8] = extraChunks.flatMap { $0 }
        return signature + pngChunk("IHDR", header) + chunks + pngChunk("IDAT", deflate) + pngChunk("IEND", [])
    }
}

extension Fixtures {
    /// testorig.jpg losslessly rewritten as a progressive JPEG by libjpeg-turbo's own jpegtran (libjpeg's standard
    /// progression: about ten scans). The shared test data has no progressive JPEG of its own.
    static func progressiveTestorig() throws -> [UInt8] {
        let jpegtran = try ChildProcess.program(named: "jpegtran")
        let result = try ChildProcess.run(
            jpegtran, ["-progressive", "-copy", "none", TestData.path("jpeg/testorig.jpg")])
        guard result.status == 0, !result.outputData.isEmpty else {
            throw ToolFailed(description: "jpegtran -progressive exited \(result.status): \(result.standardError)")
        }
        return [UInt8](result.outputData)
    }
}

/// A tool the tests use to make their inputs did not make them.
struct ToolFailed: Error, CustomStringConvertible {
    var description: String
}
