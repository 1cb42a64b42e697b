@testable import ImageIO

/// JPEG seeds that the shared test pictures lack, made with twindup's own encoder: four-component files (every
/// CMYK storage), a progressive file, a scan bomb just past the limit, an EXIF-rotated file and a picture at the
/// fuzzing pixel limit (which the DCT-scaled decodes shrink). Without them the fuzzer would have to invent an
/// Adobe marker or a progressive scan script byte by byte, through a libjpeg it cannot see into.
enum JPEGSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let small = gradient(width: 16, height: 8)
        var seeds: [(name: String, bytes: [UInt8])] = []
        let cmykSamples = small.pixels.enumerated().flatMap { index, sample in
            index % 3 == 2 ? [sample, UInt8(index % 256)] : [sample]
        }
        for (name, storage) in [
            ("adobe-cmyk", CMYKStorage.adobeCMYK), ("adobe-ycck", .adobeYCCK), ("cmyk", .plainCMYK),
        ] {
            let jpeg = try JPEGEncoder.encode(cmyk: cmykSamples, width: 16, height: 8, quality: 90, storage: storage)
            seeds.append(("made-\(name).jpg", jpeg))
        }
        seeds.append(("made-progressive.jpg", try JPEGEncoder.encode(small, quality: 90, scans: standardProgression)))
        let bombScans = (0..<64).flatMap { coefficient in
            [JPEGScan(components: [0], coefficients: coefficient...coefficient, highBit: 0, lowBit: 9)]
                + (1...9).reversed().map {
                    JPEGScan(components: [0], coefficients: coefficient...coefficient, highBit: $0, lowBit: $0 - 1)
                }
        }
        seeds.append(("made-scan-bomb.jpg", try JPEGEncoder.encode(small, quality: 90, scans: bombScans + chromaScans)))
        let rotated = try JPEGEncoder.encode(small, quality: 90)
        seeds.append(("made-exif-rotated.jpg", withExif(orientation: 6, in: rotated)))
        seeds.append(("made-1024x1024.jpg", try JPEGEncoder.encode(gradient(width: 1024, height: 1024), quality: 20)))
        return seeds
    }

    /// libjpeg's own progression for YCbCr (jpeg_simple_progression): DC first, then AC in bands, then refinements.
    static let standardProgression: [JPEGScan] = [
        JPEGScan(components: [0, 1, 2], coefficients: 0...0, highBit: 0, lowBit: 1),
        JPEGScan(components: [0], coefficients: 1...5, highBit: 0, lowBit: 2),
        JPEGScan(components: [2], coefficients: 1...63, highBit: 0, lowBit: 1),
        JPEGScan(components: [1], coefficients: 1...63, highBit: 0, lowBit: 1),
        JPEGScan(components: [0], coefficients: 6...63, highBit: 0, lowBit: 2),
        JPEGScan(components: [0], coefficients: 1...63, highBit: 2, lowBit: 1),
        JPEGScan(components: [0, 1, 2], coefficients: 0...0, highBit: 1, lowBit: 0),
        JPEGScan(components: [2], coefficients: 1...63, highBit: 1, lowBit: 0),
        JPEGScan(components: [1], coefficients: 1...63, highBit: 1, lowBit: 0),
        JPEGScan(components: [0], coefficients: 1...63, highBit: 1, lowBit: 0),
    ]

    /// The chroma components' share of a complete progression, so that a script sending luma bit by bit is valid.
    static let chromaScans: [JPEGScan] = [1, 2].flatMap { component in
        [
            JPEGScan(components: [component], coefficients: 0...0, highBit: 0, lowBit: 0),
            JPEGScan(components: [component], coefficients: 1...63, highBit: 0, lowBit: 0),
        ]
    }

    static func gradient(width: Int, height: Int) -> Image {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), UInt8((x ^ y) & 0xFF),
                ]
            }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    /// `jpeg` with an APP1 segment holding a little-endian TIFF whose only entry is Orientation = `orientation`.
    static func withExif(orientation: UInt8, in jpeg: [UInt8]) -> [UInt8] {
        let tiff: [UInt8] = [
            0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0,
        ]
        let segment = Array("Exif".utf8) + [0, 0] + tiff
        let length = segment.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + segment + jpeg.dropFirst(2)
    }
}
