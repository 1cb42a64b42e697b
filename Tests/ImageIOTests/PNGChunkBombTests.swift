import Foundation
import ImageIO
import TestSupport
import Testing

/// PNG ancillary chunks that store little and inflate to a lot: the picture must still decode (or be refused)
/// without libpng ever allocating more than `DecodeLimits.maxChunkBytes` for them.
struct PNGChunkBombTests {
    /// Four times the default chunk limit, stored in about 200 KB.
    static let inflatedBytes = 32 << 20
    static let width = 8
    static let rows: [[UInt8]] = (0..<8).map { y in (0..<(width * 3)).map { UInt8(($0 * 11 + y * 29) % 256) } }

    static func picture(with chunk: [UInt8]) -> [UInt8] {
        Fixtures.png(width: width, height: rows.count, bitDepth: 8, colourType: 2, rows: rows, extraChunks: [chunk])
    }

    /// zTXt: keyword, NUL, compression method 0, zlib data.
    static let textBomb = Fixtures.pngChunk(
        "zTXt", Array("Comment".utf8) + [0, 0] + ZlibBomb.stream(zeroCount: inflatedBytes))

    /// iCCP whose profile header is well formed and says, truthfully, that the profile is 32 MiB.
    static let profileBomb: [UInt8] = {
        var header = [UInt8](repeating: 0, count: 132)
        func put(_ bytes: [UInt8], at offset: Int) {
            header.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        put(ZlibBomb.bigEndian(UInt32(inflatedBytes)), at: 0)  // profile size
        put([0x02, 0x10, 0, 0], at: 8)  // version 2.1
        put(Array("mntrRGB XYZ ".utf8), at: 12)  // display profile, RGB data, XYZ connection space
        put(Array("acsp".utf8), at: 36)
        put([0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D], at: 68)  // D50 illuminant
        let stream = ZlibBomb.stream(prefix: header, zeroCount: inflatedBytes - header.count)
        return Fixtures.pngChunk("iCCP", Array("bomb".utf8) + [0, 0] + stream)
    }()

    func expectSkipped(_ chunkName: String, in bytes: [UInt8], warning: String) throws {
        var work = DecodeWork()
        let image = try ImageDecoder().decode(bytes: bytes, path: "\(chunkName)-bomb.png", work: &work)
        #expect(image.pixels == Self.rows.flatMap { $0 }, "the picture under a \(chunkName) bomb decoded wrongly")
        #expect(image.warningCount > 0, "a skipped \(chunkName) left no warning")
        #expect(
            image.firstWarning?.contains(warning) == true,
            "the warning does not say why \(chunkName) was skipped: \(image.firstWarning ?? "none")")
        let limit = DecodeLimits().maxChunkBytes
        #expect(
            work.largestCodecAllocation <= limit,
            "libpng allocated \(work.largestCodecAllocation) bytes at once for a \(chunkName) chunk (limit \(limit))")

        // The same file with the limit lifted costs a block of the inflated size: what the limit saves.
        let lifted = ImageDecoder(limits: DecodeLimits(maxChunkBytes: 2 * Self.inflatedBytes))
        _ = try lifted.decode(bytes: bytes, path: "\(chunkName)-bomb.png", work: &work)
        #expect(work.largestCodecAllocation >= Self.inflatedBytes, "without the limit: \(work.largestCodecAllocation)")
    }

    @Test func compressedTextThatInflatesPastTheLimitIsSkipped() throws {
        #expect(Self.textBomb.count < Self.inflatedBytes / 100, "the fixture is not a bomb: \(Self.textBomb.count)")
        try expectSkipped("zTXt", in: Self.picture(with: Self.textBomb), warning: "zTXt")
    }

    @Test func iccProfileClaimingMoreThanTheLimitIsSkipped() throws {
        try expectSkipped("iCCP", in: Self.picture(with: Self.profileBomb), warning: "exceeds application limits")
    }

    @Test func chunkStoringMoreThanTheLimitIsSkippedUnread() throws {
        // libpng reads every ancillary chunk it knows into a buffer of the stored size, whatever its limits.
        let limit = 64 << 10
        #expect(Self.textBomb.count > limit)
        var work = DecodeWork()
        let decoder = ImageDecoder(limits: DecodeLimits(maxChunkBytes: limit))
        let image = try decoder.decode(bytes: Self.picture(with: Self.textBomb), path: "big-zTXt.png", work: &work)
        #expect(image.pixels == Self.rows.flatMap { $0 })
        #expect(
            image.firstWarning?.contains("zTXt") == true
                && image.firstWarning?.contains("over the chunk limit") == true,
            "warning: \(image.firstWarning ?? "none")")
        #expect(work.largestCodecAllocation <= limit, "libpng allocated \(work.largestCodecAllocation) bytes at once")
    }
}
