import Foundation
import ImageIO
import TestSupport
import Testing
import TwinModel

@testable import DuplicateIndex

/// `twindup train --feedback`: the dismissed pairs of a real index become hard negative pairs in training.
@Suite("train --feedback", .serialized)
struct FeedbackTests {
    @Test(
        "each dismissed pair yields its two pictures, found where their bytes are now; one with a picture gone is skipped"
    )
    func dismissedPairsBecomeNegativePairs() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/holiday-small.jpg")
        try fixture.write(fixture.monkey, to: "tree/monkey.png")
        try fixture.write(fixture.monkeySmall, to: "tree/monkey-small.jpg")
        _ = try fixture.scan()
        let store = fixture.index.store
        try store.dismiss(RawPath(fixture.path("tree/holiday.jpg")), RawPath(fixture.path("tree/holiday-small.jpg")))
        try store.dismiss(RawPath(fixture.path("tree/monkey.png")), RawPath(fixture.path("tree/monkey-small.jpg")))
        // The small photo moves (the index follows it); the small monkey is deleted.
        try FileManager.default.createDirectory(atPath: fixture.path("tree/moved"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: fixture.path("tree/holiday-small.jpg"), toPath: fixture.path("tree/moved/beach.jpg"))
        try FileManager.default.removeItem(atPath: fixture.path("tree/monkey-small.jpg"))
        _ = try fixture.scan()

        let loaded = try DismissedPairPictures.load(from: try IndexStore(existingAt: fixture.indexPath))
        try #require(loaded.feedback.pairs.count == 1, "expected the holiday pair only; skipped: \(loaded.skipped)")
        #expect(loaded.skipped.count == 1)
        #expect(
            loaded.skipped.first?.contains(fixture.path("tree/monkey-small.jpg") + " is gone") == true,
            "the warning did not name the deleted picture: \(loaded.skipped)")
        let decoder = ImageDecoder()
        let expected = FeedbackPairs.Pair(
            first: try decoder.decode(fileAt: fixture.path("tree/holiday.jpg"), minimumShortSide: 160),
            second: try decoder.decode(fileAt: fixture.path("tree/moved/beach.jpg"), minimumShortSide: 160), label: "")
        let pair = loaded.feedback.pairs[0]
        let found = [pair.first, pair.second]
        #expect(
            found == [expected.first, expected.second] || found == [expected.second, expected.first],
            "the negative pair's pictures are not the dismissed photo and its moved small copy")
    }

    @Test("a tiny training run consumes the dismissed pairs: its log counts them")
    func trainingRunConsumesFeedback() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/holiday-small.jpg")
        _ = try fixture.scan()
        try fixture.index.store.dismiss(
            RawPath(fixture.path("tree/holiday.jpg")), RawPath(fixture.path("tree/holiday-small.jpg")))

        // Seven small pictures, each its own group: four to train on, three to validate.
        let pictures = [
            "png/pngsuite-full/basn2c08.png", "png/pngsuite-full/basn3p08.png", "png/pngsuite-full/basn6a08.png",
            "png/pngsuite-full/f04n2c08.png", "png/pngsuite-full/s39n3p04.png", "png/pngsuite-full/tbbn3p08.png",
            "png/pngsuite-full/z09n2c08.png",
        ]
        var manifest = ["path\tsha256\twidth\theight\tpackage\tgroup\tsplit"]
        for (number, picture) in pictures.enumerated() {
            let name = "\(number).png"
            try fixture.write(try DismissalFixture.bytes(of: picture), to: "data/images/\(name)")
            let split = number < 4 ? "train" : "validation"
            manifest.append("\(name)\t\(String(repeating: "0", count: 64))\t32\t32\ttestdata\t\(number)\t\(split)")
        }
        try fixture.write(Array((manifest.joined(separator: "\n") + "\n").utf8), to: "data/manifest.tsv")
        let result = try BuiltExecutable(named: "twindup").run([
            "train", "--data", fixture.path("data/images"), "--manifest", fixture.path("data/manifest.tsv"),
            "--out", fixture.path("out/model.safetensors"), "--cache", fixture.path("out/cache"), "--steps", "2",
            "--batch", "4", "--threads", "2", "--checkpoint-every", "2", "--validate-every", "2", "--mine-every",
            "1000", "--feedback", fixture.indexPath,
        ])
        #expect(result.status == 0, "twindup train failed: \(result.standardError)\n\(result.standardOutput)")
        let log = result.standardOutput
        #expect(log.contains("read 1 dismissed pairs from \(fixture.indexPath)"), "\(log)")
        #expect(log.contains("feedback: 1 dismissed pairs as hard negatives, 1 per step"), "\(log)")
        let lastStep = try #require(
            result.outputLines.last { $0.contains(" step 2/2 ") }, "no progress line for the last step: \(log)")
        #expect(lastStep.hasSuffix("feedback pairs used 2"), "the log did not count the pairs used: \(lastStep)")
    }
}
