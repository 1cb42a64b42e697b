import Foundation
import ImageHashing
import ImageIO
import NeuralNet

/// How a model matches pictures that are crops or framed copies of each other: besides the whole picture, every
/// picture is embedded as a grid of windows (`WindowGrid`), and a pair is scored by its closest distance of whole
/// against whole, whole against a window of the other, a window against the other whole, or (with an aligned
/// penalty) a window against the other's window at the same place (`WindowedEmbedding.closestDistance`). With a
/// content window, a window is the picture inside its uniform borders (`WindowGrid.contentWindow`); with a mirror
/// window, the last is the picture mirrored (`WindowGrid.mirrorWindow`). With a hash comparison
/// (`HashComparison`), the two pictures' PDQ-style hashes are one more candidate for the closest distance.
///
/// The closest of these distances is smaller than the whole-to-whole distance the head was fitted on, so it
/// has its own calibration, fitted on validation pairs scored this way (`WindowCalibration`): p = σ(bias −
/// scale·d), and its own default threshold. Stored in the model file's metadata under `window_matching`.
public struct WindowMatching: Sendable, Equatable, Codable {
    public var perAxis: Int
    public var side: Double
    /// Added to every distance through a window (`WindowedEmbedding.closestDistance`).
    public var penalty: Double
    /// Added to the distance between two windows at the same place, one of each picture; nil: windows at the same
    /// place are not compared (the matching of files written before this existed).
    public var alignedPenalty: Double?
    /// Whether a content window follows the grid; nil: it does not (files written before it existed).
    public var contentWindow: Bool?
    /// Whether the mirror window comes last; nil: it does not (files written before it existed).
    public var mirrorWindow: Bool?
    /// With a hash comparison (`HashComparison`), a pair whose 256-bit PDQ-style hashes differ in h bits is also
    /// at `hashOffset + hashScale·h`; nil: hashes are not compared (files written before it existed).
    public var hashOffset: Double?
    public var hashScale: Double?
    public var bias: Double
    public var scale: Double
    /// The default threshold for pairs scored this way, chosen on validation as the whole-picture one is.
    public var threshold: Double

    public static let metadataKey = "window_matching"
    /// The shipped model's grid and penalty, chosen on validation pictures (model card, "Window matching").
    public static let shippedGrid = WindowGrid(perAxis: 3, side: 0.8, contentWindow: true, mirrorWindow: true)
    public static let shippedPenalty = 0.5
    public static let shippedAlignedPenalty = 0.75
    /// The shipped hash comparison, chosen on validation pictures (model card, "The hash comparison").
    public static let shippedHashComparison = HashComparison(offset: 0.1948, scale: 0.1)

    public init(
        perAxis: Int, side: Double, penalty: Double = 0, alignedPenalty: Double? = nil, contentWindow: Bool = false,
        mirrorWindow: Bool = false, hashComparison: HashComparison? = nil, bias: Double, scale: Double,
        threshold: Double
    ) {
        self.perAxis = perAxis
        self.side = side
        self.penalty = penalty
        self.alignedPenalty = alignedPenalty
        // Left out of the metadata when off, so files written before it read and hash as they did.
        self.contentWindow = contentWindow ? true : nil
        self.mirrorWindow = mirrorWindow ? true : nil
        // Written with the digits it was given (a Float's nearest six-decimal reading), not its binary expansion.
        self.hashOffset = hashComparison.map { (Double($0.offset) * 1e6).rounded() / 1e6 }
        self.hashScale = hashComparison.map { (Double($0.scale) * 1e6).rounded() / 1e6 }
        self.bias = bias
        self.scale = scale
        self.threshold = threshold
    }

    public var grid: WindowGrid {
        WindowGrid(
            perAxis: perAxis, side: side, contentWindow: contentWindow ?? false, mirrorWindow: mirrorWindow ?? false)
    }

    /// The hash comparison, if this matching has one.
    public var hashComparison: HashComparison? {
        guard let hashOffset, let hashScale else { return nil }
        return HashComparison(offset: Float(hashOffset), scale: Float(hashScale))
    }

    /// p for the closest distance between two windowed embeddings.
    public func probability(distance: Float) -> Double {
        1 / (1 + exp(-(bias - scale * Double(distance))))
    }

