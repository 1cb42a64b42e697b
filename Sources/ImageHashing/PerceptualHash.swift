import Foundation

/// A perceptual hash: a bit string where similar-looking pictures differ in few bits.
public struct PerceptualHash: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// 64-bit DCT hash: the sign of the 8×8 lowest frequencies of a 32×32 luma thumbnail against their median.
        case pHash = "phash"
        /// 64-bit difference hash: whether each pixel of a 9×8 luma thumbnail is brighter than its left neighbour.
        case dHash = "dhash"
        /// 256-bit hash in the manner of PDQ: the 16×16 lowest DCT frequencies of a 64×64 luma thumbnail
        /// against their median.
        case pdq = "pdq"

        public var bitCount: Int { self == .pdq ? 256 : 64 }
    }

    public let kind: Kind
    /// Bits in little-endian word order.
    public let words: [UInt64]

    public init(kind: Kind, words: [UInt64]) {
        precondition(words.count * 64 == kind.bitCount, "\(kind) hash needs \(kind.bitCount / 64) words")
        self.kind = kind
        self.words = words
    }

    /// The number of differing bits; both hashes must be of one kind.
    public func distance(to other: PerceptualHash) -> Int {
        precondition(kind == other.kind, "cannot compare a \(kind) hash with a \(other.kind) hash")
        var bits = 0
        for (left, right) in zip(words, other.words) {
            bits += (left ^ right).nonzeroBitCount
        }
        return bits
    }

    public var description: String {
        words.reversed().map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    public static func compute(_ kind: Kind, of plane: LuminancePlane) -> PerceptualHash {
        switch kind {
        case .dHash:
            let thumbnail = plane.resampled(width: 9, height: 8)
            var bits: [Bool] = []
            for y in 0..<8 {
                for x in 0..<8 {
                    bits.append(thumbnail.values[y * 9 + x + 1] > thumbnail.values[y * 9 + x])
                }
            }
            return PerceptualHash(kind: kind, words: pack(bits))
        case .pHash:
            return lowFrequencySignHash(kind, of: plane, thumbnailSide: 32, keptSide: 8)
        case .pdq:
            return lowFrequencySignHash(kind, of: plane, thumbnailSide: 64, keptSide: 16)
        }
    }

    private static func lowFrequencySignHash(
        _ kind: Kind, of plane: LuminancePlane, thumbnailSide: Int, keptSide: Int
    ) -> PerceptualHash {
        let thumbnail = plane.resampled(width: thumbnailSide, height: thumbnailSide)
        let coefficients = DCT2D.lowFrequencies(of: thumbnail.values, side: thumbnailSide, kept: keptSide)
        let median = coefficients.sorted()[coefficients.count / 2]
        return PerceptualHash(kind: kind, words: pack(coefficients.map { $0 > median }))
    }

    private static func pack(_ bits: [Bool]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: (bits.count + 63) / 64)
        for (index, bit) in bits.enumerated() where bit {
            words[index / 64] |= 1 << UInt64(index % 64)
        }
        return words
    }
}

/// The orthonormal 2-D DCT-II, restricted to the lowest frequencies that perceptual hashes keep.
enum DCT2D {
    static func lowFrequencies(of values: [Float], side: Int, kept: Int) -> [Float] {
        var basis = [Float](repeating: 0, count: kept * side)
        for frequency in 0..<kept {
            let scale = frequency == 0 ? (1.0 / Double(side)).squareRoot() : (2.0 / Double(side)).squareRoot()
            for position in 0..<side {
                let angle = Double.pi * Double(frequency) * (2 * Double(position) + 1) / (2 * Double(side))
                basis[frequency * side + position] = Float(scale * cos(angle))
            }
        }
        // Rows first (kept × side), then columns (kept × kept).
        var rowTransformed = [Float](repeating: 0, count: side * kept)
        for y in 0..<side {
            for u in 0..<kept {
                var sum: Float = 0
                for x in 0..<side {
                    sum += values[y * side + x] * basis[u * side + x]
                }
                rowTransformed[y * kept + u] = sum
            }
        }
        var result = [Float](repeating: 0, count: kept * kept)
        for v in 0..<kept {
            for u in 0..<kept {
                var sum: Float = 0
                for y in 0..<side {
                    sum += rowTransformed[y * kept + u] * basis[v * side + y]
                }
                result[v * kept + u] = sum
            }
        }
        return result
    }
}
