import Foundation
import ImageHashing
import ImageIO
import NeuralNet

/// A trained twin model as twindup ships and loads it: safetensors weights of the tower and the constrained
/// head, with metadata naming the architecture, the input size, the default threshold and the model id.
///
/// Loading builds the tower, checks every tensor's name and shape, then folds BatchNorm and ReLU into the
/// convolutions for inference.
public final class TwinDetector {
    public static let formatVersion = "twindup-model-1"

    public let architecture: TwinNetwork.Architecture
    public let head: WeightedL1Head
    /// The probability at or above which a pair is reported as a near-duplicate, chosen on validation pairs: the
    /// window matching's when it is used, else the whole-picture head's.
    public let defaultThreshold: Double
    /// `twindup-<version>+<first 12 hex of a SHA-256>` of the weights (and of the window matching when it is used):
    /// the index refuses embeddings of another id.
    public let modelID: String
    /// How this detector matches crops and framed copies; nil: whole pictures only.
    public let windowMatching: WindowMatching?
    public let metadata: [String: String]
    let inferenceTower: Sequential

    /// `usingWindows: false` ignores the file's window matching: whole pictures only, with the head's own
    /// calibration, threshold and model id (one network pass per picture instead of 1 + n²).
    public init(weights: SafeTensors, source: String, usingWindows: Bool = true) throws(ModelFileError) {
        let metadata = weights.metadata
        guard metadata["format"] == Self.formatVersion else {
            throw ModelFileError(
                file: source, cause: "not a \(Self.formatVersion) file (format is \(metadata["format"] ?? "missing"))")
        }
        guard let architectureText = metadata["architecture"],
            let architecture = ArchitectureCoding.decode(architectureText)
        else { throw ModelFileError(file: source, cause: "the architecture metadata is missing or unreadable") }
        guard metadata["head"] == "constrained" else {
            throw ModelFileError(
                file: source,
                cause: "only the constrained head can serve the index (head is \(metadata["head"] ?? "missing"))")
        }
        guard let thresholdText = metadata["threshold"], let threshold = Double(thresholdText), threshold > 0,
            threshold < 1
        else { throw ModelFileError(file: source, cause: "the default threshold is missing or not a probability") }
        let head = WeightedL1Head(width: architecture.embeddingWidth, constrained: true)
        let network = TwinNetwork(architecture: architecture, head: head, seed: 0)
        do {
            try network.load(weights)
        } catch {
            throw ModelFileError(file: source, cause: "\(error)")
        }
        var windowMatching: WindowMatching?
        if let text = metadata[WindowMatching.metadataKey] {
            guard let matching = WindowMatching(metadataValue: text) else {
                throw ModelFileError(file: source, cause: "the window matching metadata is unreadable: \(text)")
            }
            windowMatching = usingWindows ? matching : nil
        }
        self.architecture = architecture
        self.head = head
        self.windowMatching = windowMatching
        self.defaultThreshold = windowMatching?.threshold ?? threshold
        // A file with window matching keeps the whole-picture id under whole_model_id.
        let wholeID = metadata["whole_model_id"] ?? metadata["model_id"]
        self.modelID = (windowMatching == nil ? wholeID : metadata["model_id"]) ?? "twindup-unknown"
        self.metadata = metadata
        self.inferenceTower = network.tower.foldedForInference()
    }

    public convenience init(contentsOf path: String, usingWindows: Bool = true) throws(ModelFileError) {
        try self.init(weights: Self.weights(contentsOf: path), source: path, usingWindows: usingWindows)
    }

