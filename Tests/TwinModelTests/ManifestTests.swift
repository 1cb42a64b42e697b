import Foundation
import ImageHashing
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

    @Test func readsTheManifestFileAndNamesAMissingOneWithWhereItLives() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (manifest, _) = ManifestBuilder().build(imagesFolder: root.path)
        let file = root.appendingPathComponent("manifest.tsv").path
        try manifest.tsv.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try TrainingManifest(contentsOf: file) == manifest)
        let missing = root.appendingPathComponent("no-such-manifest.tsv").path
        let error = try #require(throws: ManifestError.self) { try TrainingManifest(contentsOf: missing) }
        #expect(error.file == missing)
        #expect(error.description.hasPrefix(missing + ": cannot read it"))
        #expect(error.description.contains("--manifest"))
    }

    @Test func aMirroredCopyJoinsItsPictureAndAFlatPictureIsLeftOut() throws {
        let root = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("pkg")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        var mirrored = photo.pixels
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                for channel in 0..<3 {
                    mirrored[(y * photo.width + x) * 3 + channel] =
                        photo.pixels[(y * photo.width + photo.width - 1 - x) * 3 + channel]
                }
            }
        }
        // A flat picture: grey with one level of noise, as a scan of a blank page or an empty canvas gives.
        var flat = [UInt8](repeating: 128, count: 120 * 90 * 3)
        for index in flat.indices where index % 7 == 0 { flat[index] = 129 }
        try Data(JPEGEncoder.encode(photo, quality: 90)).write(to: folder.appendingPathComponent("photo.jpg"))
        try Data(JPEGEncoder.encode(Image(width: photo.width, height: photo.height, pixels: mirrored), quality: 90))
            .write(to: folder.appendingPathComponent("photo-mirrored.jpg"))
        try Data(JPEGEncoder.encode(Image(width: 120, height: 90, pixels: flat), quality: 90))
            .write(to: folder.appendingPathComponent("blank.jpg"))
        try FileManager.default.copyItem(
            atPath: TestData.path("jpeg/vgl_5674_0098.png"), toPath: folder.appendingPathComponent("other.png").path)
        var builder = ManifestBuilder()
        builder.threads = 1
        let (manifest, report) = builder.build(imagesFolder: root.path)
        #expect(report.flat == 1)
        #expect(manifest.entries.map(\.path) == ["pkg/other.png", "pkg/photo-mirrored.jpg", "pkg/photo.jpg"])
        let group = Dictionary(uniqueKeysWithValues: manifest.entries.map { ($0.path, $0.group) })
        #expect(group["pkg/photo.jpg"] == group["pkg/photo-mirrored.jpg"], "the mirrored copy formed its own group")
        #expect(group["pkg/other.png"] != group["pkg/photo.jpg"])
        // Without the mirror links the two would be two pictures: the test would catch their loss.
        let plain = try ImageDecoder().decode(fileAt: folder.appendingPathComponent("photo.jpg").path)
        let plane = LuminancePlane(width: plain.width, height: plain.height, interleavedRGB: plain.pixels)
        #expect(
            PerceptualHash.compute(.pHash, of: plane).distance(to: PerceptualHash.compute(.pHash, of: plane.mirrored()))
                > builder.groupingPHashBits)
    }
}
