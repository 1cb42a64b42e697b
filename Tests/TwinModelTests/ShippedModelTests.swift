import Foundation
import ImageIO
import NeuralNet
import TestSupport
import Testing
import TwinModel

@Suite struct ShippedModelTests {
    let detector: TwinDetector

    init() throws {
        let path = try #require(TwinDetector.defaultModelPath(), "the shipped model is not installed beside the tests")
        detector = try TwinDetector(contentsOf: path)
    }

    @Test func metadataDescribesTheModel() throws {
        // The standard network on a 112×112 view (`twindup train --input-side 112`).
        #expect(detector.inputSide == TrainingConfiguration.shippedInputSide)
        var shippedArchitecture = TwinNetwork.Architecture.standard
        shippedArchitecture.inputSide = 112
        #expect(detector.inputSide == 112 && detector.metadata["input_side"] == "112")
        #expect(detector.architecture == shippedArchitecture)
        #expect(detector.metadata["head"] == "constrained")
        #expect(detector.defaultThreshold > 0.5 && detector.defaultThreshold < 1)
        #expect(detector.modelID.hasPrefix("twindup-1.0+") && detector.modelID.count == "twindup-1.0+".count + 12)
        #expect(detector.metadata["data_manifest_sha256"]?.count == 64)
        // The shipped model matches a 3×3 grid of windows of 0.8 side, with its own calibration and threshold.
        let matching = try #require(detector.windowMatching)
        #expect(matching.perAxis == 3 && matching.side == 0.8 && matching.scale > 0)
        // Windows also meet the other picture's window at the same place, at the penalties chosen on validation.
        #expect(matching.penalty == WindowMatching.shippedPenalty)
        #expect(matching.alignedPenalty == WindowMatching.shippedAlignedPenalty)
        #expect(detector.defaultThreshold == matching.threshold)
        // Two windows beyond the grid: the picture inside its uniform borders, and its mirror image.
        #expect(matching.contentWindow == true && matching.mirrorWindow == true)
        #expect(matching.grid == WindowMatching.shippedGrid && matching.grid.count == 11)
        // The id is the hash of the tensors and the window matching: a file whose weights or matching were changed
        // would not carry it. The whole-picture id is the tensors' alone.
        let path = try #require(TwinDetector.defaultModelPath())
        let weights = try SafeTensors(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(matching.modelID(for: weights, version: "1.0") == detector.modelID)
        #expect(detector.metadata["whole_model_id"] == TwinDetector.modelID(for: weights, version: "1.0"))
    }

    func probability(_ first: Image, _ second: Image) throws -> Double {
        let preparation = detector.inputPreparation
        let rows = try detector.embed(inputs: [
            NetworkInput.preprocess(first, preparation: preparation),
            NetworkInput.preprocess(second, preparation: preparation),
        ])
        return detector.probability(rows[0], rows[1])
    }

    @Test func resizedRecompressedCopyOfARealPhotoIsANearDuplicate() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let smaller = photo.resized(width: photo.width * 3 / 5, height: photo.height * 3 / 5, filter: .areaAverage)
        var work = DecodeWork()
        let copy = try ImageDecoder().decode(
            bytes: JPEGEncoder.encode(smaller, quality: 60), path: "copy.jpg", work: &work)
        let p = try probability(photo, copy)
        #expect(p >= detector.defaultThreshold, "a 60% re-encoded copy scored \(p) < \(detector.defaultThreshold)")
    }