    /// The closest distance within which p ≥ `threshold`.
    public func radius(threshold: Double) -> Float {
        precondition(threshold > 0 && threshold < 1, "threshold must be a probability strictly between 0 and 1")
        return Float((bias - log(threshold / (1 - threshold))) / scale)
    }

    /// The metadata value: compact JSON with sorted keys.
    public var metadataValue: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads `metadataValue`; nil when it is unreadable or out of range.
    public init?(metadataValue: String) {
        guard var decoded = try? JSONDecoder().decode(Self.self, from: Data(metadataValue.utf8)),
            (1...5).contains(decoded.perAxis), decoded.side > 0.2 && decoded.side < 1, decoded.scale > 0,
            decoded.penalty >= 0, decoded.penalty.isFinite,
            decoded.alignedPenalty.map({ $0 >= 0 && $0.isFinite }) ?? true,
            (decoded.hashOffset == nil) == (decoded.hashScale == nil),
            decoded.hashOffset.map({ $0.isFinite }) ?? true, decoded.hashScale.map({ $0 > 0 && $0.isFinite }) ?? true,
            decoded.scale.isFinite, decoded.bias.isFinite, decoded.threshold > 0 && decoded.threshold < 1
        else { return nil }
        if decoded.contentWindow == false { decoded.contentWindow = nil }
        if decoded.mirrorWindow == false { decoded.mirrorWindow = nil }
        self = decoded
    }

    /// The model id of weights matched this way: the hash of the tensors and of this matching but its default
    /// threshold (which a user may override anyway), since they decide what the index stores and which
    /// probability a pair gets (an index of whole-picture embeddings must be re-embedded for it).
    public func modelID(for weights: SafeTensors, version: String) -> String {
        let tensorsOnly = SafeTensors(tensors: weights.tensors).encoded()
        var identity = self
        identity.threshold = 0.5
        let digest = SHA256.digest(of: tensorsOnly + Array(identity.metadataValue.utf8))
        return "twindup-\(version)+\(digest.description.prefix(12))"
    }
}

/// Pictures compared by their 256-bit PDQ-style hashes (`PerceptualHash.Kind.pdq`) besides the network's
/// embeddings: two pictures whose hashes differ in h bits are at `offset + scale·h`, in the units of the network's
/// distance, and a pair takes the closer of this and its network distance. The hash keeps only the sign of the
/// lowest frequencies of normalised luminance, so recolouring, small pasted patches and captions move it little
/// where they move the embedding; h is itself an L1 distance (between bit vectors), so a threshold stays an exact
/// radius, searched over the stored hashes scaled by `scale`.
public struct HashComparison: Sendable, Equatable {
    public var offset: Float
    public var scale: Float

    public init(offset: Float, scale: Float) {
        precondition(scale > 0 && scale.isFinite && offset.isFinite, "a hash comparison needs a finite positive scale")
        self.offset = offset
        self.scale = scale
    }

    public static let kind = PerceptualHash.Kind.pdq

    /// The hash the comparison reads, of a decoded picture.
    public static func hash(of image: Image) -> PerceptualHash { PerceptualHash.compute(kind, of: image) }

    public func distance(_ first: PerceptualHash, _ second: PerceptualHash) -> Float {
        distance(bits: first.distance(to: second))
    }

    /// The distance of two hashes `bits` apart: every search and score computes it this one way, so the index
    /// and the detector agree to the last bit.
    public func distance(bits: Int) -> Float { offset + scale * Float(bits) }

    /// The most differing bits whose distance is within `radius`; nil when not even equal hashes are.
    public func largestBits(within radius: Float) -> Int? {
        guard distance(bits: 0) <= radius else { return nil }
        let estimate = ((radius - offset) / scale).rounded(.down)
        var bits = estimate >= Float(Self.kind.bitCount) ? Self.kind.bitCount : max(0, Int(estimate))
        // The division rounds; step to the exact edge of `distance(bits:) <= radius`.
        while bits > 0 && distance(bits: bits) > radius { bits -= 1 }
        while bits < Self.kind.bitCount && distance(bits: bits + 1) <= radius { bits += 1 }
        return bits
    }
}

extension PerceptualHash {
    /// The hash of `kind` of a decoded picture's luminance: what the hash comparison and the evaluation's
    /// baselines compute.
    public static func compute(_ kind: Kind, of image: Image) -> PerceptualHash {
        compute(kind, of: LuminancePlane(width: image.width, height: image.height, interleavedRGB: image.pixels))
    }
}
