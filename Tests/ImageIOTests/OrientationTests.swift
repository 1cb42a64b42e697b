import Foundation
import ImageIO
import Testing

/// A camera stores pixels as the sensor saw them and records how to turn them upright in EXIF; the decoder must
/// hand out the upright picture.
struct OrientationTests {
    /// Upright picture: 64x32, quadrants red | green over blue | white.
    static let uprightWidth = 64
    static let uprightHeight = 32
    static func uprightColour(x: Int, y: Int) -> [UInt8] {
        switch (x < uprightWidth / 2, y < uprightHeight / 2) {
        case (true, true): [255, 0, 0]
        case (false, true): [0, 255, 0]
        case (true, false): [0, 0, 255]
        case (false, false): [255, 255, 255]
        }
    }

    /// The stored pixels a camera writes for `orientation`, from the EXIF definitions (where the stored 0th row
    /// and 0th column appear in the upright picture).
    static func stored(orientation: Int) -> Image {
        let (w, h) = (uprightWidth, uprightHeight)
        let swapped = orientation >= 5
        return Fixtures.image(width: swapped ? h : w, height: swapped ? w : h) { x, y in
            switch orientation {
            case 1: uprightColour(x: x, y: y)
            case 2: uprightColour(x: w - 1 - x, y: y)
            case 3: uprightColour(x: w - 1 - x, y: h - 1 - y)
            case 4: uprightColour(x: x, y: h - 1 - y)
            case 5: uprightColour(x: y, y: x)  // 0th row = left side, 0th column = top
            case 6: uprightColour(x: w - 1 - y, y: x)  // 0th row = right side, 0th column = top
            case 7: uprightColour(x: w - 1 - y, y: h - 1 - x)  // 0th row = right side, 0th column = bottom
            default: uprightColour(x: y, y: h - 1 - x)  // 8: 0th row = left side, 0th column = bottom
            }
        }
    }

    @Test(arguments: 1...8, [false, true])
    func jpegWithExifOrientationLandsUpright(orientation: Int, bigEndian: Bool) throws {
        let jpeg = try JPEGEncoder.encode(Self.stored(orientation: orientation), quality: 95)
        let bytes = Fixtures.insertingExif(Fixtures.exifOrientation(orientation, bigEndian: bigEndian), into: jpeg)
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: bytes, path: "orientation-\(orientation).jpg", work: &work)
        #expect(image.orientation.rawValue == orientation)
        #expect(image.width == Self.uprightWidth && image.height == Self.uprightHeight)
        #expect(image.originalWidth == Self.uprightWidth && image.originalHeight == Self.uprightHeight)
        guard image.width == Self.uprightWidth && image.height == Self.uprightHeight else { return }
        for (x, y) in [(16, 8), (48, 8), (16, 24), (48, 24)] {
            let expected = Self.uprightColour(x: x, y: y)
            let actual = image.rgb(x: x, y: y)
            let close = zip([actual.red, actual.green, actual.blue], expected).allSatisfy {
                abs(Int($0) - Int($1)) < 40
            }
            #expect(close, "orientation \(orientation): pixel (\(x), \(y)) is \(actual), expected \(expected)")
        }
    }

    @Test func malformedExifIsIgnoredNotTrusted() {
        let valid = Fixtures.exifOrientation(6, bigEndian: false)
        #expect(ExifParser.orientation(in: valid) == .rotated90Clockwise)
        #expect(ExifParser.orientation(in: Fixtures.exifOrientation(9, bigEndian: true)) == nil)
        // Every truncation that cuts into the orientation entry (header 8, count 2, entry up to its 2-byte value 10), and IFD
        // offsets pointing anywhere, stay in bounds.
        for length in 0..<20 {
            #expect(ExifParser.orientation(in: valid.prefix(length)) == nil)
        }
        for offset: UInt8 in [0, 7, 25, 200, 255] {
            var broken = valid
            broken[4] = offset
            broken[7] = offset
            _ = ExifParser.orientation(in: broken)
        }
        #expect(ExifParser.orientation(in: Array("Exif".utf8) + [0, 0] + valid) == .rotated90Clockwise)
    }
}
