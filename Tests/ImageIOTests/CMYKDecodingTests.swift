import Foundation
import Testing

@testable import ImageIO

/// Four-component JPEGs written by libjpeg in each of the ways print workflows store ink, decoded to RGB.
struct CMYKDecodingTests {
    /// Ink amounts (0 = none, 255 = full) of the patches, one 16×16 block each, in a 4×2 grid.
    static let inks: [(cyan: Int, magenta: Int, yellow: Int, black: Int)] = [
        (0, 0, 0, 0), (0, 255, 255, 0), (255, 0, 255, 0), (255, 255, 0, 0),
        (0, 0, 0, 255), (0, 0, 0, 128), (51, 102, 153, 25), (200, 30, 90, 60),
    ]
    static let patch = 16
    static let columns = 4

    /// The usual naive conversion: each RGB channel is the light its ink and the black ink let through.
    static func expectedRGB(_ ink: (cyan: Int, magenta: Int, yellow: Int, black: Int)) -> [Int] {
        [ink.cyan, ink.magenta, ink.yellow].map { Int((Double((255 - $0) * (255 - ink.black)) / 255).rounded()) }
    }

    /// Interleaved samples of the patch grid; Adobe files store 255 − ink.
    static func samples(inverted: Bool) -> (samples: [UInt8], width: Int, height: Int) {
        let width = columns * patch
        let height = (inks.count / columns) * patch
        var samples: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let ink = inks[(y / patch) * columns + x / patch]
                for amount in [ink.cyan, ink.magenta, ink.yellow, ink.black] {
                    samples.append(UInt8(inverted ? 255 - amount : amount))
                }
            }
        }
        return (samples, width, height)
    }

    /// The transform flag of the file's Adobe APP14 marker (0 CMYK, 1 YCbCr, 2 YCCK), or nil without one.
    static func adobeTransform(in jpeg: [UInt8]) -> Int? {
        var offset = 2
        while offset + 4 <= jpeg.count, jpeg[offset] == 0xFF, jpeg[offset + 1] != 0xDA {
            let length = Int(jpeg[offset + 2]) << 8 | Int(jpeg[offset + 3])
            let payload = jpeg[(offset + 4)..<min(jpeg.count, offset + 2 + length)]
            if jpeg[offset + 1] == 0xEE, payload.count >= 12, payload.starts(with: Array("Adobe".utf8)) {
                return Int(payload[payload.startIndex + 11])
            }
            offset += 2 + length
        }
        return nil
    }

    @Test(
        arguments: [
            (CMYKStorage.adobeCMYK, 0), (CMYKStorage.adobeYCCK, 2), (CMYKStorage.plainCMYK, nil),
        ] as [(CMYKStorage, Int?)])
    func inkPatchesDecodeToTheirRGB(storage: CMYKStorage, adobeTransform: Int?) throws {
        let grid = Self.samples(inverted: storage != .plainCMYK)
        let jpeg = try JPEGEncoder.encode(
            cmyk: grid.samples, width: grid.width, height: grid.height, quality: 95, storage: storage)
        #expect(Self.adobeTransform(in: jpeg) == adobeTransform, "\(storage) was not written as intended")
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: jpeg, path: "\(storage).jpg", work: &work)
        #expect(image.width == grid.width && image.height == grid.height)
        for (index, ink) in Self.inks.enumerated() {
            let x = (index % Self.columns) * Self.patch + Self.patch / 2
            let y = (index / Self.columns) * Self.patch + Self.patch / 2
            let pixel = image.rgb(x: x, y: y)
            let got = [Int(pixel.red), Int(pixel.green), Int(pixel.blue)]
            let expected = Self.expectedRGB(ink)
            #expect(
                zip(got, expected).allSatisfy { abs($0 - $1) <= 6 },
                "\(storage) ink \(ink) showed as RGB \(got), expected \(expected)")
        }
    }
}
