import Foundation
import Testing
import TestSupport

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
        let nearWords = near.standardOutput.split(separator: " ").map(String.init)
        #expect(nearWords.first == "probability" && nearWords.last == "near-duplicate\n", "\(near.standardOutput)")
        let distinct = try twindup.run(["compare", photo, monkey])
        #expect(distinct.standardOutput.hasSuffix(" distinct\n"), "\(distinct.standardOutput)")
        let json = try twindup.run(["compare", photo, reencoded, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.outputData) as? [String: Any])
        let probability = try #require(object["probability"] as? Double)
        let threshold = try #require(object["threshold"] as? Double)
        #expect(object["duplicate"] as? Bool == true)
        #expect(probability >= threshold && threshold > 0.5 && threshold < 1)
        // An explicit threshold above the pair's probability turns the verdict.
        let strict = try twindup.run(["compare", photo, monkey, "--threshold", "0.000001", "--format", "json"])
        let strictObject = try #require(try JSONSerialization.jsonObject(with: strict.outputData) as? [String: Any])
        #expect(strictObject["duplicate"] as? Bool == true)
    }

    @Test("a missing file is named, with a failing exit status")
    func missingFile() throws {
        let result = try BuiltExecutable(named: "twindup").run(["compare", photo, "/nonexistent/x.jpg"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("/nonexistent/x.jpg"), "\(result.standardError)")
    }
}
