import Foundation
import Testing

@testable import NeuralNet

/// Fashion-MNIST test images (Debian's `dataset-fashion-mnist`), decompressed with gzip, as 28×28 floats in [0, 1].
enum FashionMNIST {
    static let path =
        ProcessInfo.processInfo.environment["TWINDUP_FASHION_MNIST"]
        ?? "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

    static let side = 28

    static func loadImages(limit: Int) throws -> [[Float]] {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-dc", path]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        let bytes = [UInt8](data)
        guard gzip.terminationStatus == 0, bytes.count >= 16, bytes[2] == 8, bytes[3] == 3 else {
            throw NeuralNetError.invalidArgument("\(path) is not a gzip-compressed IDX image file")
        }
        let count = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        let pixels = side * side
        guard bytes.count >= 16 + count * pixels else { throw NeuralNetError.invalidArgument("\(path) is truncated") }
        return (0..<min(count, limit)).map { index in
            bytes[(16 + index * pixels)..<(16 + (index + 1) * pixels)].map { Float($0) / 255 }
        }
    }

    /// A small edit of the kind near-duplicate detection must see through: shift by up to 2 pixels, contrast
    /// and brightness change, noise.
    static func augment(_ image: [Float], random: inout RandomSource) -> [Float] {
        let (dx, dy) = (random.nextInt(below: 5) - 2, random.nextInt(below: 5) - 2)
        let contrast = 0.7 + 0.6 * random.nextUniform()
        let brightness = 0.4 * random.nextUniform() - 0.2
        var result = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let (sy, sx) = (y - dy, x - dx)
                let value = (0..<side).contains(sy) && (0..<side).contains(sx) ? image[sy * side + sx] : 0
                result[y * side + x] = value * contrast + brightness + 0.05 * random.nextNormal()
            }
        }
        return result
    }
}
