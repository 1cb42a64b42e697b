/// What a model expects of its input pictures, as its file records it.
public struct InputPreparation: Sendable, Equatable {
    /// The network reads `side`×`side` pictures.
    public var side: Int
    /// Frames and letterbox bars are cut off before squashing (`BorderTrimming`).
    public var trimsBorders: Bool

    public init(side: Int, trimsBorders: Bool) {
        precondition(side > 0, "the network input side must be positive")
        self.side = side
        self.trimsBorders = trimsBorders
    }
}

/// The one preprocessing step that training and inference share: decode (JPEGs at the smallest sufficient DCT
/// scale) → turn upright → cut off uniform borders when the model asks for it → squash the whole picture into a
/// `side`×`side` square (no crop: crops are edits the network must learn to match) → planar float RGB.
public enum NetworkInput {
    /// The output: `3 * side * side` floats, channel-major (CHW: all red rows, then green, then blue), each
    /// sample scaled to 0...1. The network standardises each image itself.
    public static func preprocess(
        fileAt path: String, preparation: InputPreparation, decoder: ImageDecoder = ImageDecoder()
    ) throws(ImageDecodeError) -> [Float] {
        let image = try decoder.decode(fileAt: path, minimumShortSide: preparation.side)
        return preprocess(image, preparation: preparation)
    }

    /// The same steps for an already decoded, upright image (training augmentations work on these).
    public static func preprocess(_ image: Image, preparation: InputPreparation) -> [Float] {
        let side = preparation.side
        let content = preparation.trimsBorders ? BorderTrimming().trimmed(image) : image
        // Area averaging when both axes shrink; bilinear when the picture is smaller than the square.
        let shrinking = content.width >= side && content.height >= side
        var planes = content.planarSamples(width: side, height: side, filter: shrinking ? .areaAverage : .bilinear)
        let scale: Float = 1 / 255
        for index in planes.indices {
            planes[index] *= scale
        }
        return planes
    }
}
