import Foundation
import TestSupport
import Testing

@testable import DuplicateIndex

/// `twindup scan` as a user runs it, on real pictures in scratch folders, with the shipped model.
@Suite(.serialized) struct ScanTests {
    func scan(
        _ folder: URL, index: ImageIndex, threshold: Double = IndexFixtures.clearThreshold
    ) throws -> (ScanSummary, [[String: Any]]) {
        let reportURL = folder.appendingPathComponent("report-\(UUID().uuidString).jsonl")
        let summary = try index.scan(
            [folder.appendingPathComponent("tree").path], options: ScanOptions(threshold: threshold),
            report: try ReportLog(path: reportURL.path))
        return (summary, try IndexFixtures.reportLines(reportURL))
    }

    func openIndex(_ folder: URL) throws -> ImageIndex {
        try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: try IndexFixtures.detector())
    }

    @Test func exactCopiesAreReportedAsExactDuplicates() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent("photos/holiday.jpg"))
            try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent("backup/holiday copy.jpg"))
            try IndexFixtures.copy("jpeg/vgl_5674_0098.png", to: tree.appendingPathComponent("photos/other.png"))
            let index = try openIndex(folder)
            let (summary, lines) = try scan(folder, index: index)
            let exact = lines.filter { $0["event"] as? String == "exact_duplicate" }
            #expect(
                exact.count == 1, "the copy in backup/ would not have been reported as an exact duplicate: \(lines)")
            let pair = Set(exact.compactMap { [$0["path"] as? String, $0["match"] as? String] }.flatMap { $0 })
            #expect(pair == [tree.path + "/photos/holiday.jpg", tree.path + "/backup/holiday copy.jpg"])
            #expect(exact.first?["probability"] as? Double == 1)
            #expect(summary.decoded == 2, "the copy's bytes were known, so only two files needed decoding")
        }
    }

    /// Files read in parallel finish in any order; the copies are still the later files in path order, on every run.
    @Test func theFirstOfManyIdenticalFilesIsTheOriginalAndTheRestItsCopies() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            let names = (0..<24).map { String(format: "copy-%02d.jpg", $0) }
            for name in names {
                try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent(name))
            }
            let index = try openIndex(folder)
            var options = ScanOptions(threshold: IndexFixtures.clearThreshold)
            options.workers = 4
            let reportURL = folder.appendingPathComponent("report.jsonl")
            let summary = try index.scan([tree.path], options: options, report: try ReportLog(path: reportURL.path))
            let exact = try IndexFixtures.reportLines(reportURL).filter { $0["event"] as? String == "exact_duplicate" }
            let first = tree.appendingPathComponent(names[0]).path
            #expect(Set(exact.compactMap { $0["match"] as? String }) == [first], "copies matched \(exact)")
            #expect(
                exact.compactMap { $0["path"] as? String }.sorted()
                    == names.dropFirst().map { tree.appendingPathComponent($0).path })
            #expect(summary.decoded == 1)
        }
    }

    @Test func resizedCopyInAnotherFolderIsANearDuplicateAndUnrelatedPicturesAreNot() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            for (number, picture) in IndexFixtures.unrelated.enumerated() {
                try IndexFixtures.copy(
                    picture,
                    to: tree.appendingPathComponent("photos/\(number)-\((picture as NSString).lastPathComponent)"))
            }
            let original = tree.appendingPathComponent("photos/0-testorig.jpg").path
            let copy = tree.appendingPathComponent("drop/holiday-small.jpg")
            try IndexFixtures.writeResizedCopy(of: "jpeg/testorig.jpg", to: copy)
            let index = try openIndex(folder)
            let (summary, lines) = try scan(folder, index: index)
            #expect(summary.found == 4 && summary.decoded == 4)
            #expect(lines.count == 1, "expected one finding, the resized copy; the report had: \(lines)")
            let line = try #require(lines.first)
            #expect(line["event"] as? String == "near_duplicate")
            #expect(Set([line["path"] as? String, line["match"] as? String]) == [copy.path, original])
            let probability = try #require(line["probability"] as? Double)
            #expect(probability >= IndexFixtures.clearThreshold && probability <= 1)
            #expect(line["threshold"] as? Double == IndexFixtures.clearThreshold)
            #expect(line["model"] as? String == index.detector.modelID)
            let timestamp = try #require(line["ts"] as? String)
            #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "ts was \(timestamp)")
            #expect(Set(line.keys) == ["ts", "event", "path", "match", "probability", "threshold", "model"])
            let groups = try index.duplicateGroups(under: [RawPath(tree.path)], threshold: IndexFixtures.clearThreshold)
            #expect(groups == [[RawPath(copy.path), RawPath(original)]])
        }
    }

    @Test func rescanReadsOnlyWhatChanged() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            for (number, picture) in IndexFixtures.unrelated.enumerated() {
                try IndexFixtures.copy(
                    picture, to: tree.appendingPathComponent("\(number).\((picture as NSString).pathExtension)"))
            }
            let index = try openIndex(folder)
            let (first, _) = try scan(folder, index: index)
            #expect(first.decoded == 3)

            let (unchanged, _) = try scan(folder, index: index)
            #expect(unchanged.decoded == 0, "an unchanged folder was decoded again")
            #expect(unchanged.unchanged == 3)

            let touched = tree.appendingPathComponent("1.png").path
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: touched)
            try FileManager.default.removeItem(at: tree.appendingPathComponent("2.png"))
            let (second, _) = try scan(folder, index: index)
            #expect(second.decoded == 1 && second.changed == 1, "the touched file was not read again")
            #expect(second.removed == 1)
            let paths = Set(try index.store.storedStates().keys)
            #expect(paths == [RawPath(tree.path + "/0.jpg"), RawPath(touched)], "the deleted file stayed in the index")
            #expect(index.matrix.count == 2)
        }
    }

    @Test func corruptPicturesBecomeDecodeErrorsAndTheScanGoesOn() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            try Data("not a picture".utf8).write(to: tree.appendingPathComponent("a-fake.jpg"))
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: TestData.path("jpeg/testorig.jpg")))
            try jpeg.prefix(300).write(to: tree.appendingPathComponent("b-cut.jpg"))
            try IndexFixtures.copy("jpeg/vgl_5674_0098.png", to: tree.appendingPathComponent("c-good.png"))
            let index = try openIndex(folder)
            let (summary, lines) = try scan(folder, index: index)
            let errors = lines.filter { $0["event"] as? String == "decode_error" }
            let fake = try #require(errors.first { $0["path"] as? String == tree.path + "/a-fake.jpg" })
            #expect((fake["error"] as? String)?.hasPrefix("unknown format") == true, "error was \(fake)")
            let good = try #require(try index.store.storedStates()[RawPath(tree.path + "/c-good.png")])
            #expect(
                try index.store.file(id: good.id)?.embedding != nil,
                "the good picture after the bad ones was not indexed")
            #expect(summary.found == 3)
            let (again, againLines) = try scan(folder, index: index)
            #expect(again.decoded == 0 && againLines.isEmpty, "unchanged broken files were decoded and reported again")
        }
    }

    @Test func symbolicLinksAreNotFollowedAndOddNamesAreKept() throws {
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            let outside = folder.appendingPathComponent("outside")
            try IndexFixtures.copy("jpeg/testorig.jpg", to: outside.appendingPathComponent("secret.jpg"))
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                at: tree.appendingPathComponent("link"), withDestinationURL: outside)
            try FileManager.default.createSymbolicLink(
                at: tree.appendingPathComponent("loop"), withDestinationURL: tree)
            // A name that is not UTF-8 and holds a newline.
            let name = RawPath(tree.path).appending([0xFF, 0x0A] + Array("x.png".utf8))
            let source = try Data(contentsOf: URL(fileURLWithPath: TestData.path("jpeg/vgl_5674_0098.png")))
            let descriptor = name.withCString { open($0, O_WRONLY | O_CREAT, 0o644) }
            try #require(descriptor >= 0)
            _ = source.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            try IndexFixtures.copy("jpeg/vgl_5674_0098.png", to: tree.appendingPathComponent("same.png"))
            let index = try openIndex(folder)
            let (summary, lines) = try scan(folder, index: index)
            #expect(summary.found == 2, "the walk followed a symbolic link out of the tree or round a loop")
            #expect(Set(try index.store.storedStates().keys) == [name, RawPath(tree.path + "/same.png")])
            #expect(lines.count == 1, "the two identical pictures were not reported once: \(lines)")
            let exactNames = lines.compactMap { $0["path_bytes"] as? String ?? $0["match_bytes"] as? String }
            #expect(exactNames.compactMap { Data(base64Encoded: $0).map { [UInt8]($0) } } == [name.bytes])
        }
    }
}
