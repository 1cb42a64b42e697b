/// The one preprocessing step that training and inference share: decode (JPEGs at the smallest sufficient DCT
/// scale) → turn upright → squash the whole picture into a `side`×`side` square (no crop, no borders: those are
/// edits the network must learn to match) → planar float RGB.
public enum NetworkInput {
    /// The output: `3 * side * side` floats, channel-major (CHW: all red rows, then green, then blue), each
    /// sample scaled to 0...1. The network standardises each image itself.
    public static func preprocess(
        fileAt path: String, side: Int, decoder: ImageDecoder = ImageDecoder()
    ) throws(ImageDecodeError) -> [Float] {
        let image = try decoder.decode(fileAt: path, minimumShortSide: side)
        return preprocess(image, side: side)
    }

    /// The same steps for an already decoded, upright image (training augmentations work on these).
    public static func preprocess(_ image: Image, side: Int) -> [Float] {
        precondition(side > 0, "the network input side must be positive")
        // Area averaging when both axes shrink; bilinear when the picture is smaller than the square.
        let shrinking = image.width >= side && image.height >= side
        var planes = image.planarSamples(width: side, height: side, filter: shrinking ? .areaAverage : .bilinear)
        let scale: Float = 1 / 255
        for index in planes.indices {
            planes[index] *= scale
        }
        return planes
    }
}
