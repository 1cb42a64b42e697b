import ArgumentParser
import DuplicateIndex
import Foundation
import ImageIO
import Synchronization

/// Distinct near-duplicates of one picture, the kind users drop next to an original: a crop of a few pixels per
/// side, every eighth one also shrunk to 90–99%, re-encoded as JPEG at quality 60–95. Made before anything is
/// timed and kept in a staging folder, so their cost is not measured.
struct NearDuplicateVariants {
    struct Recipe {
        /// Pixels cut from the left, top, right and bottom: 0...7 each.
        var crop: (left: Int, top: Int, right: Int, bottom: Int)
        /// Size after cropping, as a fraction of the cropped size: 0.90...1.
        var scale: Double
        var quality: Int

        /// The `number`th recipe. The crops are distinct for the first 8⁴ = 4096, so each recipe makes different
        /// bytes (a copy with the same bytes would be an exact duplicate, not decoded again).
        init(number: Int) {
            crop = (number % 8, number / 8 % 8, number / 64 % 8, number / 512 % 8)
            scale = number % 8 == 7 ? 0.90 + 0.01 * Double(number / 8 % 10) : 1
            quality = 60 + number * 7 % 36
        }

        init(crop: (Int, Int, Int, Int), scale: Double, quality: Int) {
            self.crop = crop
            self.scale = scale
            self.quality = quality
        }

        /// The edits all at their strongest: if this one is a near-duplicate, the others should be.
        static let strongest = Recipe(crop: (7, 7, 7, 7), scale: 0.90, quality: 60)

        func apply(to image: Image) throws -> [UInt8] {
            let width = image.width - crop.left - crop.right
            let height = image.height - crop.top - crop.bottom
            var pixels: [UInt8] = []
            pixels.reserveCapacity(width * height * 3)
            for row in crop.top..<(crop.top + height) {
                let start = (row * image.width + crop.left) * 3
                pixels.append(contentsOf: image.pixels[start..<(start + width * 3)])
            }
            var edited = Image(width: width, height: height, pixels: pixels)
            if scale < 1 {
                edited = edited.resized(
                    width: Int(Double(width) * scale), height: Int(Double(height) * scale), filter: .areaAverage)
            }
            return try JPEGEncoder.encode(edited, quality: quality)
        }
    }

    /// The staged files, in recipe order.
    let paths: [String]
    /// Their total size in bytes.
    let bytes: Int

    /// Makes `count` variants of `image` into `folder` on all cores, recipes `0..<count`.
    init(of image: Image, count: Int, into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let paths = (0..<count).map { String(format: "%@/variant-%05d.jpg", folder, $0) }
        let failures = Mutex<[String]>([])
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: ProcessInfoCores.active) { part in
            for number in stride(from: part, to: count, by: ProcessInfoCores.active) {
                do {
                    let bytes = try Recipe(number: number).apply(to: image)
                    try Data(bytes).write(to: URL(fileURLWithPath: paths[number]))
                    total.add(bytes.count, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append("\(paths[number]): \(error)") }
                }
            }
        }
        if let failure = failures.withLock({ $0.first }) { throw ValidationError("cannot make a variant: \(failure)") }
        self.paths = paths
        bytes = total.load(ordering: .relaxed)
    }
}
