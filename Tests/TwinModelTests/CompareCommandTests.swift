import Foundation
import ImageIO
import TestSupport
import Testing
import TwinModel

/// `twindup compare` as users run it, with the shipped model.
@Suite("twindup compare")
struct CompareCommandTests {
    let photo = TestData.path("jpeg/testorig.jpg")
    let reencoded = TestData.path("jpeg/testimgint.jpg")
    let monkey = TestData.path("jpeg/monkey16.png")

    @Test("a re-encoded copy is a near-duplicate, an unrelated photograph is distinct, in text and JSON")
    func verdicts() throws {
        let twindup = try BuiltExecutable(named: "twindup")
        let near = try twindup.run(["compare", photo, reencoded])
        #expect(near.status == 0, "\(near.standardError)")
        let nearWords = (near.outputLines.first ?? "").split(separator: " ").map(String.init)
        #expect(nearWords.first == "probability" && nearWords.last == "near-duplicate", "\(near.standardOutput)")
        let distinct = try twindup.run(["compare", photo, monkey])
        #expect(distinct.standardOutput.hasSuffix(" distinct\n"), "\(distinct.standardOutput)")
        #expect(distinct.outputLines.count == 1, "distinct pictures got a keep suggestion: \(distinct.standardOutput)")
        let json = try twindup.run(["compare", photo, reencoded, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.outputData) as? [String: Any])
        let probability = try #require(object["probability"] as? Double)
        let threshold = try #require(object["threshold"] as? Double)
        #expect(object["duplicate"] as? Bool == true)
        #expect(probability >= threshold && threshold > 0.5 && threshold < 1)
        // The threshold in force, exactly: not rounded to the probability's digits.
        let detector = try TwinDetector(contentsOf: try #require(TwinDetector.defaultModelPath()))
        #expect(threshold == detector.defaultThreshold)
        #expect(Set([object["keep"] as? String, object["delete"] as? String]) == [photo, reencoded], "\(object)")
        #expect(object["reason"] is String, "\(object)")
        // An explicit threshold above the pair's probability turns the verdict.
        let strict = try twindup.run(["compare", photo, monkey, "--threshold", "0.000001", "--format", "json"])
        let strictObject = try #require(try JSONSerialization.jsonObject(with: strict.outputData) as? [String: Any])
        #expect(strictObject["duplicate"] as? Bool == true)
    }

    @Test("for a near-duplicate, the larger picture is the one to keep, with the reason in words")
    func keepSuggestion() throws {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try ImageDecoder().decode(fileAt: photo)
        let small = folder.appendingPathComponent("small.jpg").path
        let smaller = image.resized(width: image.width * 3 / 4, height: image.height * 3 / 4, filter: .areaAverage)
        try Data(JPEGEncoder.encode(smaller, quality: 80)).write(to: URL(fileURLWithPath: small))
        let result = try BuiltExecutable(named: "twindup").run(["compare", small, photo, "--threshold", "0.5"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
            result.outputLines.last
                == "keep \(photo): larger resolution (\(image.width)×\(image.height) against "
                + "\(smaller.width)×\(smaller.height)); delete \(small)",
            "compare printed: \(result.standardOutput)")
    }

    @Test("a missing file is named, with a failing exit status")
    func missingFile() throws {
        let result = try BuiltExecutable(named: "twindup").run(["compare", photo, "/nonexistent/x.jpg"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("/nonexistent/x.jpg"), "\(result.standardError)")
    }
}
