import Foundation
import ImageIO
import TestSupport
import Testing

/// `twindup review --html` as users run it: on an index built by a real scan of real pictures.
@Suite("twindup review")
struct ReviewCommandTests {
    /// The thumbnails embedded in a page, decoded.
    static func thumbnails(in page: String) throws -> [Image] {
        let marker = "data:image/jpeg;base64,"
        return try page.components(separatedBy: marker).dropFirst().map { tail in
            let payload = tail.prefix { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=" }
            let bytes = try #require(Data(base64Encoded: String(payload)), "a thumbnail is not valid base64")
            var work = DecodeWork()
            return try ImageDecoder().decode(bytes: [UInt8](bytes), path: "thumbnail", work: &work)
        }
    }

    /// The table rows of a page, in document order.
    static func rows(in page: String) -> [Substring] {
        page.components(separatedBy: "<tr data-probability=").dropFirst().map { $0.prefix { $0 != "\n" } }
    }

    /// What a page must show of a path: the whole path escaped for a plain name, telling fragments for the
    /// hostile and the non-UTF-8 names.
    static func fragment(of path: [UInt8]) -> String {
        let name = Array(path.split(separator: 0x2F).last ?? [])
        if name == ReviewFixture.hostileName { return "monkey &lt;script&gt;alert(1) &amp; &quot;second&quot;" }
        if name == ReviewFixture.invalidName { return "\\xFF\\xFE" }
        return String(decoding: path, as: UTF8.self).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    @Test("the page lists every pair with both paths escaped, and embeds each file's thumbnail once")
    func everyPairWithEscapedPathsAndOneThumbnailPerFile() throws {
        let fixture = try ReviewFixture.make()
        defer { fixture.removeAll() }
        let stored = try fixture.storedPairs()
        #expect(stored.contains { $0.exact }, "the scan found no exact duplicate of the copied photo")
        #expect(stored.contains { !$0.exact }, "the scan found no near duplicate")
        let (result, page) = try fixture.review()
        #expect(result.status == 0, "review failed: \(result.standardError)")
        let html = try #require(page, "no page was written")
        #expect(
            result.standardOutput.contains("wrote \(stored.count) pairs") && result.standardOutput.contains(".html"),
            "review said: \(result.standardOutput)")

        let rows = Self.rows(in: html)
        #expect(rows.count == stored.count, "the page shows \(rows.count) pairs; the index holds \(stored.count)")
        for pair in stored {
            let expected = pair.paths.map(Self.fragment)
            #expect(
                rows.contains { row in expected.allSatisfy(row.contains) && row.contains(pair.exact ? "exact" : "near")
                },
                "no row shows the pair \(expected)")
        }
        // Each pair says which file to keep and why; a near pair whose names can be typed carries its dismiss command.
        #expect(rows.allSatisfy { $0.contains("class=\"keep\">keep ") }, "a pair has no keep suggestion")
        #expect(
            html.contains("larger resolution (681×447 against 227×149)"),
            "the enlarged photo is not the one to keep over its original")
        for pair in stored {
            let typable =
                !pair.exact
                && pair.paths.allSatisfy { bytes in
                    String(validating: bytes, as: UTF8.self).map { !$0.contains("\n") } ?? false
                }
            let row = rows.first { row in pair.paths.map(Self.fragment).allSatisfy(row.contains) }
            #expect(
                row?.contains("class=\"dismiss\">twindup dismiss ") == typable,
                "dismiss command shown: \(!typable), for \(pair.paths.map(Self.fragment))")
        }
        // The hostile name is text, never markup; its newline is shown, not swallowed.
        #expect(!html.contains("<script>alert"), "a file name was pasted into the page as markup")
        #expect(html.components(separatedBy: "<script").count == 2, "the page holds more than its own script")
        #expect(html.contains("\\x0A</span>line &lt;b&gt;.png"), "the newline in a name is not shown")

        let files = Set(stored.flatMap(\.paths))
        let thumbnails = try Self.thumbnails(in: html)
        #expect(thumbnails.count == files.count, "\(thumbnails.count) embedded pictures for \(files.count) files")
        #expect(thumbnails.allSatisfy { max($0.width, $0.height) <= 240 }, "a thumbnail is over 240 pixels")
        #expect(
            thumbnails.contains { max($0.width, $0.height) == 240 },
            "the enlarged photo (681×447) was not shrunk to 240 pixels")
        for reference in ["http://", "https://", "src=\"/", "src='/", "url(/", "@import"] {
            #expect(!html.contains(reference), "the page refers to \(reference)…: it is not self-contained")
        }
    }

    @Test("--since keeps the pairs found since then; a future date gives the empty page; a bad date is refused")
    func sinceFiltersByWhenPairsWereFound() throws {
        let fixture = try ReviewFixture.make()
        defer { fixture.removeAll() }
        let stored = try fixture.storedPairs()

        let (recent, recentPage) = try fixture.review(["--since", "1h"], page: "recent.html")
        #expect(recent.status == 0, "\(recent.standardError)")
        #expect(Self.rows(in: recentPage ?? "").count == stored.count, "pairs found minutes ago were left out")

        let (future, futurePage) = try fixture.review(["--since", "2100-01-01T00:00:00Z"], page: "future.html")
        #expect(future.status == 0, "\(future.standardError)")
        let empty = try #require(futurePage)
        #expect(empty.hasPrefix("<!DOCTYPE html>") && empty.hasSuffix("</html>\n"), "the empty page is not whole")
        #expect(empty.contains("Nothing to review"), "the empty page does not say there is nothing to review")
        #expect(Self.rows(in: empty).isEmpty && !empty.contains("data:image"))
        #expect(empty.contains("2100-01-01 00:00:00 UTC"), "the page does not say which findings it left out")
        #expect(future.standardOutput.contains("wrote 0 pairs"), "\(future.standardOutput)")

        for bad in ["2026-02-30", "yesterday", "24x", "2026-11-28T25:00Z"] {
            let (refused, _) = try fixture.review(["--since", bad], page: "refused.html")
            #expect(refused.status != 0, "--since \(bad) was accepted")
            #expect(refused.standardError.contains("since"), "--since \(bad): \(refused.standardError)")
        }
    }

    @Test("a file gone or no longer a picture gets a placeholder naming the cause; the page is still written")
    func missingAndUndecodableFilesGetPlaceholders() throws {
        let fixture = try ReviewFixture.make()
        defer { fixture.removeAll() }
        let photos = fixture.pictures.appendingPathComponent("photos")
        try FileManager.default.removeItem(at: photos.appendingPathComponent("testorig.jpg"))
        try Data("not a picture any more".utf8).write(to: photos.appendingPathComponent(ReviewFixture.enlargedName))
        let (result, page) = try fixture.review()
        #expect(result.status == 0, "\(result.standardError)")
        let html = try #require(page)
        #expect(html.contains("gone: no file at this path any more"), "the deleted file has no placeholder")
        #expect(html.contains("does not decode: unknown format"), "the overwritten file has no placeholder")
        #expect(result.standardOutput.contains("2 files could not be shown"), "\(result.standardOutput)")
        let files = Set(try fixture.storedPairs().flatMap(\.paths))
        #expect(try Self.thumbnails(in: html).count == files.count - 2)
    }

    @Test("an empty index gives a page that says there is nothing to review; a missing one is an error")
    func emptyIndexSaysThereIsNothingToReview() throws {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("page.html")
        let index = folder.appendingPathComponent("index.sqlite").path
        let twindup = try BuiltExecutable(named: "twindup")
        let missing = try twindup.run(["review", "--html", page.path, "--index", index])
        #expect(missing.status != 0, "review of an index that does not exist wrote a page")
        #expect(missing.standardError.contains("no index at \(index)"), "\(missing.standardError)")
        #expect(!FileManager.default.fileExists(atPath: index), "review created an index")
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let scan = try twindup.run(["scan", empty.path, "--index", index])
        try #require(scan.status == 0, "scan of an empty folder failed: \(scan.standardError)")
        let result = try twindup.run(["review", "--html", page.path, "--index", index])
        #expect(result.status == 0, "\(result.standardError)")
        let html = String(decoding: try Data(contentsOf: page), as: UTF8.self)
        #expect(html.contains("Nothing to review") && html.hasSuffix("</html>\n"))
        #expect(result.standardOutput.contains("wrote 0 pairs"), "\(result.standardOutput)")
    }
}
