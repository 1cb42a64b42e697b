import ImageIO
import TestSupport
import Testing

/// Limits are the caller's choice: the largest values mean "no limit", never a crash or a refused file.
struct DecodeLimitsTests {
    static let unlimited = DecodeLimits(
        maxPixels: .max, maxFileBytes: .max, maxProgressiveScans: .max, maxChunkBytes: .max)

    @Test(arguments: ["jpeg/testorig.jpg", "jpeg/testimgint.jpg", "png/pngsuite-full/basn2c08.png"])
    func largestLimitsDecodeAsTheDefaultsDo(file: String) throws {
        let path = TestData.path(file)
        let reference = try ImageDecoder().decode(fileAt: path)
        let image = try ImageDecoder(limits: Self.unlimited).decode(fileAt: path)
        #expect(image == reference, "\(file) decoded differently with the largest limits than with the defaults")
    }

    @Test func progressiveScanLimitAboveTheCIntRangeStillCountsScans() throws {
        // 2^31 scans is no limit in practice; as a C int it would be negative and refuse even a baseline file.
        let limits = DecodeLimits(maxProgressiveScans: Int(Int32.max) + 1)
        let image = try ImageDecoder(limits: limits).decode(fileAt: TestData.path("jpeg/testimgint.jpg"))
        #expect(image.width == 227 && image.height == 149, "testimgint.jpg decoded as \(image.width)x\(image.height)")
    }
}
