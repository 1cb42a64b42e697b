import ArgumentParser
import TwinModel

/// The window matching's extra windows, penalties and hash comparison, as `calibrate` and `train` fit it.
struct WindowMatchingOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: "Also match each picture's content inside its uniform borders (frames, letterbox bars) as a window.")
    var contentWindow = WindowMatching.shippedGrid.contentWindow

    @Flag(inversion: .prefixedNo, help: "Also match each picture's mirror image (flipped left to right) as a window.")
    var mirrorWindow = WindowMatching.shippedGrid.mirrorWindow

    @Option(help: "Added to every distance through a window: a window match must be that much closer than the wholes.")
    var windowPenalty: Double = WindowMatching.shippedPenalty

    @Option(
        help: "Added to the distance between two windows at the same place, one of each picture (inf: not compared).")
    var alignedWindowPenalty: Double = WindowMatching.shippedAlignedPenalty

    @Flag(
        inversion: .prefixedNo,
        help:
            "Also compare pictures by their 256-bit PDQ-style hashes (recolouring, patches and captions move them less)."
    )
    var hashComparison = true

    @Option(help: "With --hash-comparison: the distance of two pictures with identical hashes.")
    var hashOffset: Double = Double(WindowMatching.shippedHashComparison.offset)

    @Option(help: "With --hash-comparison: the distance each differing bit adds.")
    var hashScale: Double = Double(WindowMatching.shippedHashComparison.scale)

    /// The hash comparison these options ask for; nil with --no-hash-comparison.
    var comparison: HashComparison? {
        hashComparison ? HashComparison(offset: Float(hashOffset), scale: Float(hashScale)) : nil
    }

    /// An N×N grid of windows of `side` with the extra windows these options ask for.
    func grid(perAxis: Int, side: Double) -> WindowGrid {
        WindowGrid(perAxis: perAxis, side: side, contentWindow: contentWindow, mirrorWindow: mirrorWindow)
    }

    /// `--aligned-window-penalty` as `WindowMatching.alignedPenalty` takes it: nil for inf.
    var alignedPenalty: Double? { alignedWindowPenalty.isFinite ? alignedWindowPenalty : nil }

    func validate() throws {
        guard windowPenalty >= 0 && windowPenalty.isFinite else {
            throw ValidationError("--window-penalty must be a distance of 0 or more")
        }
        guard alignedWindowPenalty >= 0 && !alignedWindowPenalty.isNaN else {
            throw ValidationError("--aligned-window-penalty must be a distance of 0 or more, or inf")
        }
        guard hashScale > 0 && hashScale.isFinite && hashOffset.isFinite else {
            throw ValidationError("--hash-scale must be above 0 and --hash-offset finite")
        }
    }
}
