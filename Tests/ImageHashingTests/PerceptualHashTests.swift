import ImageHashing
import Testing

@Suite struct PerceptualHashTests {
    @Test(arguments: PerceptualHash.Kind.allCases)
    func resizedCopyOfAPhotoStaysClose(kind: PerceptualHash.Kind) throws {
        let photo = try NetpbmFixture.luminance("jpeg/testorig.ppm")
        let smaller = photo.resampled(width: photo.width * 2 / 3, height: photo.height * 2 / 3)
        let distance = PerceptualHash.compute(kind, of: photo).distance(to: PerceptualHash.compute(kind, of: smaller))
        #expect(distance <= kind.bitCount / 16, "\(kind) calls a 2/3-size copy \(distance) bits away")
    }

    @Test(arguments: PerceptualHash.Kind.allCases)
    func differentPhotosAreFarApart(kind: PerceptualHash.Kind) throws {
        let first = try NetpbmFixture.luminance("jpeg/testorig.ppm")
        let second = try NetpbmFixture.luminance("jpeg/monkey16.pgm")
        let distance = PerceptualHash.compute(kind, of: first).distance(to: PerceptualHash.compute(kind, of: second))
        #expect(distance >= kind.bitCount / 4, "\(kind) calls two different photos only \(distance) bits apart")
    }

    @Test func differenceHashOfABrighteningRampIsAllOnes() {
        // Every pixel is brighter than its left neighbour, so every comparison bit is set.
        let ramp = LuminancePlane(width: 90, height: 40, values: (0..<3600).map { Float($0 % 90) })
        let hash = PerceptualHash.compute(.dHash, of: ramp)
        #expect(hash.words == [UInt64.max])
        let mirrored = LuminancePlane(width: 90, height: 40, values: (0..<3600).map { Float(89 - $0 % 90) })
        #expect(PerceptualHash.compute(.dHash, of: mirrored).words == [0])
    }

    @Test func areaResamplingPreservesMeanBrightness() throws {
        let photo = try NetpbmFixture.luminance("jpeg/testorig.ppm")
        let thumbnail = photo.resampled(width: 17, height: 11)
        let originalMean = photo.values.reduce(0, +) / Float(photo.values.count)
        let thumbnailMean = thumbnail.values.reduce(0, +) / Float(thumbnail.values.count)
        #expect(abs(originalMean - thumbnailMean) < 0.05, "mean \(originalMean) became \(thumbnailMean)")
    }
}
