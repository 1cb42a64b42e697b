import ImageHashing
import ImageIO
import TwinModel

/// The pictures of an index's dismissed pairs, decoded for `twindup train --feedback`.
public enum DismissedPairPictures {
    /// What loading found.
    public struct Loaded: Sendable {
        public var feedback: FeedbackPairs
        /// One line per dismissed pair left out, naming the picture that could not be found.
        public var skipped: [String]
    }

    /// Each dismissed pair's two pictures: each read where it was when dismissed or, failing that, where the index
    /// now holds a file with its bytes (it moved), and used only if its bytes are still the dismissed ones. A pair
    /// with a picture found nowhere is skipped and named in `skipped`.
    public static func load(from store: IndexStore, decoder: ImageDecoder = ImageDecoder()) throws -> Loaded {
        var pairs: [FeedbackPairs.Pair] = []
        var skipped: [String] = []
        for dismissal in try store.dismissals() {
            let first = try picture(dismissal.pair.first, dismissedAt: dismissal.firstPath, store, decoder)
            let second = try picture(dismissal.pair.second, dismissedAt: dismissal.secondPath, store, decoder)
            guard let first, let second else {
                let missing = first == nil ? dismissal.firstPath : dismissal.secondPath
                skipped.append(
                    "skipped the dismissed pair \(dismissal.firstPath) and \(dismissal.secondPath): \(missing) is "
                        + "gone (no readable picture with its bytes remains)")
                continue
            }
            pairs.append(
                FeedbackPairs.Pair(
                    first: first, second: second, label: "\(dismissal.firstPath) | \(dismissal.secondPath)"))
        }
        return Loaded(feedback: FeedbackPairs(pairs: pairs), skipped: skipped)
    }

    /// The picture with the contents `hash`, decoded at least at training's working size, or nil.
    private static func picture(
        _ hash: [UInt8], dismissedAt path: RawPath, _ store: IndexStore, _ decoder: ImageDecoder
    ) throws(IndexError) -> Image? {
        var candidates = [path]
        for current in try store.paths(withContent: hash) where current != path { candidates.append(current) }
        for candidate in candidates {
            guard let read = try? FileSystem.readRegularFile(candidate, maxBytes: decoder.limits.maxFileBytes),
                SHA256.digest(of: read.bytes).bytes == hash
            else { continue }
            var work = DecodeWork()
            if let image = try? decoder.decode(
                bytes: read.bytes, path: candidate.description, minimumShortSide: WorkingPictures.workingShortSide,
                work: &work)
            {
                return image
            }
        }
        return nil
    }
}
