import Foundation
import TestSupport
import Testing

@testable import ImageIO

/// At 1/8 scale every 8×8 luma block becomes one pixel made from its DC coefficient alone (subsampled chroma: 2×2
/// from its four lowest coefficients), so a progressive JPEG is read only until those have arrived: the remaining
/// scans, most of the file, are skipped.
struct ProgressiveScalingTests {
    @Test func aProgressiveJPEGAtOneEighthStopsAfterItsLowFrequencyScansWithTheSamePicture() throws {
        let progressive = try Fixtures.progressiveTestorig()
        var fullWork = DecodeWork()
        _ = try ImageDecoder().decode(bytes: progressive, path: "p.jpg", work: &fullWork)

        // 227×149 at 1/8 is 29×19: a short side of 16 asks for exactly that scale.
        var scaledWork = DecodeWork()
        let scaled = try ImageDecoder().decode(
            bytes: progressive, path: "p.jpg", minimumShortSide: 16, work: &scaledWork)
        #expect(scaled.width == 29 && scaled.height == 19)
        #expect(
            scaledWork.scansRead < fullWork.scansRead,
            "read \(scaledWork.scansRead) of \(fullWork.scansRead) scans at 1/8 scale")
        #expect(scaled.warningCount == 0, "\(scaled.firstWarning ?? "")")

        // The baseline original at the same scale decodes every coefficient: the pictures must agree, up to the
        // lowest bit the first scans leave out (successive approximation): a grey level or two, mostly a slight
        // darkening, which the network's per-image standardisation takes out anyway.
        let baseline = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"), minimumShortSide: 16)
        let difference = PixelDifference(scaled, baseline)
        #expect(difference.mean < 2.5, "stopping early changed the 1/8-scale picture: \(difference)")
        // Stopping before the chroma coefficients would miss the colours by far more (6.4 grey levels on average).
    }

    /// A sequential JPEG may also come in several scans, one per component, each with every coefficient: it has
    /// no per-coefficient progress to stop on and is read to the end.
    @Test func aSequentialJPEGInSeveralScansIsReadWhole() throws {
        let source = Fixtures.gradient(width: 160, height: 96)
        let perComponent = (0..<3).map { JPEGScan(components: [$0], coefficients: 0...63, highBit: 0, lowBit: 0) }
        let bytes = try JPEGEncoder.encode(source, quality: 90, scans: perComponent)
        var work = DecodeWork()
        let scaled = try ImageDecoder().decode(bytes: bytes, path: "s.jpg", minimumShortSide: 8, work: &work)
        #expect(work.scansRead == 3)
        #expect(scaled.width == 20 && scaled.height == 12)
        let reference = source.resized(width: 20, height: 12, filter: .areaAverage)
        #expect(PixelDifference(scaled, reference).mean < 3)
    }

    @Test func largerScalesStillReadEveryScan() throws {
        let progressive = try Fixtures.progressiveTestorig()
        var fullWork = DecodeWork()
        _ = try ImageDecoder().decode(bytes: progressive, path: "p.jpg", work: &fullWork)
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: progressive, path: "p.jpg", minimumShortSide: 30, work: &work)
        #expect(image.height >= 30)
        #expect(work.scansRead == fullWork.scansRead)
    }
}