    @Test func unrelatedPhotosAreDistinct() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let other = try ImageDecoder().decode(fileAt: TestData.path("jpeg/vgl_5674_0098.png"))
        let p = try probability(photo, other)
        #expect(p < detector.defaultThreshold, "two unrelated photos scored \(p) ≥ \(detector.defaultThreshold)")
    }

    func windowed(_ image: Image, grid: WindowGrid) throws -> WindowedEmbedding {
        try detector.windowedEmbeddings(of: [image], windows: grid, threads: 1)[0]
    }

    @Test func windowsMatchAHalfCropToThePartOfTheOriginalItShows() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let other = try ImageDecoder().decode(fileAt: TestData.path("jpeg/vgl_5674_0098.png"))
        // The top-left 75% of each side: 56% of the picture, inside the top-left window of a 3×3 grid of 0.8.
        let halfCrop = photo.cropped(x: 0, y: 0, width: photo.width * 3 / 4, height: photo.height * 3 / 4)
        let grid = WindowGrid(perAxis: 3, side: 0.8)
        let original = try windowed(photo, grid: grid)
        let crop = try windowed(halfCrop, grid: grid)
        let wholeDistance = WindowedEmbedding.closestDistance(
            WindowedEmbedding(whole: original.whole, windows: []), WindowedEmbedding(whole: crop.whole, windows: []))
        let windowedDistance = WindowedEmbedding.closestDistance(original, crop)
        #expect(windowedDistance < wholeDistance, "no window of the original came closer to its half crop")
        let p = detector.probability(distance: windowedDistance)
        #expect(p >= detector.defaultThreshold, "the half crop scored \(p) with windows")
        let unrelated = detector.probability(
            distance: WindowedEmbedding.closestDistance(try windowed(other, grid: grid), crop))
        #expect(unrelated < detector.defaultThreshold, "an unrelated photo scored \(unrelated) with windows")
    }

    /// Letterboxed into portrait, a landscape photo fills a third of the frame: the whole pictures are far apart,
    /// and the content window is what finds the copy.
    @Test func theContentWindowMatchesALetterboxedCopyToItsOriginal() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let other = try ImageDecoder().decode(fileAt: TestData.path("jpeg/vgl_5674_0098.png"))
        let picture = Image(width: photo.width, height: photo.height, pixels: photo.pixels)
        let bars = (photo.width * 16 / 9 - photo.height) / 2
        let letterboxed = WindowGridTests.framed(
            picture, left: 0, right: 0, top: bars, bottom: bars, colour: (0, 0, 0))
        let grid = try #require(detector.windowMatching).grid
        var withoutContent = grid
        withoutContent.contentWindow = false
        let original = try windowed(photo, grid: grid)
        let copy = try windowed(letterboxed, grid: grid)
        let withContent = detector.closestDistance(original, copy)
        let gridOnly = detector.closestDistance(
            try windowed(photo, grid: withoutContent), try windowed(letterboxed, grid: withoutContent))
        #expect(withContent < gridOnly, "the content window did not bring the letterboxed copy closer")
        let p = detector.probability(distance: withContent)
        #expect(p >= detector.defaultThreshold, "the letterboxed copy scored \(p)")
        // An unrelated photo, letterboxed the same way, is still distinct.
        let unrelated = detector.probability(distance: detector.closestDistance(try windowed(other, grid: grid), copy))
        #expect(unrelated < detector.defaultThreshold, "an unrelated photo scored \(unrelated)")
    }

    /// The network sees left and right; the mirror window brings a flipped copy as close as an unflipped one.
    @Test func theMirrorWindowMatchesAFlippedCopyToItsOriginal() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let other = try ImageDecoder().decode(fileAt: TestData.path("jpeg/vgl_5674_0098.png"))
        let matching = try #require(detector.windowMatching)
        var withoutMirror = matching.grid
        withoutMirror.mirrorWindow = false
        func distance(_ first: Image, _ second: Image, grid: WindowGrid) throws -> Float {
            detector.closestDistance(try windowed(first, grid: grid), try windowed(second, grid: grid))
        }
        let flipped = photo.mirrored()
        let withMirror = try distance(photo, flipped, grid: matching.grid)
        #expect(withMirror < (try distance(photo, flipped, grid: withoutMirror)), "the mirror window did not help")
        let p = detector.probability(distance: withMirror)
        #expect(p >= detector.defaultThreshold, "the mirrored copy scored \(p)")
        let unrelated = detector.probability(distance: try distance(other, flipped, grid: matching.grid))
        #expect(unrelated < detector.defaultThreshold, "an unrelated photo scored \(unrelated)")
    }

    @Test func theTowerReadsInputsOfAnotherSide() throws {
        // Windows can be embedded at a smaller side than the model's; the embedding keeps its width.
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let preparation = InputPreparation(side: 64, trimsBorders: false)
        let rows = try detector.embed(inputs: [NetworkInput.preprocess(photo, preparation: preparation)], side: 64)
        let full = try detector.embed(photo)
        #expect(rows.count == 1 && rows[0].count == full.count)
        #expect(rows[0].allSatisfy(\.isFinite) && rows[0] != full)
    }

    @Test func aFileThatIsNotAModelIsRefusedByName() throws {
        let directory = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("weights.safetensors").path
        try SafeTensors(tensors: ["x": Tensor(zeros: [2])], metadata: ["format": "other"]).write(
            to: URL(fileURLWithPath: path))
        #expect {
            try TwinDetector(contentsOf: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("format")
        }
    }
}
