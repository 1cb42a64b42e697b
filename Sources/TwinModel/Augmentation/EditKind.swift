/// The edits users make to pictures, which the twin model must see through. Each is both a training
/// augmentation and a column of the evaluation report.
public enum EditKind: String, CaseIterable, Sendable, Codable {
    /// A smaller copy (thumbnail, web export).
    case rescale
    /// Re-saved as JPEG at quality 20–95.
    case jpeg
    /// Cropped, keeping 70–95% of the area.
    case crop
    /// Cropped hard, keeping 50–70% of the area: the hardest kind for one global embedding.
    case halfCrop = "half-crop"
    /// Stretched or squeezed (aspect ratio changed by up to 1.5×).
    case aspect
    /// A frame or letterbox bars added around the picture.
    case border
    /// Brightness, contrast, gamma, saturation and hue changed as in a photo editor.
    case colour
    /// Turned to grayscale.
    case grayscale
    /// Gaussian blur.
    case blur
    /// Sensor-like Gaussian noise.
    case noise
    /// Caption, watermark or date stamp drawn over the picture.
    case text
    /// Stickers, logos or redaction boxes covering part of the picture.
    case patch
    /// Rotated by up to ±10°, with the corners filled or cropped away.
    case rotation
    /// Mirrored left to right.
    case mirror
    /// Two to four of the edits above, one after the other.
    case combined
}
