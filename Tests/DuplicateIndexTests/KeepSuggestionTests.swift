import Foundation
import Testing

@testable import DuplicateIndex

/// Which picture of a duplicate pair to keep: resolution, then bytes, then age, said in words.
@Suite struct KeepSuggestionTests {
    static let day: Int64 = 86_400 * 1_000_000_000
    /// 2024-03-01 00:00:00 UTC in nanoseconds.
    static let march = Int64(1_709_251_200) * 1_000_000_000

    func picture(
        _ name: String, _ width: Int, _ height: Int, bytes: Int64, modified: Int64 = march
    )
        -> KeepSuggestion.Picture
    {
        KeepSuggestion.Picture(
            path: RawPath("/srv/\(name)"), width: width, height: height, bytes: bytes, modificationTime: modified)
    }

    @Test func largerResolutionWinsOverBytesAndAge() {
        // The smaller picture is older and a larger file (saved at high quality): resolution still decides.
        let large = picture("large.jpg", 1024, 768, bytes: 200_000, modified: Self.march + Self.day)
        let small = picture("small.jpg", 512, 384, bytes: 300_000, modified: Self.march)
        for suggestion in [KeepSuggestion(large, small), KeepSuggestion(small, large)] {
            #expect(suggestion.keep == large && suggestion.delete == small)
            #expect(suggestion.reason == .largerResolution)
            #expect(suggestion.explanation == "larger resolution (1024×768 against 512×384)")
        }
    }

    @Test func atTheSameResolutionTheLargerFileWins() {
        let fine = picture("fine.jpg", 800, 600, bytes: 250_000, modified: Self.march + Self.day)
        let coarse = picture("coarse.jpg", 800, 600, bytes: 90_000, modified: Self.march)
        let suggestion = KeepSuggestion(coarse, fine)
        #expect(suggestion.keep == fine && suggestion.reason == .largerFile)
        #expect(
            suggestion.line
                == "keep /srv/fine.jpg: same resolution, larger file (less compression): 250000 against 90000 bytes; "
                + "delete /srv/coarse.jpg")
    }

    @Test func atTheSameResolutionAndSizeTheOlderFileWins() {
        let original = picture("original.png", 640, 480, bytes: 1000, modified: Self.march)
        let copy = picture("copy.png", 640, 480, bytes: 1000, modified: Self.march + Self.day)
        let suggestion = KeepSuggestion(copy, original)
        #expect(suggestion.keep == original && suggestion.reason == .older)
        #expect(
            suggestion.explanation
                == "same resolution and size, older (the original): modified 2024-03-01T00:00:00Z against "
                + "2024-03-02T00:00:00Z")
        // Within one second the times are shown to the nanosecond, so the words still show the difference.
        let close = picture("close.png", 640, 480, bytes: 1000, modified: Self.march + 5)
        #expect(
            KeepSuggestion(close, original).explanation.hasSuffix(
                "modified 2024-03-01T00:00:00.000000000Z against 2024-03-01T00:00:00.000000005Z"))
    }

    @Test func picturesAlikeInEverythingKeepTheFirstPathWhateverTheOrder() {
        let one = picture("a.jpg", 10, 10, bytes: 5)
        let other = picture("b.jpg", 10, 10, bytes: 5)
        #expect(KeepSuggestion(one, other) == KeepSuggestion(other, one))
        #expect(KeepSuggestion(other, one).keep == one && KeepSuggestion(one, other).reason == .alike)
    }

    @Test func anIndexedFileNeverDecodedHasNoFacts() {
        let file = IndexedFile(
            id: 1, path: RawPath("/srv/x.jpg"),
            identity: FileIdentity(device: 1, inode: 2, size: 3, modificationTime: 4),
            contentHash: [], width: nil, height: nil, embedding: nil, decodeError: "truncated", modelID: "m",
            addedAt: Date())
        #expect(KeepSuggestion.Picture(file) == nil)
        var decoded = file
        (decoded.width, decoded.height) = (30, 20)
        #expect(KeepSuggestion.Picture(decoded) == picture("x.jpg", 30, 20, bytes: 3, modified: 4))
    }
}
