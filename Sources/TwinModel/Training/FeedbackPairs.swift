import ImageIO

/// Pairs of pictures a person said are not duplicates (`twindup dismiss`), for `twindup train --feedback`: the
/// model's own mistakes, mixed into training batches as hard negative pairs.
///
/// Rate: each step adds `perStep(batchSources:)` of them, one eighth of the batch's source pictures (at least one):
/// 4 pairs to the default 32 sources. Each is one more row of the batch whose two views are the two pictures (each
/// lightly edited a third of the time, so that the network learns the pair and not the exact pixels), labelled
/// distinct; under the default loss its pair weighs as much as one of the batch's positive pairs.
public struct FeedbackPairs: Sendable {
    public struct Pair: Sendable {
        public var first: Image
        public var second: Image
        /// For log lines: where the pictures were read.
        public var label: String

        /// The two decoded pictures, brought to the working size training edits at.
        public init(first: Image, second: Image, label: String) {
            self.first = WorkingPictures.workingSize(first)
            self.second = WorkingPictures.workingSize(second)
            self.label = label
        }
    }

    public let pairs: [Pair]

    public init(pairs: [Pair]) {
        self.pairs = pairs
    }

    /// The share of a batch's source pictures added as feedback pairs.
    public static let shareOfBatch = 0.125

    /// Feedback pairs added to each step of `batchSources` source pictures.
    public func perStep(batchSources: Int) -> Int {
        pairs.isEmpty ? 0 : max(1, Int((Double(batchSources) * Self.shareOfBatch).rounded()))
    }
}
