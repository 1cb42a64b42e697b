import Foundation
import GRDB
import ImageIO
import TestSupport
import Testing
import TwinModel

@testable import DuplicateIndex

/// The index with window matching, as the shipped model does it: a crop keeping half the picture is found against
/// its original whichever of the two was indexed first, and the windows are stored, reloaded and copied.
@Suite(.serialized) struct WindowIndexTests {
    /// The top-left 75% of each side of testorig.jpg (56% of the area), saved again as JPEG.
    static func writeHalfCrop(to destination: URL) throws {
        let image = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let crop = image.cropped(x: 0, y: 0, width: image.width * 3 / 4, height: image.height * 3 / 4)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(JPEGEncoder.encode(crop, quality: 90)).write(to: destination)
    }

    /// The path of an index in `folder` that `detector` scanned one photo into (its tree: `folder/tree`).
    static func indexOfOnePhoto(in folder: URL, detector: TwinDetector) throws -> String {
        let tree = folder.appendingPathComponent("tree")
        try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent("a.jpg"))
        let indexPath = folder.appendingPathComponent("index.sqlite").path
        _ = try ImageIndex(path: indexPath, detector: detector).scan(
            [tree.path], options: ScanOptions(threshold: detector.defaultThreshold))
        return indexPath
    }

    func scan(_ tree: URL, index: ImageIndex, reportURL: URL) throws -> [[String: Any]] {
        _ = try index.scan(
            [tree.path], options: ScanOptions(threshold: index.detector.defaultThreshold),
            report: try ReportLog(path: reportURL.path))
        return try IndexFixtures.reportLines(reportURL).filter { $0["event"] as? String == "near_duplicate" }
    }

    /// Copies the whole picture cannot find, each through its own window.
    enum WholeCopyEdit: String, Sendable, CaseIterable {
        /// Into portrait with black bars, two thirds of its height: the content window.
        case letterboxed
        /// Flipped left to right: the mirror window.
        case mirrored

        func apply(to image: Image) -> Image {
            switch self {
            case .letterboxed:
                let height = image.width * 16 / 9
                let top = (height - image.height) / 2
                var pixels = [UInt8](repeating: 0, count: image.width * height * 3)
                pixels.replaceSubrange(
                    (top * image.width * 3)..<((top + image.height) * image.width * 3), with: image.pixels)
                return Image(width: image.width, height: height, pixels: pixels)
            case .mirrored:
                return image.mirrored()
            }
        }
    }

    /// A letterboxed or mirrored copy is found against its original whichever of the two the scan meets first
    /// (files are scanned in name order), and an unrelated photo stays apart.
    @Test(arguments: WholeCopyEdit.allCases, [true, false])
    func aLetterboxedOrMirroredCopyIsFoundAgainstItsOriginal(edit: WholeCopyEdit, copyFirst: Bool) throws {
        let detector = try IndexFixtures.detector()
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
            let image = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
            let copy = tree.appendingPathComponent(copyFirst ? "a-\(edit).jpg" : "b-\(edit).jpg")
            try Data(JPEGEncoder.encode(edit.apply(to: image), quality: 90)).write(to: copy)
            let original = tree.appendingPathComponent(copyFirst ? "b-original.jpg" : "a-original.jpg")
            try IndexFixtures.copy("jpeg/testorig.jpg", to: original)
            try IndexFixtures.copy("jpeg/vgl_5674_0098.png", to: tree.appendingPathComponent("c-other.png"))
            let index = try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: detector)
            let findings = try scan(tree, index: index, reportURL: folder.appendingPathComponent("report.jsonl"))
            #expect(findings.count == 1, "expected the \(edit) copy against its original: \(findings)")
            let finding = try #require(findings.first)
            #expect(Set([finding["path"] as? String, finding["match"] as? String]) == [copy.path, original.path])
            // Only a picture with a frame searches its content window (the others' repeats their whole), opened
            // again as in the scan.
            if let place = index.contentPlace {
                let copyID = try #require(try index.store.storedStates(under: [RawPath(copy.path)]).first?.value.id)
                let expected: [Int64] = edit == .letterboxed ? [copyID] : []
                let reopened = try ImageIndex(path: index.store.path, detector: detector)
                #expect(index.windowMatrices[place].ids == expected && reopened.windowMatrices[place].ids == expected)
            }
        }
    }

    @Test(arguments: [("a-crop.jpg", "b-original.jpg"), ("b-crop.jpg", "a-original.jpg")])
    func aHalfCropIsFoundAgainstItsOriginalEitherWay(cropName: String, originalName: String) throws {
        let detector = try IndexFixtures.detector()
        let grid = try #require(detector.windowMatching, "the shipped model matches windows").grid
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            let crop = tree.appendingPathComponent(cropName)
            try Self.writeHalfCrop(to: crop)
            let original = tree.appendingPathComponent(originalName)
            try IndexFixtures.copy("jpeg/testorig.jpg", to: original)
            let other = tree.appendingPathComponent("c-other.png")
            try IndexFixtures.copy("jpeg/vgl_5674_0098.png", to: other)
            let indexPath = folder.appendingPathComponent("index.sqlite").path
            let index = try ImageIndex(path: indexPath, detector: detector)
            let findings = try scan(tree, index: index, reportURL: folder.appendingPathComponent("report.jsonl"))
            #expect(findings.count == 1, "expected the crop against its original at the default threshold: \(findings)")
            let finding = try #require(findings.first)
            #expect(Set([finding["path"] as? String, finding["match"] as? String]) == [crop.path, original.path])
            let probability = try #require(finding["probability"] as? Double)
            #expect(probability >= detector.defaultThreshold && probability <= 1)
            #expect(finding["model"] as? String == detector.modelID)

            // Each file keeps its windows; reopened, the index searches them again.
            let windowsPerFile = grid.count
            #expect(index.matrix.count == 3 && index.windowMatrices.count == windowsPerFile)
            // None of these pictures has a frame: a content window is the whole picture's embedding, not a pass,
            // and repeating the whole it is stored but not searched.
            let contentPlace = grid.contentWindow ? grid.perAxis * grid.perAxis : nil
            #expect(index.contentPlace == contentPlace)
            for (place, windows) in index.windowMatrices.enumerated() {
                #expect(windows.ids == (place == contentPlace ? [] : index.matrix.ids), "place \(place)")
            }
            let reopened = try ImageIndex(path: indexPath, detector: detector)
            #expect(reopened.windowMatrices.count == windowsPerFile)
            let width = detector.architecture.embeddingWidth
            for (place, windows) in index.windowMatrices.enumerated() {
                #expect(reopened.windowMatrices[place].ids == windows.ids)
                for row in 0..<windows.count {
                    #expect(reopened.windowMatrices[place].embedding(atRow: row) == windows.embedding(atRow: row))
                    // Matrix k holds each file's window k, as stored.
                    let stored = try #require(try reopened.store.file(id: windows.ids[row])?.windowEmbeddings)
                    #expect(windows.embedding(atRow: row) == Array(stored[(place * width)..<((place + 1) * width)]))
                }
            }
            for row in 0..<reopened.matrix.count {
                let stored = try #require(try reopened.store.file(id: reopened.matrix.ids[row])?.windowEmbeddings)
                #expect(stored.count == windowsPerFile * width)
                if let contentPlace {
                    #expect(
                        Array(stored[(contentPlace * width)..<((contentPlace + 1) * width)])
                            == reopened.matrix.embedding(atRow: row))
                }
            }

            // `twindup query` ranks by the same closest distance: after the crop itself, its original.
            let nearest = try reopened.nearest(3, toFileAt: crop.path)
            #expect(nearest.map(\.path) == [crop, original, other].map { RawPath($0.path) }, "\(nearest)")
            #expect(abs(nearest[1].probability - probability) < 1e-4)
        }
    }

    /// The index's searches give every file the closest distance the detector gives the pair
    /// (`TwinDetector.closestDistance`: wholes, windows against wholes both ways, windows at the same place, with
    /// the model's penalties), for a range search and for `query`'s nearest files alike.
    @Test func theSearchesGiveEveryFileTheDetectorsClosestDistance() throws {
        let detector = try IndexFixtures.detector()
        #expect(detector.windowMatching?.alignedPenalty != nil, "the shipped model compares windows at one place")
        #expect(detector.windowMatching?.hashComparison != nil, "the shipped model compares hashes")
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            try Self.writeHalfCrop(to: tree.appendingPathComponent("crop.jpg"))
            for (number, picture) in [
                "jpeg/testorig.jpg", "jpeg/testimgint.jpg", "jpeg/vgl_5674_0098.png", "jpeg/monkey16.png",
                "png/pngsuite/basn2c08.png",
            ].enumerated() {
                try IndexFixtures.copy(
                    picture, to: tree.appendingPathComponent("\(number)-\((picture as NSString).lastPathComponent)"))
            }
            let index = try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: detector)
            _ = try index.scan([tree.path], options: ScanOptions(threshold: detector.defaultThreshold))
            let width = detector.architecture.embeddingWidth
            var stored: [Int64: WindowedEmbedding] = [:]
            for id in index.matrix.ids {
                let file = try #require(try index.store.file(id: id))
                let windows = try #require(file.windowEmbeddings)
                stored[id] = WindowedEmbedding(
                    whole: try #require(file.embedding),
                    windows: stride(from: 0, to: windows.count, by: width).map { Array(windows[$0..<($0 + width)]) },
                    hash: try #require(file.pictureHash))
            }
            #expect(stored.count == 6)
            for query in stored.values {
                let searches = [true, false].map { together in
                    ImageIndex.embeddingMatches(
                        of: query, within: 1e6, wholes: index.matrix, windows: index.windowMatrices,
                        penalty: index.windowPenalty, alignedPenalty: index.alignedWindowPenalty,
                        contentPlace: index.contentPlace, threads: 1, together: together)
                }
                #expect(searches[0] == searches[1], "searches in one pass and one at a time disagree")
                for k in [1, 3, stored.count] {
                    let nearestWays = [true, false].map { together in
                        ImageIndex.embeddingNearest(
                            k, to: query, wholes: index.matrix, windows: index.windowMatrices,
                            penalty: index.windowPenalty, alignedPenalty: index.alignedWindowPenalty,
                            contentPlace: index.contentPlace, threads: 1, together: together)
                    }
                    #expect(nearestWays[0] == nearestWays[1], "the \(k) nearest in one pass and one at a time disagree")
                    #expect(nearestWays[0].count == k)
                }
                let everything = index.matches(of: query, within: 1e6, threads: 1)
                let nearest = index.nearest(stored.count, to: query)
                #expect(everything.count == stored.count && nearest.count == stored.count)
                for found in everything + nearest {
                    let expected = detector.closestDistance(query, try #require(stored[found.id]))
                    #expect(
                        abs(found.distance - expected) <= 1e-3 * max(1, expected),
                        "file \(found.id): the index says \(found.distance), the detector \(expected)")
                }
            }
        }
    }

    /// A stored hash of the wrong length is refused by name when the index opens, not compared as garbage.
    @Test func aMalformedStoredHashIsReportedWithItsRow() throws {
        let detector = try IndexFixtures.detector()
        try IndexFixtures.withScratch { folder in
            let indexPath = try Self.indexOfOnePhoto(in: folder, detector: detector)
            let queue = try DatabaseQueue(path: indexPath)
            try queue.write { db in try db.execute(sql: "UPDATE file SET picture_hash = x'0102'") }
            try queue.close()
            let error = #expect(throws: IndexError.self) { try ImageIndex(path: indexPath, detector: detector) }
            #expect(error?.code == .corrupt)
            #expect(
                "\(String(describing: error))".contains("picture hash of 2 bytes, expected 32"),
                "the error was: \(String(describing: error))")
        }
    }

    @Test func anExactCopyTakesTheWindowsOfItsOriginal() throws {
        let detector = try IndexFixtures.detector()
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent("a.jpg"))
            try IndexFixtures.copy("jpeg/testorig.jpg", to: tree.appendingPathComponent("b.jpg"))
            let index = try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: detector)
            _ = try index.scan([tree.path], options: ScanOptions(threshold: detector.defaultThreshold))
            let files = try index.matrix.ids.map { try #require(try index.store.file(id: $0)) }
            #expect(files.count == 2)
            #expect(files[0].windowEmbeddings != nil && files[0].windowEmbeddings == files[1].windowEmbeddings)
            #expect(files[0].pictureHash != nil && files[0].pictureHash == files[1].pictureHash)
            for (place, windows) in index.windowMatrices.enumerated() where place != index.contentPlace {
                #expect(Set(windows.ids) == Set(files.map(\.id)))
            }
            #expect(Set(try #require(index.hashMatrix).ids) == Set(files.map(\.id)))
        }
    }

    /// A forgotten file's windows leave the search with it: a later file may be given its id, and must not meet
    /// the old windows (it would match itself, or a file that is gone).
    @Test func forgettingAFileTakesItsWindowsOutOfTheSearch() throws {
        let detector = try IndexFixtures.detector()
        try IndexFixtures.withScratch { folder in
            let tree = folder.appendingPathComponent("tree")
            let original = tree.appendingPathComponent("original.jpg")
            try IndexFixtures.copy("jpeg/testorig.jpg", to: original)
            let index = try ImageIndex(path: folder.appendingPathComponent("index.sqlite").path, detector: detector)
            _ = try index.scan([tree.path], options: ScanOptions(threshold: detector.defaultThreshold))
            #expect(index.windowMatrices.enumerated().allSatisfy { $1.count == ($0 == index.contentPlace ? 0 : 1) })
            #expect(try index.forget(RawPath(original.path)) == 1)
            #expect(index.matrix.count == 0 && index.windowMatrices.allSatisfy { $0.count == 0 })
            #expect(index.hashMatrix?.count == 0)
            try FileManager.default.removeItem(at: original)
            // The crop alone: nothing left to match, whatever id it gets.
            try Self.writeHalfCrop(to: tree.appendingPathComponent("crop.jpg"))
            let findings = try scan(tree, index: index, reportURL: folder.appendingPathComponent("report.jsonl"))
            #expect(findings.isEmpty, "a file matched the windows of a forgotten one: \(findings)")
            #expect(index.matrix.count == 1)
            for (place, windows) in index.windowMatrices.enumerated() where place != index.contentPlace {
                #expect(windows.ids == index.matrix.ids)
            }
        }
    }

    @Test func anIndexMadeWithWindowsIsRefusedByTheWholePictureModelUntilReindexed() throws {
        let windowed = try IndexFixtures.detector()
        let whole = try TwinDetector(contentsOf: IndexFixtures.modelPath, usingWindows: false)
        try IndexFixtures.withScratch { folder in
            let indexPath = try Self.indexOfOnePhoto(in: folder, detector: windowed)
            #expect {
                try ImageIndex(path: indexPath, detector: whole)
            } throws: { error in
                (error as? IndexError)?.code == .modelMismatch && "\(error)".contains("twindup reindex")
            }
            let adopted = try ImageIndex(path: indexPath, detector: whole, adoptingModel: true)
            _ = try adopted.reindex(options: ScanOptions(threshold: whole.defaultThreshold))
            #expect(adopted.matrix.count == 1 && adopted.windowMatrices.isEmpty)
            #expect(try adopted.store.file(id: adopted.matrix.ids[0])?.windowEmbeddings == nil)
        }
    }
}
