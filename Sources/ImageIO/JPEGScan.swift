import CTwindupShims

/// One scan of a progressive JPEG (libjpeg's `jpeg_scan_info`): the components it carries, the coefficients it
/// codes (spectral selection, 0...63) and the bits (successive approximation: `highBit` 0 for a first pass).
struct JPEGScan: Sendable, Equatable {
    var components: [Int]
    var coefficients: ClosedRange<Int>
    var highBit: Int
    var lowBit: Int

    var cScan: twindup_jpeg_scan {
        precondition((1...4).contains(components.count), "a scan carries 1...4 components")
        let padded = components.map { UInt8(clamping: $0) } + [UInt8](repeating: 0, count: 4 - components.count)
        return twindup_jpeg_scan(
            component_count: UInt8(components.count), components: (padded[0], padded[1], padded[2], padded[3]),
            spectral_start: UInt8(clamping: coefficients.lowerBound),
            spectral_end: UInt8(clamping: coefficients.upperBound),
            high_bit: UInt8(clamping: highBit), low_bit: UInt8(clamping: lowBit))
    }
}
