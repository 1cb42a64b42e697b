import Foundation
import ImageIO
import TestSupport
import Testing
import TwinModel

@Suite struct ManifestTests {
    /// pkgA: a photo and its exact copy; pkgB: a smaller re-encoded copy of the photo and an unrelated picture.
    func makeFolder() throws -> URL {
        let root = try TestData.makeScratchDirectory()
        let fileManager = FileManager.default
        for folder in ["pkgA", "pkgB"] {
            try fileManager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let photo = TestData.path("jpeg/testorig.jpg")
        try fileManager.copyItem(atPath: photo, toPath: root.appendingPathComponent("pkgA/photo.jpg").path)
        try fileManager.copyItem(atPath: photo, toPath: root.appendingPathComponent("pkgA/copy.jpg").path)
        let small = try ImageDecoder().decode(fileAt: photo).resized(width: 160, height: 105, filter: .areaAverage)
        try Data(JPEGEncoder.encode(small, quality: 80)).write(to: root.appendingPathComponent("pkgB/small.jpg"))
        try fileManager.copyItem(
            atPath: TestData.path("jpeg/vgl_5674_0098.png"), toPath: root.appendingPathComponent("pkgB/other.png").path)
        try Data("not a picture".utf8).write(to: root.appendingPathComponent("pkgB/broken.png"))
        return root
    }

    @Test func dropsExactCopiesAndGroupsResizedCopiesIntoOneSplit() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var builder = ManifestBuilder()
        builder.threads = 1
        let (manifest, report) = builder.build(imagesFolder: root.path)
        #expect(report.scanned == 5)
        #expect(report.exactCopies == 1)
        #expect(report.undecodable.count == 1 && report.undecodable[0].contains("broken.png"))
        #expect(manifest.entries.map(\.path) == ["pkgA/copy.jpg", "pkgB/other.png", "pkgB/small.jpg"])
        let byPath = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.path, $0) })
        #expect(
            byPath["pkgA/copy.jpg"]!.group == byPath["pkgB/small.jpg"]!.group, "a resized copy formed its own group")
        #expect(byPath["pkgA/copy.jpg"]!.split == byPath["pkgB/small.jpg"]!.split)
        #expect(byPath["pkgB/other.png"]!.group != byPath["pkgA/copy.jpg"]!.group)
        #expect(byPath["pkgB/small.jpg"]!.package == "pkgB")
    }

    @Test func tabSeparatedFormRoundTripsAndRejectsDamage() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (manifest, _) = ManifestBuilder().build(imagesFolder: root.path)
        let reread = try TrainingManifest(tsv: manifest.tsv, source: "manifest.tsv")
        #expect(reread == manifest)
        #expect(reread.digest == manifest.digest)
        let damaged = manifest.tsv.replacingOccurrences(of: "\ttrain", with: "\tholdout")
            .replacingOccurrences(of: "\ttest", with: "\tholdout").replacingOccurrences(
                of: "\tvalidation", with: "\tholdout")
        #expect(throws: ManifestError.self) { try TrainingManifest(tsv: damaged, source: "manifest.tsv") }
    }
}
