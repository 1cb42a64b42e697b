import Foundation
import ImageIO
import NeuralNet
import TestSupport
import Testing
import TwinModel

/// Window matching as the model file carries it, and its calibration on validation pictures.
@Suite struct WindowMatchingTests {
    let weights: SafeTensors
    let path: String

    init() throws {
        path = try #require(TwinDetector.defaultModelPath(), "the shipped model is not installed beside the tests")
        weights = try SafeTensors(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    let matching = WindowMatching(perAxis: 2, side: 0.75, bias: 20, scale: 2, threshold: 0.9)

    @Test func theRadiusIsWhereTheProbabilityReachesTheThreshold() {
        for threshold in [0.5, 0.9, 0.999973] {
            let radius = matching.radius(threshold: threshold)
            #expect(abs(matching.probability(distance: radius) - threshold) < 1e-6)
            #expect(matching.probability(distance: radius * 1.01) < threshold)
            #expect(matching.probability(distance: radius * 0.99) > threshold)
        }
        // p = σ(20 − 2·d): one half at d = 10.
        #expect(abs(matching.radius(threshold: 0.5) - 10) < 1e-5)
    }

    @Test func aModelWithWindowMatchingHasItsOwnIdThresholdAndDecodeSide() throws {
        let whole = WindowCalibration.applying(nil, to: weights, result: nil)
        let wholeID = TwinDetector.modelID(for: weights, version: "1.0")
        #expect(whole.metadata["model_id"] == wholeID && whole.metadata[WindowMatching.metadataKey] == nil)
        let windowed = WindowCalibration.applying(matching, to: weights, result: nil)
        let detector = try TwinDetector(weights: windowed, source: "windowed")
        #expect(detector.windowMatching == matching)
        #expect(detector.defaultThreshold == 0.9)
        #expect(detector.modelID == matching.modelID(for: weights, version: "1.0") && detector.modelID != wholeID)
        #expect(detector.metadata["whole_model_id"] == wholeID)
        // Decoded large enough that a window of 0.75 still fills the network's input.
        #expect(detector.minimumDecodeSide == Int((Double(detector.inputSide) / 0.75).rounded(.up)))
        #expect(detector.radius(threshold: 0.5) == matching.radius(threshold: 0.5))
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        #expect(matching.grid.networkInputs(of: photo, preparation: detector.inputPreparation).count == 4)
        #expect(try detector.matchingEmbedding(of: photo).windows.count == 4)

        // Without windows: the whole-picture head's id, threshold and calibration, one pass per picture.
        let plain = try TwinDetector(weights: windowed, source: "windowed", usingWindows: false)
        #expect(plain.windowMatching == nil && plain.modelID == wholeID)
        #expect(plain.defaultThreshold == Double(weights.metadata["threshold"] ?? ""))
        #expect(try plain.matchingEmbedding(of: photo).windows.isEmpty)
        #expect(plain.minimumDecodeSide == plain.inputSide)

        // Taking the matching out again restores the whole-picture file's id.
        let restored = WindowCalibration.applying(nil, to: windowed, result: nil)
        #expect(restored.metadata["model_id"] == wholeID && restored.metadata["whole_model_id"] == nil)
        #expect(restored.metadata.keys.allSatisfy { !$0.hasPrefix(WindowMatching.metadataKey) })
    }

    /// Matching written before aligned windows existed reads as before (no aligned comparison) and keeps its
    /// metadata and id; with an aligned penalty the id is another, and a negative one is refused.
    @Test func theAlignedPenaltyIsOptionalAndPartOfTheId() throws {
        let before = #"{"bias":20,"penalty":1,"perAxis":2,"scale":2,"side":0.75,"threshold":0.9}"#
        let old = try #require(WindowMatching(metadataValue: before))
        #expect(old.alignedPenalty == nil && old.metadataValue == before)
        var aligned = old
        aligned.alignedPenalty = 0.75
        let reread = try #require(WindowMatching(metadataValue: aligned.metadataValue))
        #expect(reread == aligned && reread.alignedPenalty == 0.75)
        #expect(aligned.modelID(for: weights, version: "1.0") != old.modelID(for: weights, version: "1.0"))
        aligned.alignedPenalty = -1
        #expect(WindowMatching(metadataValue: aligned.metadataValue) == nil)
    }

    /// The content and mirror windows are left out of the metadata when off, so older files keep theirs and their
    /// id; when on, each is part of the id (the index stores one more window per picture).
    @Test func theContentAndMirrorWindowsAreOptionalAndPartOfTheId() throws {
        let before = #"{"alignedPenalty":0.75,"bias":20,"penalty":1,"perAxis":2,"scale":2,"side":0.75,"threshold":0.9}"#
        let old = try #require(WindowMatching(metadataValue: before))
        #expect(old.contentWindow == nil && old.grid.count == 4 && old.metadataValue == before)
        let explicitOff = before.replacingOccurrences(of: #""bias""#, with: #""contentWindow":false,"bias""#)
        #expect(try #require(WindowMatching(metadataValue: explicitOff)).metadataValue == before)
        var content = old
        content.contentWindow = true
        let reread = try #require(WindowMatching(metadataValue: content.metadataValue))
        #expect(reread == content && reread.grid.contentWindow && reread.grid.count == 5)
        #expect(content.modelID(for: weights, version: "1.0") != old.modelID(for: weights, version: "1.0"))
        let made = WindowMatching(
            perAxis: 2, side: 0.75, penalty: 1, contentWindow: false, bias: 20, scale: 2, threshold: 0.9)
        #expect(made.contentWindow == nil && made.mirrorWindow == nil)

        // The mirror window likewise: absent before, part of the id when on, an explicit false read as absent.
        #expect(old.mirrorWindow == nil && !old.grid.mirrorWindow)
        var mirror = content
        mirror.mirrorWindow = true
        let rereadMirror = try #require(WindowMatching(metadataValue: mirror.metadataValue))
        #expect(rereadMirror == mirror && rereadMirror.grid.mirrorWindow && rereadMirror.grid.count == 6)
        #expect(mirror.modelID(for: weights, version: "1.0") != content.modelID(for: weights, version: "1.0"))
        let mirrorOff = content.metadataValue.replacingOccurrences(of: "{", with: #"{"mirrorWindow":false,"#)
        #expect(try #require(WindowMatching(metadataValue: mirrorOff)).metadataValue == content.metadataValue)
    }

    @Test func theHashComparisonIsOptionalCheckedAndPartOfTheId() throws {
        let before = #"{"alignedPenalty":0.75,"bias":20,"penalty":1,"perAxis":2,"scale":2,"side":0.75,"threshold":0.9}"#
        let old = try #require(WindowMatching(metadataValue: before))
        #expect(old.hashComparison == nil && old.metadataValue == before)
        let made = WindowMatching(
            perAxis: 2, side: 0.75, penalty: 1, alignedPenalty: 0.75,
            hashComparison: HashComparison(offset: -0.5, scale: 0.1), bias: 20, scale: 2, threshold: 0.9)
        let reread = try #require(WindowMatching(metadataValue: made.metadataValue))
        #expect(reread == made && reread.hashComparison == HashComparison(offset: -0.5, scale: 0.1))
        #expect(made.modelID(for: weights, version: "1.0") != old.modelID(for: weights, version: "1.0"))
        // Half a comparison, or one whose distance would not grow with the bits, is refused.
        for broken in [#""hashOffset":1,"#, #""hashScale":0.1,"#, #""hashOffset":1,"hashScale":0,"#] {
            #expect(WindowMatching(metadataValue: before.replacingOccurrences(of: "{", with: "{" + broken)) == nil)
        }
    }

    /// A pair's closest distance takes the hashes' distance when that is the closer, and only with both hashes.
    @Test func theHashesDistanceIsOneMoreCandidateForTheClosest() throws {
        let whole = try TwinDetector(contentsOf: path, usingWindows: false)
        let original = try Pictures.image(Pictures.distinctFiles[0])
        var grey = [UInt8](repeating: 0, count: original.pixels.count)
        for index in stride(from: 0, to: grey.count, by: 3) {
            let red = 0.299 * Float(original.pixels[index])
            let green = 0.587 * Float(original.pixels[index + 1])
            let blue = 0.114 * Float(original.pixels[index + 2])
            let luma = UInt8((red + green + blue).rounded())
            (grey[index], grey[index + 1], grey[index + 2]) = (luma, luma, luma)
        }
        let greyed = Image(width: original.width, height: original.height, pixels: grey)
        let embedded = try whole.windowedEmbeddings(of: [original, greyed], windows: nil, hashes: true, threads: 1)
        let (first, second) = (embedded[0], embedded[1])
        let bits = try #require(first.hash).distance(to: try #require(second.hash))
        #expect(bits < 32, "greying a picture keeps its luminance hash, but it moved \(bits) bits")
        let network = WindowedEmbedding.closestDistance(first, second)
        #expect(network > 0)
        let comparison = HashComparison(offset: -1, scale: 0.01)
        let viaHashes = WindowedEmbedding.closestDistance(first, second, hashComparison: comparison)
        #expect(viaHashes == min(network, -1 + 0.01 * Float(bits)) && viaHashes < 0)
        var withoutHash = second
        withoutHash.hash = nil
        #expect(WindowedEmbedding.closestDistance(first, withoutHash, hashComparison: comparison) == network)
    }

    @Test func unreadableWindowMatchingIsRefusedByName() throws {
        var broken = weights
        broken.metadata[WindowMatching.metadataKey] = #"{"perAxis":3,"side":0.8,"bias":1,"scale":-1,"threshold":0.9}"#
        #expect {
            try TwinDetector(weights: broken, source: "broken.safetensors")
        } throws: { error in
            "\(error)".contains("broken.safetensors") && "\(error)".contains("window matching")
        }
    }

    @Test func calibrationOnValidationPicturesSeparatesThemAndPicksAThresholdThatHoldsThere() throws {
        let whole = try TwinDetector(contentsOf: path, usingWindows: false)
        let files = Array(Pictures.distinctFiles.prefix(4))
        let entries = files.enumerated().map { index, file in
            TrainingManifest.Entry(
                path: file, contentHash: String(repeating: "0", count: 64), width: 0, height: 0, package: "testdata",
                group: index, split: .validation)
        }
        let pictures = WorkingPictures(entries: entries, images: try files.map(Pictures.image))
        let grid = WindowGrid(perAxis: 2, side: 0.8)
        let result = try WindowCalibration.fit(
            detector: whole, validation: pictures, grid: grid, seed: 5, threads: 2)
        #expect(result.matching.perAxis == 2 && result.matching.side == 0.8)
        #expect(result.matching.scale > 0, "p must fall as the closest distance grows")
        // Every picture against one copy per edit kind of every picture.
        #expect(result.positives == 4 * EditKind.allCases.count)
        #expect(result.negatives == 4 * 3 * EditKind.allCases.count)
        #expect(result.averagePrecision > 0.5)
        // The default threshold keeps the target precision on the pairs it was chosen on.
        #expect(result.atThreshold.precision >= 0.99 || result.atThreshold.recall == 0)
        #expect(result.matching.threshold > 0 && result.matching.threshold < 1)
        // The same fit twice: the same numbers (seeded benchmark and sample).
        let again = try WindowCalibration.fit(detector: whole, validation: pictures, grid: grid, seed: 5, threads: 1)
        #expect(again.matching == result.matching)
    }
}
