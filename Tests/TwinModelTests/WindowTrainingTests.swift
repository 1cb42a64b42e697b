import Foundation
import ImageIO
import NeuralNet
import TestSupport
import Testing

@testable import TwinModel

/// Training for window matching: pairs of a grid window and a copy of about the same part, and fine-tuning from
/// the weights of an earlier model.
@Suite struct WindowTrainingTests {
    /// One view of a window pair is exactly one of the shipped grid's windows of the picture; the other keeps its
    /// shape within the jitter and, unless rescaled, its size. Pairs come at about the asked share.
    @Test func windowViewsPairAGridWindowWithACopyOfAboutTheSamePart() throws {
        let pictures = try Pictures.working()
        let sampler = PairSampler(pictures: pictures, windowViewShare: 0.5)
        var random = RandomSource(seed: 11)
        var (windowPairs, sameSize) = (0, 0)
        let draws = 240
        for draw in 0..<draws {
            let source = draw % pictures.images.count
            let picture = pictures.images[source]
            let rectangles = WindowMatching.shippedGrid.rectangles(width: picture.width, height: picture.height)
            let windows = rectangles.map { picture.cropped(x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
            let (first, second) = sampler.views(of: source, random: &random)
            let copy: Image
            if windows.contains(first) {
                copy = second
            } else if windows.contains(second) {
                copy = first
            } else {
                continue
            }
            windowPairs += 1
            let window = rectangles[0]
            let aspectRatio =
                (Double(copy.width) / Double(copy.height)) / (Double(window.width) / Double(window.height))
            #expect(
                aspectRatio > 0.85 / 1.15 - 0.05 && aspectRatio < 1.15 / 0.85 + 0.05,
                "a window's copy of \(copy.width)×\(copy.height) does not keep the shape of \(window.width)×\(window.height)"
            )
            func within(_ length: Int, _ windowLength: Int) -> Bool {
                Double(length) >= 0.85 * Double(windowLength) - 1 && Double(length) <= 1.15 * Double(windowLength) + 1
            }
            if within(copy.width, window.width) && within(copy.height, window.height) { sameSize += 1 }
        }
        #expect(windowPairs > draws * 2 / 5 && windowPairs < draws * 3 / 5, "\(windowPairs) window pairs in \(draws)")
        #expect(sameSize * 10 >= windowPairs * 8, "only \(sameSize) of \(windowPairs) copies kept the window's size")
    }

    /// Without window views the sampler draws exactly as before the option existed: the same random stream.
    @Test func noWindowViewsLeavesTheRandomStreamAlone() throws {
        let pictures = try Pictures.working()
        var withOption = RandomSource(seed: 3)
        var without = RandomSource(seed: 3)
        for source in 0..<pictures.images.count {
            let optioned = PairSampler(pictures: pictures, windowViewShare: 0).views(of: source, random: &withOption)
            let plain = PairSampler(pictures: pictures).views(of: source, random: &without)
            #expect(optioned.0 == plain.0 && optioned.1 == plain.1)
        }
        #expect(withOption.next() == without.next())
    }

    /// `twindup train --initial-weights` starts from the given model: after two steps at a tiny learning rate the
    /// weights are still the model's, and the written file names the model it started from. A file that is not a
    /// model is refused by name.
    @Test func trainingStartsFromTheWeightsOfAnEarlierModel() throws {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (images, manifestPath) = try TestData.trainingFolder(in: folder)
        let shipped = try #require(TwinDetector.defaultModelPath())
        let twindup = try BuiltExecutable(named: "twindup")
        func train(_ name: String, _ extra: [String]) throws -> (ProcessResult, String) {
            let out = folder.appendingPathComponent("\(name)/model.safetensors").path
            let result = try twindup.run(
                [
                    "train", "--data", images.path, "--manifest", manifestPath, "--out", out, "--steps", "2",
                    "--batch", "4", "--threads", "2", "--validate-every", "2", "--mine-every", "1000",
                    "--learning-rate", "0.000001", "--windows", "0", "--window-views", "0.5",
                ] + extra)
            return (result, out)
        }
        let (started, startedPath) = try train("started", ["--initial-weights", shipped])
        #expect(started.status == 0, "twindup train failed: \(started.standardError)\n\(started.standardOutput)")
        let shippedWeights = try SafeTensors(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: shipped))))
        let wholeID = try #require(shippedWeights.metadata["whole_model_id"])
        #expect(started.standardOutput.contains("starting from the weights of \(wholeID)"), "\(started.standardOutput)")
        let trained = try SafeTensors(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: startedPath))))
        let configuration = try TrainingConfiguration(json: try #require(trained.metadata["training_configuration"]))
        #expect(configuration.initialWeights == wholeID && configuration.windowViews == 0.5)
        let (fresh, freshPath) = try train("fresh", [])
        #expect(fresh.status == 0, "\(fresh.standardError)")
        let seeded = try SafeTensors(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: freshPath))))
        func meanDifference(_ first: SafeTensors, _ second: SafeTensors, _ name: String) throws -> Float {
            let (a, b) = (try #require(first.tensors[name]), try #require(second.tensors[name]))
            return zip(a.scalars, b.scalars).map { abs($0 - $1) }.reduce(0, +) / Float(a.scalars.count)
        }
        for name in ["stem.conv.weight", "block7.pointwise.weight", "embedding.weight"] {
            let kept = try meanDifference(trained, shippedWeights, name)
            let seededDifference = try meanDifference(seeded, shippedWeights, name)
            #expect(kept * 100 < seededDifference, "\(name): \(kept) from the model against \(seededDifference) seeded")
        }
        let notAModel = folder.appendingPathComponent("not-a-model.safetensors").path
        try "hello".write(toFile: notAModel, atomically: true, encoding: .utf8)
        let (refused, _) = try train("refused", ["--initial-weights", notAModel])
        #expect(refused.status != 0 && refused.standardError.contains(notAModel), "\(refused.standardError)")
    }
}
