import Foundation
import ImageIO

/// Pictures made by the tests themselves.
enum MadePictures {
    /// `count` different small JPEG pictures: stripes of varying angle, frequency and colour.
    static func distinct(_ count: Int, side: Int = 64) throws -> [[UInt8]] {
        try (0..<count).map { number in
            let angle = Double(number) * 2.399963  // golden angle: directions never repeat
            let frequency = 0.05 + Double(number % 17) * 0.03
            let (dx, dy) = (cos(angle) * frequency, sin(angle) * frequency)
            var pixels = [UInt8](repeating: 0, count: side * side * 3)
            for y in 0..<side {
                for x in 0..<side {
                    let wave = sin(Double(x) * dx * 6.283 + Double(y) * dy * 6.283)
                    let index = (y * side + x) * 3
                    pixels[index] = UInt8(clamping: Int(127 + 120 * wave))
                    pixels[index + 1] = UInt8(clamping: (number * 37 + x * 2) % 256)
                    pixels[index + 2] = UInt8(clamping: Int(127 - 120 * wave) * ((number % 3) + 1) / 3)
                }
            }
            return try JPEGEncoder.encode(Image(width: side, height: side, pixels: pixels), quality: 90)
        }
    }

    /// The bytes of `path` with `tag` appended: a different file (another content hash) holding the same picture,
    /// since decoders ignore what follows a PNG's IEND or a JPEG's EOI.
    static func tagged(_ path: String, _ tag: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) + Array(tag.utf8)
    }
}
