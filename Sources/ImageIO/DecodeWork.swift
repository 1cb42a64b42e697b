/// What one decode cost, counted rather than timed, so tests can compare work without a clock.
public struct DecodeWork: Sendable, Equatable {
    /// Bytes of pixel buffer the codec allocated (0 when the file was refused before allocating).
    public var pixelBufferBytes: Int = 0
    /// Pixels the codec produced (after DCT-domain scaling, before orientation).
    public var decodedPixels: Int = 0
    /// JPEG scans (SOS markers) read: 1 for baseline, about 10 for a usual progressive file; a refused scan bomb
    /// stops one past `DecodeLimits.maxProgressiveScans`.
    public var scansRead: Int = 0
    /// The largest single block libpng (with its zlib streams) asked for; 0 for JPEG, whose working memory is
    /// capped by libjpeg itself.
    public var largestCodecAllocation: Int = 0

    public init() {}
}
