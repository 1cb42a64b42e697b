import ArgumentParser
import DuplicateIndex
import Foundation
import TwinModel

/// Random scaled embeddings for the index benchmark: normal per coordinate, fitted to a real index when given.
struct SyntheticEmbeddings {
    var means: [Float]
    var deviations: [Float]
    var source: String

    init(width: Int, detector: TwinDetector, calibrationIndex: String?) throws {
        guard let calibrationIndex else {
            means = [Float](repeating: 0, count: width)
            deviations = detector.scaled([Float](repeating: 1, count: width))
            source = "drawn from w ⊙ N(0, 1)"
            return
        }
        let index = try ImageIndex(path: calibrationIndex, detector: detector)
        let rows = index.matrix.count
        guard rows > 1 else { throw ValidationError("\(calibrationIndex) holds fewer than 2 embeddings") }
        var sums = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
        for row in 0..<rows {
            for (coordinate, value) in index.matrix.embedding(atRow: row).enumerated() {
                sums[coordinate] += Double(value)
                squares[coordinate] += Double(value) * Double(value)
            }
        }
        means = sums.map { Float($0 / Double(rows)) }
        deviations = (0..<width).map {
            Float(max(0, squares[$0] / Double(rows) - pow(sums[$0] / Double(rows), 2)).squareRoot())
        }
        source = "normal per coordinate, fitted to \(rows) real embeddings"
    }

    func draw(using generator: inout some RandomNumberGenerator) -> [Float] {
        (0..<means.count).map { coordinate in
            // Box–Muller.
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let v = Double.random(in: 0..<1, using: &generator)
            let normal = (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            return means[coordinate] + deviations[coordinate] * Float(normal)
        }
    }
}
