import Foundation
import ImageIO
import TestSupport
import Testing

/// Hostile and unusual PNGs: a decode error is fine, a crash, hang or huge allocation is not.
struct PNGRobustnessTests {
    static let hostile =
        TestData.files(in: "png/testpngs/crashers", withExtension: "png")
        + TestData.files(in: "png/testpngs/badpal", withExtension: "png")

    @Test func hostileFilesArePresent() {
        #expect(Self.hostile.count >= 25, "libpng's crashers/badpal not found under \(TestData.root.path)")
    }

    @Test(arguments: hostile)
    func hostileFileGivesAnErrorOrAnImage(path: String) {
        do {
            let image = try ImageDecoder().decode(fileAt: path)
            #expect(image.pixels.count == image.width * image.height * 3)
        } catch {
            #expect(error.description.hasPrefix(path), "the error does not name the file: \(error)")
            #expect(!error.cause.isEmpty)
        }
    }

    @Test func badCRCIsAnErrorNamingTheFileAndTheCRC() {
        let path = TestData.path("png/testpngs/crashers/badcrc.png")
        #expect {
            _ = try ImageDecoder().decode(fileAt: path)
        } throws: { error in
            let error = error as? ImageDecodeError
            return error?.code == .corrupt && error?.description.contains(path) == true
                && error?.cause.contains("CRC") == true
        }
    }

    @Test func headerClaiming60000SquareIsRefusedBeforeAllocation() throws {
        let directory = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Fixtures.write(
            Fixtures.pngHeaderClaiming(width: 60000, height: 60000), named: "bomb.png", in: directory)
        var work = DecodeWork()
        #expect {
            _ = try ImageDecoder().decode(fileAt: path, work: &work)
        } throws: { error in
            (error as? ImageDecodeError)?.code == .tooLarge && "\(error)".contains("60000x60000")
        }
        #expect(work.pixelBufferBytes == 0, "a pixel buffer of \(work.pixelBufferBytes) bytes was allocated")
    }

    @Test func pixelLimitIsConfigurable() throws {
        let rows = (0..<40).map { _ in [UInt8](repeating: 128, count: 40) }
        let bytes = Fixtures.png(width: 40, height: 40, bitDepth: 8, colourType: 0, rows: rows)
        var work = DecodeWork()
        let small = ImageDecoder(limits: DecodeLimits(maxPixels: 1000))
        #expect(throws: ImageDecodeError.self) { try small.decode(bytes: bytes, path: "40x40.png", work: &work) }
        let image = try ImageDecoder(limits: DecodeLimits(maxPixels: 1600)).decode(
            bytes: bytes, path: "40x40.png", work: &work)
        #expect(image.width == 40 && image.height == 40)
    }

    @Test func sixteenBitSamplesAreRoundedNotTruncated() throws {
        // 0x01FF is 1.99 in 8 bits and 0xFF00 is 254.0: truncation would give 1 and 255.
        let row: [UInt8] = [0x01, 0xFF, 0xFF, 0x00]
        let bytes = Fixtures.png(width: 2, height: 1, bitDepth: 16, colourType: 0, rows: [row])
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: bytes, path: "gray16.png", work: &work)
        #expect(image.rgb(x: 0, y: 0).red == 2)
        #expect(image.rgb(x: 1, y: 0).red == 254)
    }

    @Test func eightAndSixteenBitEncodingsOfOnePictureAreEqual() throws {
        let samples: [UInt8] = [0, 17, 128, 200, 255, 3]
        let eight = Fixtures.png(width: 2, height: 1, bitDepth: 8, colourType: 2, rows: [samples])
        let sixteen = Fixtures.png(
            width: 2, height: 1, bitDepth: 16, colourType: 2, rows: [samples.flatMap { [$0, $0] }])
        var work = DecodeWork()
        let decoder = ImageDecoder()
        #expect(
            try decoder.decode(bytes: eight, path: "8.png", work: &work).pixels
                == decoder.decode(bytes: sixteen, path: "16.png", work: &work).pixels)
    }

    @Test(arguments: [false, true])
    func pngExifOrientationIsApplied(bigEndian: Bool) throws {
        // Stored 2x1: red, blue. Orientation 6 (rotate 90° clockwise) shows it 1x2 with red on top.
        let exif = Fixtures.pngChunk("eXIf", Fixtures.exifOrientation(6, bigEndian: bigEndian))
        let bytes = Fixtures.png(
            width: 2, height: 1, bitDepth: 8, colourType: 2, rows: [[255, 0, 0, 0, 0, 255]], extraChunks: [exif])
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: bytes, path: "exif.png", work: &work)
        #expect(image.orientation == .rotated90Clockwise)
        #expect(image.width == 1 && image.height == 2)
        #expect(image.rgb(x: 0, y: 0) == (255, 0, 0) && image.rgb(x: 0, y: 1) == (0, 0, 255))
    }
}
