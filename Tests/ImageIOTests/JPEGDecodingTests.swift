import Foundation
import ImageIO
import TestSupport
import Testing

struct JPEGDecodingTests {
    /// Encodings of one picture, and libjpeg's reference decode: baseline (testorig), baseline with the integer DCT
    /// (testimgint), arithmetic-coded (testimgari), and progressive (testorig rewritten by jpegtran).
    @Test func baselineProgressiveAndArithmeticAgreeWithTheReference() throws {
        let reference = try Fixtures.readPPM(TestData.path("jpeg/testorig.ppm"))
        let decoder = ImageDecoder()
        var work = DecodeWork()
        var encodings = try ["testorig.jpg", "testimgint.jpg", "testimgari.jpg"].map { name in
            (name, [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("jpeg/\(name)")))))
        }
        encodings.append(("progressive testorig.jpg", try Fixtures.progressiveTestorig()))
        for (name, bytes) in encodings {
            let image = try decoder.decode(bytes: bytes, path: name, work: &work)
            #expect(image.format == .jpeg)
            #expect(image.width == reference.width && image.height == reference.height, "\(name) has the wrong size")
            guard image.width == reference.width && image.height == reference.height else { continue }
            let difference = PixelDifference(image, reference)
            // djpeg's own output for testimgint and testimgari differs from testorig.ppm by up to 17.
            #expect(
                difference.mean < 1 && difference.maximum <= 24,
                "\(name) (\(difference.mean), \(difference.maximum)) differs from testorig.ppm: \(difference)")
        }
    }

    @Test func truncatedJPEGGivesAnErrorOrAPartialImageWithAWarning() throws {
        var partialImages = 0
        for name in ["testorig.jpg", "testimgint.jpg"] {
            let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("jpeg/\(name)"))))
            let cuts = [3, 20, 150, 400] + (1...6).map { whole.count * $0 / 7 }
            for cut in cuts {
                var work = DecodeWork()
                do {
                    let image = try ImageDecoder().decode(
                        bytes: Array(whole.prefix(cut)), path: "\(name)[..<\(cut)]", work: &work)
                    #expect(image.warningCount > 0, "\(name) cut at \(cut) bytes decoded without a warning")
                    partialImages += 1
                } catch {
                    #expect([.truncated, .corrupt].contains(error.code), "\(name) cut at \(cut): \(error)")
                }
            }
        }
        #expect(partialImages > 0, "no truncated JPEG gave a partial image")
    }

    @Test func dctScalingDecodesTheSmallestSufficientScaleWithLessWork() throws {
        // 1400x1000: 1/8 would give a 125 px short side, so at least 128 needs 2/8 → 350x250.
        let source = Fixtures.gradient(width: 1400, height: 1000)
        let bytes = try JPEGEncoder.encode(source, quality: 85)
        let decoder = ImageDecoder()
        var fullWork = DecodeWork()
        let full = try decoder.decode(bytes: bytes, path: "gradient.jpg", work: &fullWork)
        var scaledWork = DecodeWork()
        let scaled = try decoder.decode(bytes: bytes, path: "gradient.jpg", minimumShortSide: 128, work: &scaledWork)
        let numerator = (1...8).first { (1000 * $0 + 7) / 8 >= 128 }!
        #expect(scaled.width == (1400 * numerator + 7) / 8 && scaled.height == (1000 * numerator + 7) / 8)
        #expect(scaled.width == 350 && scaled.height == 250)
        #expect(scaled.originalWidth == 1400 && scaled.originalHeight == 1000)
        #expect(full.width == 1400 && full.height == 1000)
        #expect(
            scaledWork.decodedPixels * 8 < fullWork.decodedPixels,
            "scaled decode produced \(scaledWork.decodedPixels) pixels, full \(fullWork.decodedPixels)")
        #expect(scaledWork.pixelBufferBytes * 8 < fullWork.pixelBufferBytes)
        // The small picture is the big one, shrunk.
        let shrunk = full.resized(width: 350, height: 250, filter: .areaAverage)
        #expect(PixelDifference(scaled, shrunk).mean < 3)
    }

    @Test func encodeDecodeRoundTripAtQuality90StaysClose() throws {
        let source = Fixtures.gradient(width: 160, height: 120)
        let bytes = try JPEGEncoder.encode(source, quality: 90)
        #expect(ImageFormat(magicBytes: bytes) == .jpeg)
        var work = DecodeWork()
        let decoded = try ImageDecoder().decode(bytes: bytes, path: "roundtrip.jpg", work: &work)
        let difference = PixelDifference(decoded, source)
        #expect(difference.mean < 2 && difference.maximum <= 24, "quality 90 round trip: \(difference)")
        let lowQuality = try JPEGEncoder.encode(source, quality: 20)
        #expect(lowQuality.count < bytes.count, "quality 20 is not smaller than quality 90")
    }

    @Test func encoderRejectsQualityOutsideOneToHundred() {
        #expect(throws: JPEGEncodeError.self) {
            try JPEGEncoder.encode(Fixtures.gradient(width: 8, height: 8), quality: 0)
        }
    }

    @Test func twelveBitJPEGIsAClearError() {
        // libjpeg-turbo's 8-bit API cannot decode 12-bit precision; the error must say so.
        let path = TestData.path("jpeg/monkey12.jpg")
        #expect {
            _ = try ImageDecoder().decode(fileAt: path)
        } throws: { error in
            (error as? ImageDecodeError)?.code == .unsupported && "\(error)".contains(path)
                && "\(error)".contains("12-bit JPEG is not supported")
        }
    }
}

extension PixelDifference: CustomStringConvertible {
    var description: String { "mean \(String(format: "%.2f", mean)), maximum \(maximum)" }
}
