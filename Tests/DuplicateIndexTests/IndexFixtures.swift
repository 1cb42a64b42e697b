import DuplicateIndex
import Foundation
import ImageIO
import TestSupport
import TwinModel

/// The shipped model and scratch folders of real pictures.
enum IndexFixtures {
    static let modelPath = TestData.shippedModel.path

    static func detector() throws -> TwinDetector { try TwinDetector(contentsOf: modelPath) }

    /// A probability that the shipped model clearly clears for a resized, re-encoded copy and clearly misses for
    /// the unrelated pictures below (whatever weights are shipped, these are the clear cases).
    static let clearThreshold = 0.8

    /// Pictures that share nothing: a photo of a face, a small PNG rendering, a grey gradient pattern.
    static let unrelated = ["jpeg/testorig.jpg", "jpeg/vgl_5674_0098.png", "png/pngsuite/basn0g08.png"]

    /// A scratch folder, removed when `body` returns.
    static func withScratch<Result>(_ body: (URL) throws -> Result) throws -> Result {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }

    static func copy(_ relative: String, to destination: URL) throws {
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: TestData.path(relative)), to: destination)
    }

    /// testorig.jpg shrunk to 75% and saved again as JPEG quality 80: a near-duplicate a user would make.
    static func writeResizedCopy(of relative: String, to destination: URL) throws {
        let image = try ImageDecoder().decode(fileAt: TestData.path(relative))
        let smaller = image.resized(width: image.width * 3 / 4, height: image.height * 3 / 4, filter: .areaAverage)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(JPEGEncoder.encode(smaller, quality: 80)).write(to: destination)
    }

    /// The report log's lines, parsed.
    static func reportLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
    }
}
