import Foundation
import TestSupport
import Testing

@testable import ImageIO

@Suite struct BorderTrimmingTests {
    static func photo() throws -> Image {
        try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
    }

    /// `image` inside a flat frame of `colour`, re-saved as JPEG so that the frame's edge rings as real ones do.
    static func framed(
        _ image: Image, left: Int, top: Int, right: Int, bottom: Int, colour: (UInt8, UInt8, UInt8),
        noise: Int = 0
    ) throws -> Image {
        let width = image.width + left + right
        let height = image.height + top + bottom
        var state: UInt32 = 12345
        let framed = Fixtures.image(width: width, height: height) { x, y in
            let inside = (left..<(left + image.width)).contains(x) && (top..<(top + image.height)).contains(y)
            if inside {
                let pixel = image.rgb(x: x - left, y: y - top)
                return [pixel.red, pixel.green, pixel.blue]
            }
            return [colour.0, colour.1, colour.2].map { value in
                guard noise > 0 else { return value }
                state = state &* 1_664_525 &+ 1_013_904_223
                let offset = Int(state >> 16) % (2 * noise + 1) - noise
                return UInt8(clamping: Int(value) + offset)
            }
        }
        var work = DecodeWork()
        return try ImageDecoder().decode(
            bytes: try JPEGEncoder.encode(framed, quality: 88), path: "framed.jpg", work: &work)
    }

    static func expectBox(
        _ box: (x: Int, y: Int, width: Int, height: Int), near expected: (Int, Int, Int, Int), slack: Int = 2,
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let found = [box.x, box.y, box.width, box.height]
        let wanted = [expected.0, expected.1, expected.2, expected.3]
        #expect(
            zip(found, wanted).allSatisfy { abs($0 - $1) <= slack },
            "\(what): content box \(found), expected \(wanted) ± \(slack)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(UInt8(0), UInt8(0), UInt8(0)), (255, 255, 255), (40, 160, 90)])
    func aFlatFrameAroundARealPhotoIsCutOff(colour: (UInt8, UInt8, UInt8)) throws {
        let photo = try Self.photo()
        let framed = try Self.framed(photo, left: 31, top: 12, right: 5, bottom: 40, colour: colour)
        Self.expectBox(
            BorderTrimming().contentBox(of: framed), near: (31, 12, photo.width, photo.height), "frame \(colour)")
    }

    @Test func letterboxBarsAndANoisyFrameAreCutOff() throws {
        let photo = try Self.photo()
        // 227×149 letterboxed into a 9:16 portrait: each bar is about a third of the height.
        let bar = (photo.width * 16 / 9 - photo.height) / 2
        let letterboxed = try Self.framed(photo, left: 0, top: bar, right: 0, bottom: bar, colour: (0, 0, 0))
        Self.expectBox(
            BorderTrimming().contentBox(of: letterboxed), near: (0, bar, photo.width, photo.height), "letterbox")
        let noisy = try Self.framed(photo, left: 20, top: 20, right: 20, bottom: 20, colour: (200, 200, 200), noise: 14)
        Self.expectBox(
            BorderTrimming().contentBox(of: noisy), near: (20, 20, photo.width, photo.height), slack: 3, "noisy frame")
    }

    @Test func aPhotoWithoutBordersKeepsEveryPixel() throws {
        let photo = try Self.photo()
        let box = BorderTrimming().contentBox(of: photo)
        Self.expectBox(box, near: (0, 0, photo.width, photo.height), slack: 0, "unframed photo")
        #expect(BorderTrimming().trimmed(photo) == photo)
    }

    /// Trimmed to their middle fifth, flat pictures and small drawings on empty canvases all looked alike to the
    /// network: distinct pictures scored as near-duplicates above almost every real pair.
    @Test func flatPicturesAndSmallDrawingsOnAnEmptyCanvasAreNotTrimmed() throws {
        let grey = Fixtures.image(width: 50, height: 30) { _, _ in [128, 128, 128] }
        #expect(BorderTrimming().trimmed(grey) == grey)
        let photo = try Self.photo()
        // The photo scaled into a 20-pixel square at (left, top) of a white 200×200 canvas.
        func drawing(left: Int, top: Int) -> Image {
            Fixtures.image(width: 200, height: 200) { x, y in
                guard (left..<(left + 20)).contains(x), (top..<(top + 20)).contains(y) else { return [255, 255, 255] }
                let pixel = photo.rgb(x: (x - left) * photo.width / 20, y: (y - top) * photo.height / 20)
                return [pixel.red, pixel.green, pixel.blue]
            }
        }
        Self.expectBox(
            BorderTrimming().contentBox(of: drawing(left: 90, top: 90)), near: (0, 0, 200, 200), slack: 0,
            "drawing on canvas")
        // Off the middle, the drawing keeps the sides that do not reach the limit trimmed.
        Self.expectBox(
            BorderTrimming().contentBox(of: drawing(left: 10, top: 10)), near: (10, 10, 110, 110), slack: 0,
            "drawing in a corner")
        let single = Fixtures.image(width: 1, height: 1) { _, _ in [9, 9, 9] }
        #expect(BorderTrimming().trimmed(single) == single)
    }

    @Test func aFramedCopyReachesTheNetworkAsItsOriginalDoes() throws {
        let photo = try Self.photo()
        let framed = try Self.framed(photo, left: 25, top: 25, right: 25, bottom: 25, colour: (255, 255, 255))
        let trimming = InputPreparation(side: 96, trimsBorders: true)
        let plain = InputPreparation(side: 96, trimsBorders: false)
        func difference(_ preparation: InputPreparation) -> Float {
            let first = NetworkInput.preprocess(photo, preparation: preparation)
            let second = NetworkInput.preprocess(framed, preparation: preparation)
            return zip(first, second).map { abs($0 - $1) }.reduce(0, +) / Float(first.count)
        }
        let trimmed = difference(trimming)
        let untrimmed = difference(plain)
        #expect(trimmed < 0.02, "framed copy differs from its original by \(trimmed) after trimming")
        #expect(untrimmed > 5 * trimmed, "the frame made little difference untrimmed (\(untrimmed)): a weak test")
    }
}
