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

        let (images, manifestPath) = try TestData.trainingFolder(in: URL(fileURLWithPath: fixture.path("data")))
        let result = try BuiltExecutable(named: "twindup").run([
            "train", "--data", images.path, "--manifest", manifestPath,
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
