/// The twin network: one embedding tower applied to both images, and a head comparing the two embeddings.
///
/// The tower is per-image standardisation, a 3×3 stride-2 stem convolution with BatchNorm and ReLU, a stack of
/// depthwise-separable blocks (depthwise 3×3 + BN + ReLU, pointwise 1×1 + BN + ReLU), global pooling (a generalised
/// mean as shipped; earlier models concatenated average and max), and a dense layer to the embedding.
public final class TwinNetwork {
    /// One depthwise-separable block: its output channels and the depthwise convolution's stride.
    public struct Block: Sendable, Equatable {
        public var outChannels: Int
        public var stride: Int

        public init(_ outChannels: Int, stride: Int) {
            self.outChannels = outChannels
            self.stride = stride
        }
    }

    public struct Architecture: Sendable, Equatable {
        public var inputSide: Int
        public var inputChannels: Int
        public var stemChannels: Int
        public var blocks: [Block]
        public var embeddingWidth: Int
        /// The embedding is the mean of the tower's embeddings of the picture and of its mirror image, so that a
        /// mirrored copy embeds exactly like its original (at twice the cost).
        public var mirrorInvariant: Bool
        /// Uniform borders are cut off before the picture is squashed to the input square (`BorderTrimming`).
        public var trimsBorders: Bool
        /// How the last feature map becomes one vector before the dense layer.
        public var pooling: GlobalPooling.Kind

        public init(
            inputSide: Int, inputChannels: Int = 3, stemChannels: Int, blocks: [Block], embeddingWidth: Int,
            mirrorInvariant: Bool = false, trimsBorders: Bool = false, pooling: GlobalPooling.Kind = .averageAndMax
        ) {
            self.inputSide = inputSide
            self.inputChannels = inputChannels
            self.stemChannels = stemChannels
            self.blocks = blocks
            self.embeddingWidth = embeddingWidth
            self.mirrorInvariant = mirrorInvariant
            self.trimsBorders = trimsBorders
            self.pooling = pooling
        }

        /// twindup's network: 96×96 RGB in, generalised-mean pooling (p = 3), 128 floats out, about 84 MFLOP per
        /// image. The shipped model reads it at 112×112 (`inputSide`, about 115 MFLOP).
        public static let standard = Architecture(
            inputSide: 96, stemChannels: 32,
            blocks: [
                Block(64, stride: 1), Block(128, stride: 2), Block(128, stride: 1), Block(256, stride: 2),
                Block(256, stride: 1), Block(256, stride: 2), Block(256, stride: 1),
            ],
            embeddingWidth: 128, pooling: .generalizedMean(power: 3))

        public var inputShape: [Int] { [inputChannels, inputSide, inputSide] }
    }

    public let architecture: Architecture
    public let tower: Sequential
    public let head: any TwinHead

    public init(architecture: Architecture, head: (any TwinHead)? = nil, seed: UInt64) {
        var random = RandomSource(seed: seed)
        var layers: [any Layer] = [PerImageStandardization(name: "standardize")]
        layers += [
            Conv2D(
                name: "stem.conv", inChannels: architecture.inputChannels, outChannels: architecture.stemChannels,
                kernelSize: 3, stride: 2, padding: 1, hasBias: false, random: &random),
            BatchNorm(name: "stem.bn", channels: architecture.stemChannels),
            ReLU(name: "stem.relu"),
        ]
        var channels = architecture.stemChannels
        for (index, block) in architecture.blocks.enumerated() {
            let prefix = "block\(index + 1)"
            layers += [
                DepthwiseConv2D(
                    name: "\(prefix).depthwise", channels: channels, stride: block.stride, hasBias: false,
                    random: &random),
                BatchNorm(name: "\(prefix).depthwise_bn", channels: channels),
                ReLU(name: "\(prefix).depthwise_relu"),
                Conv2D(
                    name: "\(prefix).pointwise", inChannels: channels, outChannels: block.outChannels, kernelSize: 1,
                    hasBias: false, random: &random),
                BatchNorm(name: "\(prefix).pointwise_bn", channels: block.outChannels),
                ReLU(name: "\(prefix).pointwise_relu"),
            ]
            channels = block.outChannels
        }
        layers += [
            GlobalPooling(name: "pool", kind: architecture.pooling),
            Dense(
                name: "embedding", inputs: architecture.pooling.outputWidth(channels: channels),
                outputs: architecture.embeddingWidth, random: &random),
        ]
        self.architecture = architecture
        self.tower = Sequential(layers)
        self.head = head ?? WeightedL1Head(width: architecture.embeddingWidth)
    }

    /// Tower and head tensors under their full names, as saved in weights files.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        tower.namedParameters + head.namedParameters
    }

    /// Floating-point operations to embed one image (both passes when mirror-invariant).
    public var flopsPerImage: Int {
        tower.flops(for: [1] + architecture.inputShape) * (architecture.mirrorInvariant ? 2 : 1)
    }

    /// Embeddings `[N, width]` of a batch `[N, C, H, W]`: the tower's, or with `mirrorInvariant` the mean of the
    /// tower's for each picture and its mirror image. In training mode `embeddingBackward` follows.
    public func embed(_ input: Tensor, context: ExecutionContext) throws(NeuralNetError) -> Tensor {
        try MirrorInvariance.embed(
            input, through: tower, mirrorInvariant: architecture.mirrorInvariant, context: context)
    }

    /// Backpropagates the gradient of the loss with respect to `embed`'s output through the tower.
    public func embeddingBackward(_ gradient: Tensor, context: ExecutionContext) throws(NeuralNetError) {
        let towerGradient = architecture.mirrorInvariant ? MirrorInvariance.splitGradient(gradient) : gradient
        _ = try tower.backward(towerGradient, context: context)
    }

    public func load(_ weights: SafeTensors) throws(NeuralNetError) { try weights.assign(to: namedParameters) }

    public func weights(metadata: [String: String] = [:]) -> SafeTensors {
        SafeTensors(
            tensors: Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter.value) }),
            metadata: metadata)
    }
}
