import ImageIO

/// What every decoding fuzzer shares: the limits it decodes under and the properties a result must have.
enum FuzzDecoding {
    /// Far below the daemon's defaults (100 megapixels, 256 MiB files, 8 MiB chunks). The limits are checked from
    /// the headers, so a small limit still reaches every code path, while a legitimate 100-megapixel image would
    /// need over 1 GiB once AddressSanitizer's shadow memory and the Swift copies are counted: libFuzzer would
    /// report that as an out-of-memory crash (-rss_limit_mb) and stop on a file the daemon handles correctly.
    /// One megapixel keeps the largest pixel buffer at 4 MiB, so -malloc_limit_mb can catch any allocation that
    /// the limits should have prevented.
    static let limits = DecodeLimits(
        maxPixels: 1 << 20, maxFileBytes: 1 << 20, maxProgressiveScans: 500, maxChunkBytes: 1 << 20)

    static let decoder = ImageDecoder(limits: limits)

    /// The shipped model's input side.
    static let networkSide = 96

    /// Decodes `bytes` and checks what callers rely on: an image whose buffer matches its size and whose stored
    /// size is within the limits, or an `ImageDecodeError` that names the input and says why. A broken property
    /// traps, which libFuzzer reports as a crash with the input that caused it.
    static func decodeAndCheck(_ bytes: [UInt8], minimumShortSide: Int = 0) {
        let path = "fuzz-input"
        var work = DecodeWork()
        do {
            let image = try decoder.decode(bytes: bytes, path: path, minimumShortSide: minimumShortSide, work: &work)
            precondition(image.width > 0 && image.height > 0, "decoded an empty \(image.width)x\(image.height) image")
            precondition(image.pixels.count == image.width * image.height * 3, "pixel buffer does not match the size")
            precondition(
                image.originalWidth * image.originalHeight <= limits.maxPixels, "decoded an image over the pixel limit")
            precondition(
                image.width <= image.originalWidth && image.height <= image.originalHeight,
                "decoded \(image.width)x\(image.height), larger than the stored picture")
            // What the daemon does next with every picture: cut off uniform borders and squash it into the
            // network's input square. Any size or aspect ratio a decoder can produce must trim and resample within
            // the buffers.
            let input = NetworkInput.preprocess(
                image, preparation: InputPreparation(side: networkSide, trimsBorders: true))
            precondition(input.count == 3 * networkSide * networkSide, "network input of \(input.count) samples")
            // Interpolation weights sum to 1 only up to Float rounding, so 255 can come out a few ulps above 1.
            precondition(input.allSatisfy { (-1e-5...(1 + 1e-5)).contains($0) }, "network input sample outside 0...1")
        } catch {
            precondition(error.path == path && !error.cause.isEmpty, "error without a cause: \(error)")
        }
        precondition(work.pixelBufferBytes <= limits.maxPixels * 4, "pixel buffer of \(work.pixelBufferBytes) bytes")
    }

    /// The fuzzer's bytes as an array; libFuzzer may pass a null pointer with size 0.
    static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
