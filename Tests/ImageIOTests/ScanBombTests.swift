import Foundation
import TestSupport
import Testing

@testable import ImageIO

/// A progressive JPEG made of thousands of scans re-walks its coefficients once per scan: it must be refused at
/// `DecodeLimits.maxProgressiveScans`, early, while ordinary progressive files still decode.
struct ScanBombTests {
    /// The finest progression libjpeg accepts: every component alone, every AC coefficient in its own band, and
    /// every coefficient sent one bit at a time from bit 9 down. 3 × 64 × 10 = 1920 scans.
    static let finestScript: [JPEGScan] = (0..<3).flatMap { component in
        (0..<64).flatMap { coefficient in
            [JPEGScan(components: [component], coefficients: coefficient...coefficient, highBit: 0, lowBit: 9)]
                + (1...9).reversed().map { bit in
                    JPEGScan(
                        components: [component], coefficients: coefficient...coefficient, highBit: bit,
                        lowBit: bit - 1)
                }
        }
    }

    static let source = Fixtures.gradient(width: 48, height: 32)
    static let bomb = Result { () throws(JPEGEncodeError) in
        try JPEGEncoder.encode(source, quality: 90, scans: finestScript)
    }

    @Test func thousandsOfScansAreRefusedAtTheLimit() throws {
        let bomb = try Self.bomb.get()
        let limit = DecodeLimits().maxProgressiveScans
        #expect(Self.finestScript.count > 3 * limit)
        var work = DecodeWork()
        #expect {
            _ = try ImageDecoder().decode(bytes: bomb, path: "scan-bomb.jpg", work: &work)
        } throws: { error in
            let error = error as? ImageDecodeError
            return error?.code == .tooLarge && error?.cause.contains("more than \(limit) progressive scans") == true
        }
        // Refused on the first scan past the limit, before any pixel buffer: the remaining scans cost nothing.
        #expect(work.scansRead == limit + 1, "read \(work.scansRead) of \(Self.finestScript.count) scans")
        #expect(work.pixelBufferBytes == 0)
    }

    @Test func theSameFileDecodesUnderAHigherLimit() throws {
        // Proves the refusal above is the limit's doing, not a broken file.
        let bomb = try Self.bomb.get()
        var work = DecodeWork()
        let decoder = ImageDecoder(limits: DecodeLimits(maxProgressiveScans: Self.finestScript.count))
        let image = try decoder.decode(bytes: bomb, path: "scan-bomb.jpg", work: &work)
        #expect(work.scansRead == Self.finestScript.count)
        #expect(image.warningCount == 0, "\(image.firstWarning ?? "")")
        let difference = PixelDifference(image, Self.source)
        #expect(difference.mean < 2, "the many-scan file decoded to a different picture: \(difference)")
    }

    @Test func ordinaryProgressiveJPEGDecodesUnderTheDefaultLimit() throws {
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: try Fixtures.progressiveTestorig(), path: "p.jpg", work: &work)
        let reference = try Fixtures.readPPM(TestData.path("jpeg/testorig.ppm"))
        #expect(image.width == reference.width && image.height == reference.height)
        #expect(work.scansRead > 1 && work.scansRead <= DecodeLimits().maxProgressiveScans, "\(work.scansRead) scans")
    }
}
