import ArgumentParser
import Foundation
import ImageIO

/// The original picture `twindup bench watch` makes its near-duplicates of: a photo the user names, or one chosen
/// from a folder, or, without either, the test photograph upscaled to a realistic size.
struct WatchBenchPicture {
    /// Where it came from, for the printout.
    var source: String
    var image: Image

    /// The folder searched when `--picture` is not given: the extracted training-data packages.
    static let defaultFolder = "/work/data/images"

    /// `path` is a picture, or a folder in which the first JPEG (in a fixed shuffle) of `megapixels` is taken. With
    /// nil: `defaultFolder` when it exists, else `testorig.jpg` of the test data upscaled to about 3 MP.
    static func load(_ path: String?, megapixels: ClosedRange<Double>) throws -> WatchBenchPicture {
        let decoder = ImageDecoder()
        var isFolder: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            return WatchBenchPicture(source: path, image: try decoder.decode(fileAt: path))
        }
        let folder = path ?? defaultFolder
        if FileManager.default.fileExists(atPath: folder) {
            guard let chosen = try choosePhoto(in: folder, megapixels: megapixels) else {
                throw ValidationError(
                    "no JPEG of \(megapixels.lowerBound)–\(megapixels.upperBound) MP under \(folder); pass --picture")
            }
            return WatchBenchPicture(source: chosen, image: try decoder.decode(fileAt: chosen))
        }
        if path != nil { throw ValidationError("\(folder): no such picture or folder") }
        let test = testDataRoot + "/jpeg/testorig.jpg"
        let small = try decoder.decode(fileAt: test)
        // Bilinear upscaling to about 3 MP: the file sizes and decode work of a real photo, if not its detail.
        let factor = (3e6 / Double(small.width * small.height)).squareRoot()
        let image = small.resized(
            width: Int(Double(small.width) * factor), height: Int(Double(small.height) * factor), filter: .bilinear)
        return WatchBenchPicture(source: "\(test) upscaled \(String(format: "%.1f", factor))×", image: image)
    }

    private static func choosePhoto(in folder: String, megapixels: ClosedRange<Double>) throws -> String? {
        // A fixed shuffle, so reruns take the same photo whatever order the folder lists.
        let candidates = PictureSize.shuffled(try PictureSize.files(under: folder, extensions: ["jpg", "jpeg"]))
        return candidates.first { path in
            guard let size = PictureSize.of(fileAt: path) else { return false }
            return megapixels.contains(Double(size.width * size.height) / 1e6)
        }
    }

    /// `$TWINDUP_TESTDATA`, else ../shared/testdata beside the package this file was built from.
    private static var testDataRoot: String {
        if let override = ProcessInfo.processInfo.environment["TWINDUP_TESTDATA"], !override.isEmpty {
            return override
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/testdata").path
    }
}
