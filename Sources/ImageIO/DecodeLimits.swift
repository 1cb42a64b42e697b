/// Bounds that refuse decompression bombs before any pixel buffer is allocated.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest stored width × height accepted (default 100 megapixels).
    public var maxPixels: Int
    /// Largest file read into memory (default 256 MiB).
    public var maxFileBytes: Int
    /// Progressive JPEGs with more scans than this are refused: each scan re-walks the whole image, so a few
    /// kilobytes of scans can cost minutes of CPU. Real encoders write about ten.
    public var maxProgressiveScans: Int
    /// Largest PNG ancillary chunk (text, ICC profile, eXIf), stored or decompressed (default 8 MiB). A compressed
    /// chunk that inflates past it is skipped with a warning; one whose stored bytes are over it is refused.
    public var maxChunkBytes: Int

    public init(
        maxPixels: Int = 100_000_000, maxFileBytes: Int = 256 << 20, maxProgressiveScans: Int = 500,
        maxChunkBytes: Int = 8 << 20
    ) {
        precondition(
            maxPixels > 0 && maxFileBytes > 0 && maxProgressiveScans > 0 && maxChunkBytes > 0,
            "limits must be positive")
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.maxProgressiveScans = maxProgressiveScans
        self.maxChunkBytes = maxChunkBytes
    }

    /// libjpeg's working memory (progressive coefficient buffers hold 2 bytes per sample, up to 4 components),
    /// with room for its small tables. Saturates rather than overflowing for a pixel limit near `Int.max`.
    var maxDecoderBytes: Int {
        let tables = 64 << 20
        return maxPixels > (Int.max - tables) / 8 ? Int.max : maxPixels * 8 + tables
    }
}