    /// The tensors and metadata of the model file at `path`, unchecked: for commands that rewrite or train from it.
    public static func weights(contentsOf path: String) throws(ModelFileError) -> SafeTensors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, cause: "cannot be read")
        }
        do {
            return try SafeTensors(decoding: [UInt8](data))
        } catch {
            throw ModelFileError(file: path, cause: "\(error)")
        }
    }

    public var inputSide: Int { architecture.inputSide }

    /// How pictures are prepared for this model's network.
    public var inputPreparation: InputPreparation { architecture.inputPreparation }

    /// Embeddings of preprocessed inputs (`NetworkInput.preprocess`), one row each. The tower is convolutional up
    /// to its global pooling, so it also reads inputs of another `side` than it was trained on.
    public func embed(inputs: [[Float]], side: Int? = nil, threads: Int = 1) throws -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let side = side ?? architecture.inputSide
        let tensor = try Tensor(shape: [inputs.count, 3, side, side], scalars: inputs.flatMap { $0 })
        let output = try MirrorInvariance.embed(
            tensor, through: inferenceTower, mirrorInvariant: architecture.mirrorInvariant,
            context: ExecutionContext(mode: .inference, threads: threads))
        let width = output.shape[1]
        return (0..<inputs.count).map { Array(output.scalars[($0 * width)..<(($0 + 1) * width)]) }
    }

    public func embed(_ image: Image) throws -> [Float] {
        try embed(inputs: [NetworkInput.preprocess(image, preparation: inputPreparation)])[0]
    }

    /// p = σ(b − Σ wⱼ|h1ⱼ − h2ⱼ|).
    public func probability(_ first: [Float], _ second: [Float]) -> Double {
        probability(scaledFirst: scaled(first), scaledSecond: scaled(second))
    }

    /// The same for embeddings already scaled by `scaled(_:)`, as the index and the evaluation hold them.
    public func probability(scaledFirst: [Float], scaledSecond: [Float]) -> Double {
        probability(distance: Self.distance(scaledFirst, scaledSecond))
    }

    /// p for an L1 distance between scaled embeddings: between two wholes, or with window matching the closest
    /// distance of two windowed embeddings (then with the window matching's calibration). In Double: a Float
    /// sigmoid rounds every logit above ≈ 17 to exactly 1, which would tie the closest pairs.
    public func probability(distance: Float) -> Double {
        if let windowMatching { return windowMatching.probability(distance: distance) }
        return 1 / (1 + exp(-(Double(head.bias.value.scalars[0]) - Double(distance))))
    }

    /// p for two pictures' windowed embeddings (`matchingEmbedding(of:)`).
    public func probability(_ first: WindowedEmbedding, _ second: WindowedEmbedding) -> Double {
        probability(distance: closestDistance(first, second))
    }

    /// The distance `probability(distance:)` reads for two windowed embeddings, with this detector's penalty.
    public func closestDistance(_ first: WindowedEmbedding, _ second: WindowedEmbedding) -> Float {
        WindowedEmbedding.closestDistance(
            first, second, windowPenalty: Float(windowMatching?.penalty ?? 0),
            alignedWindowPenalty: Float(windowMatching?.alignedPenalty ?? .infinity),
            hashComparison: windowMatching?.hashComparison)
    }

    /// The scaled embedding of `image` and, with window matching, those of its windows (and its hash when the
    /// matching compares hashes).
    public func matchingEmbedding(of image: Image, threads: Int = 1) throws -> WindowedEmbedding {
        try windowedEmbeddings(
            of: [image], windows: windowMatching?.grid, hashes: windowMatching?.hashComparison != nil,
            threads: threads)[0]
    }

    /// The short side pictures are decoded to (at least) for this detector: the network's input side, or with
    /// window matching enough that a window still fills it without enlarging.
    public var minimumDecodeSide: Int {
        guard let windowMatching else { return inputSide }
        return Int((Double(inputSide) / windowMatching.side).rounded(.up))
    }

    /// w ⊙ h: the form the index stores, in which the threshold is a plain L1 radius.
    public func scaled(_ embedding: [Float]) -> [Float] {
        zip(embedding, head.metricWeights).map { $0 * $1 }
    }

    /// The L1 radius within which scaled embeddings have p ≥ `threshold` (with window matching: the radius for
    /// their closest distance).
    public func radius(threshold: Double) -> Float {
        windowMatching?.radius(threshold: threshold) ?? head.radius(threshold: Float(threshold))
    }

    /// Σⱼ |aⱼ − bⱼ| between two scaled embeddings: the weighted L1 distance of the head.
    static func distance(_ first: [Float], _ second: [Float]) -> Float {
        var sum: Float = 0
        for index in first.indices { sum += abs(first[index] - second[index]) }
        return sum
    }

    /// The shipped model's file: `$TWINDUP_MODEL`, else beside the executable (as SwiftPM lays out resources),
    /// else the installed copy.
    public static func defaultModelPath() -> String? {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["TWINDUP_MODEL"] { candidates.append(override) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("twindup_TwinModel.resources/twindup.safetensors").path)
        candidates.append(executable.appendingPathComponent("../share/twindup/twindup.safetensors").standardized.path)
        candidates.append("/usr/share/twindup/twindup.safetensors")
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The id of a weights file: its version and a hash of its tensors.
    public static func modelID(for weights: SafeTensors, version: String) -> String {
        let tensorsOnly = SafeTensors(tensors: weights.tensors).encoded()
        return "twindup-\(version)+\(SHA256.digest(of: tensorsOnly).description.prefix(12))"
    }
}

