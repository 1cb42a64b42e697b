import Foundation
import NeuralNet

/// Everything that determines a training run. Stored as JSON in checkpoints and in the model's metadata, so
/// that a run can be resumed and a shipped model reproduced.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    public enum LossKind: String, Sendable, Codable, CaseIterable {
        /// Binary cross-entropy of the twin head over every pair of a batch (Koch et al.).
        case bce
        /// Hadsell–Chopra–LeCun contrastive loss on embedding distance.
        case contrastive
        /// FaceNet triplet loss with semi-hard in-batch mining.
        case triplet
    }

    public enum HeadKind: String, Sendable, Codable, CaseIterable {
        /// p = σ(b − Σ softplus(aⱼ)|h1ⱼ − h2ⱼ|): the shipped head, a threshold is an L1 radius.
        case constrained
        /// p = σ(b + Σ aⱼ|h1ⱼ − h2ⱼ|) with aⱼ of either sign (ablation).
        case unconstrained
        /// p = σ(b + Σ vⱼ(h1ⱼ − h2ⱼ)) on the signed difference (ablation; known to fail).
        case signed
    }

    public var seed: UInt64 = 1
    /// The shipped model's loss (`twindup train`'s default).
    public var loss: LossKind = .contrastive
    public var head: HeadKind = .constrained
    /// Source pictures per step; each gives two views, so the network sees twice this many images.
    public var batchSources = 32
    /// The shipped model's length (`twindup train`'s default).
    public var steps = 10000
    public var learningRate: Float = 2e-3
    public var minimumLearningRate: Float = 2e-5
    public var warmupSteps = 300
    public var weightDecay: Float = 5e-5
    public var gradientClipNorm: Float = 5
    public var contrastiveMargin: Float = 4
    public var tripletMargin: Float = 1
    public var threads = 2
    public var checkpointEvery = 100
    public var validateEvery = 500
    /// Every this many steps the current model embeds all training pictures and records, for each, the
    /// closest pictures of other groups; batches then mix pictures with their hardest neighbours.
    public var mineEvery = 1000
    public var minedNeighbours = 8
    /// Validation pictures used for the running validation (all of them when larger than the split).
    public var validationPictures = 400
    /// Train a mirror-invariant network (`TwinNetwork.Architecture.mirrorInvariant`). Optional so that
    /// configurations written before the option existed still read: absent means off.
    public var mirrorInvariant: Bool?
    /// Train on pictures with their uniform borders cut off (`TwinNetwork.Architecture.trimsBorders`); absent
    /// means off.
    public var trimsBorders: Bool?
    /// Global pooling by `ArchitectureCoding.pooling(named:)`: the shipped model's generalised mean by default.
    /// Configurations written before the option existed lack it and read as nil: average and max, as trained then.
    public var pooling: String? = "gem-3"

    /// Side of the network's square input in pixels; absent means the standard architecture's (96), as every run
    /// before the option trained.
    public var inputSide: Int?
    /// The side the shipped model reads (`twindup-1.0+b041f370bbf7` on): `twindup train`'s and `twindup bench
    /// neural`'s default.
    public static let shippedInputSide = 112
    /// `SameSourceLinks.digest` of the links the run keeps out of its distinct pairs; absent means none, as for
    /// every run before links existed.
    public var sameSourceLinks: String?
    /// The share of training pairs made of one of a picture's windows (as window matching embeds them) and a copy
    /// of about the same part, edited (`PairSampler.windowViews`); absent means none, as every run before the
    /// option trained.
    public var windowViews: Double?
    /// The model id of the weights training started from (`twindup train --initial-weights`); absent means the
    /// seeded initialisation.
    public var initialWeights: String?

    /// The shipped architecture with this run's options.
    public var architecture: TwinNetwork.Architecture { applyingOptions(to: .standard) }

    /// `base` with this run's input options where they are set.
    public func applyingOptions(to base: TwinNetwork.Architecture) -> TwinNetwork.Architecture {
        var architecture = base
        if let mirrorInvariant { architecture.mirrorInvariant = mirrorInvariant }
        if let trimsBorders { architecture.trimsBorders = trimsBorders }
        if let kind = ArchitectureCoding.pooling(named: pooling) { architecture.pooling = kind }
        if let inputSide { architecture.inputSide = inputSide }
        return architecture
    }

    public init() {}

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public init(json: String) throws {
        self = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8))
    }
}
