import Foundation
import ImageIO
import TestSupport
import Testing

struct ResizeTests {
    @Test func areaAverageOfBlocksGivesEachBlocksColour() {
        // 4x4 of 2x2 blocks: red, green / blue, gray.
        let blocks: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [90, 90, 90]]
        let image = Fixtures.image(width: 4, height: 4) { x, y in blocks[(y / 2) * 2 + x / 2] }
        let small = image.resized(width: 2, height: 2, filter: .areaAverage)
        #expect(small.pixels == blocks.flatMap { $0 })
    }

    @Test func areaAverageWeighsPartlyCoveredPixels() {
        // Three pixels into two: each output covers 1.5 source pixels.
        let image = Fixtures.image(width: 3, height: 1) { x, _ in [UInt8(x * 90), 0, 255] }
        let small = image.resized(width: 2, height: 1, filter: .areaAverage)
        #expect(small.rgb(x: 0, y: 0).red == 30)  // (0 + 90/2) / 1.5
        #expect(small.rgb(x: 1, y: 0).red == 150)  // (90/2 + 180) / 1.5
        #expect(small.rgb(x: 0, y: 0).blue == 255)
    }

    @Test func bilinearInterpolatesBetweenPixelCentres() {
        let image = Fixtures.image(width: 2, height: 1) { x, _ in [UInt8(x * 100), 50, 0] }
        let large = image.resized(width: 4, height: 1, filter: .bilinear)
        #expect((0..<4).map { large.rgb(x: $0, y: 0).red } == [0, 25, 75, 100])
        #expect((0..<4).allSatisfy { large.rgb(x: $0, y: 0).green == 50 })
    }

    @Test func networkInputIsPlanarUnitRangeOfTheWholePicture() {
        // Left half red, right half blue, 200x100: squashed (not cropped) into 8x8.
        let image = Fixtures.image(width: 200, height: 100) { x, _ in x < 100 ? [255, 0, 0] : [0, 0, 255] }
        let input = NetworkInput.preprocess(image, preparation: InputPreparation(side: 8, trimsBorders: false))
        #expect(input.count == 3 * 8 * 8)
        let red = Array(input[0..<64])
        let blue = Array(input[128..<192])
        func near(_ value: Float, _ expected: Float) -> Bool { abs(value - expected) < 1e-5 }
        #expect(near(red[0], 1) && near(red[7], 0) && near(blue[0], 0) && near(blue[7], 1), "halves misplaced")
        #expect(near(red[3], 1) && near(red[4], 0), "the picture was cropped or shifted instead of squashed")
        #expect(input.allSatisfy { (-1e-5...1.00001).contains($0) })
    }

    @Test func preprocessingAJPEGWithDCTScalingMatchesFullDecode() throws {
        let source = Fixtures.gradient(width: 1200, height: 900)
        let directory = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Fixtures.write(try JPEGEncoder.encode(source, quality: 90), named: "big.jpg", in: directory)
        let preparation = InputPreparation(side: 96, trimsBorders: true)
        let fast = try NetworkInput.preprocess(fileAt: path, preparation: preparation)
        let full = NetworkInput.preprocess(try ImageDecoder().decode(fileAt: path), preparation: preparation)
        let meanDifference = zip(fast, full).map { abs($0 - $1) }.reduce(0, +) / Float(fast.count)
        #expect(meanDifference < 0.01, "DCT-scaled preprocessing differs from full decode by \(meanDifference)")
    }
}