public struct ModelFileError: Error, CustomStringConvertible {
    public var file: String
    public var cause: String
    public var description: String { "\(file): \(cause)" }
}

/// The architecture as compact JSON for model metadata.
public enum ArchitectureCoding {
    struct Coded: Codable {
        var inputSide: Int
        var inputChannels: Int
        var stemChannels: Int
        var blocks: [[Int]]
        var embeddingWidth: Int
        // Absent from files made before these options existed: such models were trained without them.
        var mirrorInvariant: Bool?
        var trimsBorders: Bool?
        /// Absent for average-and-max pooling, which every model used before the option existed.
        var pooling: String?
    }

    static func poolingName(_ kind: GlobalPooling.Kind) -> String? {
        switch kind {
        case .averageAndMax: return nil
        case .average: return "average"
        case .max: return "max"
        case .generalizedMean(let power): return "gem-\(power)"
        }
    }

    /// Reads the names `poolingName` writes and those `twindup train --pooling` accepts.
    public static func pooling(named name: String?) -> GlobalPooling.Kind? {
        switch name {
        case nil, "average-and-max": return .averageAndMax
        case "average": return .average
        case "max": return .max
        case let name? where name.hasPrefix("gem-"):
            guard let power = Float(name.dropFirst(4)), power >= 1, power <= 16 else { return nil }
            return .generalizedMean(power: power)
        default: return nil
        }
    }

    static func encode(_ architecture: TwinNetwork.Architecture) -> String {
        let coded = Coded(
            inputSide: architecture.inputSide, inputChannels: architecture.inputChannels,
            stemChannels: architecture.stemChannels, blocks: architecture.blocks.map { [$0.outChannels, $0.stride] },
            embeddingWidth: architecture.embeddingWidth, mirrorInvariant: architecture.mirrorInvariant,
            trimsBorders: architecture.trimsBorders, pooling: poolingName(architecture.pooling))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(coded)) ?? Data(), as: UTF8.self)
    }

    static func decode(_ text: String) -> TwinNetwork.Architecture? {
        guard let coded = try? JSONDecoder().decode(Coded.self, from: Data(text.utf8)),
            coded.blocks.allSatisfy({ $0.count == 2 }), coded.inputSide > 0, coded.embeddingWidth > 0,
            let pooling = pooling(named: coded.pooling)
        else { return nil }
        return TwinNetwork.Architecture(
            inputSide: coded.inputSide, inputChannels: coded.inputChannels, stemChannels: coded.stemChannels,
            blocks: coded.blocks.map { TwinNetwork.Block($0[0], stride: $0[1]) }, embeddingWidth: coded.embeddingWidth,
            mirrorInvariant: coded.mirrorInvariant ?? false, trimsBorders: coded.trimsBorders ?? false,
            pooling: pooling)
    }
}

extension TwinNetwork.Architecture {
    /// How pictures are prepared for a network of this architecture.
    public var inputPreparation: InputPreparation { InputPreparation(side: inputSide, trimsBorders: trimsBorders) }
}
