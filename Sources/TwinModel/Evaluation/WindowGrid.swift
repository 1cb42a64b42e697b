import ImageHashing
import ImageIO

/// Windows of a picture embedded beside the whole picture, so that a crop can meet the part of the original it
/// shows, and a framed copy can show its original whole: an n×n grid of windows, each `side` of the picture's
/// width and height, the outer ones touching the picture's edges; and optionally two more: the picture without its
/// uniform frame or letterbox bars (`BorderTrimming`), so that a framed copy's content meets its original whole
/// whatever the frame's width, and the picture mirrored, so that a flipped copy meets its original.
///
/// One global embedding of a squashed view cannot hold both a picture and its halves; each window is a real
/// network pass on that part of the picture (pooling windows of one feature map was measured and does not help:
/// model card, Ablations).
public struct WindowGrid: Sendable, Equatable, CustomStringConvertible {
    public var perAxis: Int
    public var side: Double
    /// The network input side windows are squashed to; nil: the model's own. A smaller side makes a window's
    /// pass cheaper (the cost goes with the side squared).
    public var inputSide: Int?
    /// Whether a window after the grid is the picture's content inside its borders: the whole picture again when
    /// it has none. Trimming is an extra view rather than the whole's preparation, because it depends on the edit
    /// (text or a recolouring near an edge trims differently), so a pair still meets whole against whole.
    public var contentWindow: Bool
    /// Whether the very last window is the whole picture mirrored left to right, so that a flipped copy meets its
    /// original whole: the network sees left and right, so a mirrored picture is not near its original by itself.
    public var mirrorWindow: Bool

    public init(
        perAxis: Int, side: Double, inputSide: Int? = nil, contentWindow: Bool = false, mirrorWindow: Bool = false
    ) {
        precondition(perAxis >= 1 && side > 0 && side < 1, "a window grid needs ≥ 1 window per axis and 0 < side < 1")
        precondition(inputSide.map { $0 >= 16 } ?? true, "windows need an input side of at least 16")
        self.perAxis = perAxis
        self.side = side
        self.inputSide = inputSide
        self.contentWindow = contentWindow
        self.mirrorWindow = mirrorWindow
    }

    /// Windows per picture.
    public var count: Int { perAxis * perAxis + (contentWindow ? 1 : 0) + (mirrorWindow ? 1 : 0) }

    public var description: String {
        "\(perAxis)×\(perAxis) windows of \(side) side" + (contentWindow ? " and the content inside borders" : "")
            + (mirrorWindow ? " and the mirror image" : "")
            + (inputSide.map { " at \($0)×\($0)" } ?? "")
    }

    /// The windows' rectangles in a `width`×`height` picture, row by row, top-left first.
    public func rectangles(width: Int, height: Int) -> [(x: Int, y: Int, width: Int, height: Int)] {
        let windowWidth = max(1, Int((Double(width) * side).rounded()))
        let windowHeight = max(1, Int((Double(height) * side).rounded()))
        func offset(_ step: Int, _ slack: Int) -> Int {
            perAxis == 1 ? slack / 2 : Int((Double(slack) * Double(step) / Double(perAxis - 1)).rounded())
        }
        var result: [(x: Int, y: Int, width: Int, height: Int)] = []
        for row in 0..<perAxis {
            for column in 0..<perAxis {
                result.append(
                    (offset(column, width - windowWidth), offset(row, height - windowHeight), windowWidth, windowHeight)
                )
            }
        }
        return result
    }

    /// The windows of `image`, in the order of `rectangles`, then the content and mirror windows if any, cut
    /// from a copy whose short side is at most `sourceShortSide`: a picture decoded at full size (PNGs have no DCT
    /// scaling) would otherwise be copied nine times at full resolution only to be shrunk to the network's input,
    /// and the benchmarks cut their windows from pictures smaller still (`WorkingPictures.workingShortSide`).
    public func windows(of image: Image) -> [Image] {
        cut(image).windows
    }

    /// The network inputs of `image`'s windows, in the order of `windows(of:)`, each prepared as `preparation`
    /// says; nil for a content window that is the whole picture (it has no borders), whose embedding is the
    /// whole picture's: most pictures have no frame, and this spares them a pass.
    public func networkInputs(of image: Image, preparation: InputPreparation) -> [[Float]?] {
        let (source, windows) = cut(image)
        let contentPlace = contentWindow ? perAxis * perAxis : nil
        return windows.enumerated().map { place, window in
            let isWhole = window.width == source.width && window.height == source.height
            return place == contentPlace && isWhole ? nil : NetworkInput.preprocess(window, preparation: preparation)
        }
    }

    /// The copy windows are cut from (`windows(of:)`) and the windows.
    private func cut(_ image: Image) -> (source: Image, windows: [Image]) {
        let source = Self.reduced(image)
        var windows = rectangles(width: source.width, height: source.height).map {
            source.cropped(x: $0.x, y: $0.y, width: $0.width, height: $0.height)
        }
        if contentWindow { windows.append(BorderTrimming().trimmed(source)) }
        if mirrorWindow { windows.append(source.mirrored()) }
        return (source, windows)
    }

    /// `image`, or a copy of it reduced (area average) to a short side of `sourceShortSide` when larger.
    public static func reduced(_ image: Image) -> Image {
        let shortSide = min(image.width, image.height)
        guard shortSide > sourceShortSide else { return image }
        return image.resized(
            width: max(1, image.width * sourceShortSide / shortSide),
            height: max(1, image.height * sourceShortSide / shortSide), filter: .areaAverage)
    }

    /// Twice the working pictures' short side: windows of 0.8 are still twice the network's input.
    static let sourceShortSide = 2 * WorkingPictures.workingShortSide
}

/// What the matching needs of one decoded picture before the network runs.
public struct MatchingInputs: Sendable {
    /// The whole picture's network input.
    public var whole: [Float]
    /// Its windows' inputs (`WindowGrid.networkInputs`); empty without a grid.
    public var windows: [[Float]?]
    /// Its hash when the matching compares hashes.
    public var hash: PerceptualHash?
}

/// How a detector turns a decoded picture into `MatchingInputs`: the scan, `compare`, the evaluation and the
/// calibration all go through `inputs(of:)`, so they see a picture alike.
public struct MatchingPreparation: Sendable {
    public var whole: InputPreparation
    public var windows: WindowGrid?
    public var hashes: Bool

    public init(whole: InputPreparation, windows: WindowGrid?, hashes: Bool) {
        self.whole = whole
        self.windows = windows
        self.hashes = hashes
    }

    /// The windows' preparation: the whole's, at the grid's input side if it has one.
    public var window: InputPreparation {
        InputPreparation(side: windows?.inputSide ?? whole.side, trimsBorders: whole.trimsBorders)
    }

    /// Everything from one copy reduced to a short side of at most `WindowGrid.sourceShortSide`
    /// (`WindowGrid.reduced`): a picture decoded at full size (PNGs have no DCT scaling) would otherwise be
    /// resampled at full resolution for the whole's input, for the windows and for the hash. The benchmarks'
    /// pictures are smaller than that already, so what they measured is what this computes.
    public func inputs(of image: Image) -> MatchingInputs {
        let source = WindowGrid.reduced(image)
        return MatchingInputs(
            whole: NetworkInput.preprocess(source, preparation: whole),
            windows: windows?.networkInputs(of: source, preparation: window) ?? [],
            hash: hashes ? HashComparison.hash(of: source) : nil)
    }
}

/// A picture's scaled embedding and those of its windows (none without a grid).
public struct WindowedEmbedding: Sendable {
    public var whole: [Float]
    public var windows: [[Float]]
    /// The picture's hash when the matching compares hashes (`HashComparison`); nil otherwise.
    public var hash: PerceptualHash?

    public init(whole: [Float], windows: [[Float]], hash: PerceptualHash? = nil) {
        self.whole = whole
        self.windows = windows
        self.hash = hash
    }

    /// The smallest L1 distance between `first` and `second` whole, or between the whole of one and a window of the
    /// other: a crop of a picture is near one of its windows, and a picture is near a window of its framed copy.
    /// Window against window is left out: two pictures that share only a corner are not near-duplicates.
    ///
    /// A distance through a window counts `windowPenalty` more: a window match must be that much closer than the
    /// wholes to decide the pair, so that distinct pictures that merely share a region (two skies) meet less often.
    /// With `hashComparison` and both hashes, the hashes' distance (`HashComparison.distance`) is one more candidate.
    public static func closestDistance(
        _ first: WindowedEmbedding, _ second: WindowedEmbedding, windowPenalty: Float = 0,
        alignedWindowPenalty: Float = .infinity, hashComparison: HashComparison? = nil
    ) -> Float {
        var throughWindow = Float.infinity
        for window in second.windows { throughWindow = min(throughWindow, TwinDetector.distance(first.whole, window)) }
        for window in first.windows { throughWindow = min(throughWindow, TwinDetector.distance(window, second.whole)) }
        var aligned = Float.infinity
        if alignedWindowPenalty.isFinite, first.windows.count == second.windows.count {
            for (window, other) in zip(first.windows, second.windows) {
                aligned = min(aligned, TwinDetector.distance(window, other))
            }
        }
        var throughHash = Float.infinity
        if let hashComparison, let firstHash = first.hash, let secondHash = second.hash {
            throughHash = hashComparison.distance(firstHash, secondHash)
        }
        return min(
            TwinDetector.distance(first.whole, second.whole), throughWindow + windowPenalty,
            aligned + alignedWindowPenalty, throughHash)
    }
}

extension TwinDetector {
    /// How this detector prepares pictures for a matching with `windows` (and hashes when `hashes`).
    public func matchingPreparation(windows: WindowGrid?, hashes: Bool) -> MatchingPreparation {
        MatchingPreparation(whole: inputPreparation, windows: windows, hashes: hashes)
    }

    /// How this detector prepares pictures for its own matching.
    public var matchingPreparation: MatchingPreparation {
        matchingPreparation(windows: windowMatching?.grid, hashes: windowMatching?.hashComparison != nil)
    }

    /// Scaled embeddings of `images`, with those of their windows when `windows` is set and their hashes when
    /// `hashes` is, in batches of about 64 network passes.
    public func windowedEmbeddings(
        of images: [Image], windows: WindowGrid?, hashes: Bool = false, threads: Int
    ) throws -> [WindowedEmbedding] {
        let preparation = matchingPreparation(windows: windows, hashes: hashes)
        let windowsPerImage = windows?.count ?? 0
        let imagesPerBatch = max(1, 64 / (1 + windowsPerImage))
        var result: [WindowedEmbedding] = []
        result.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let batch = Array(images[start..<min(start + imagesPerBatch, images.count)])
            let inputs = concurrentMap(batch, threads: threads, preparation.inputs(of:))
            let wholes = try embed(inputs: inputs.map(\.whole), threads: threads).map(scaled)
            var windowRows: [[[Float]]] = Array(repeating: [], count: batch.count)
            if windows != nil {
                windowRows = try scaledWindowEmbeddings(
                    of: inputs.map(\.windows), wholes: wholes, side: preparation.window.side, threads: threads)
            }
            for position in batch.indices {
                result.append(
                    WindowedEmbedding(
                        whole: wholes[position], windows: windowRows[position], hash: inputs[position].hash))
            }
            start += imagesPerBatch
        }
        return result
    }

    /// Scaled embeddings of pictures' window inputs (`WindowGrid.networkInputs`), one list per picture, in
    /// batches of up to `batchSize` passes; a nil input (a content window that is the whole picture) takes that
    /// picture's scaled whole embedding from `wholes` instead of a pass.
    public func scaledWindowEmbeddings(
        of inputs: [[[Float]?]], wholes: [[Float]], side: Int? = nil, threads: Int, batchSize: Int = 64
    ) throws -> [[[Float]]] {
        precondition(inputs.count == wholes.count, "one whole embedding per picture")
        let passes = inputs.flatMap { $0.compactMap { $0 } }
        var rows: [[Float]] = []
        rows.reserveCapacity(passes.count)
        var start = 0
        while start < passes.count {
            let end = min(start + batchSize, passes.count)
            rows += try embed(inputs: Array(passes[start..<end]), side: side, threads: threads).map(scaled)
            start = end
        }
        var next = 0
        return zip(inputs, wholes).map { pictureInputs, whole in
            pictureInputs.map { input in
                guard input != nil else { return whole }
                defer { next += 1 }
                return rows[next]
            }
        }
    }
}

/// A `PairBenchmark` (every picture against one edited copy per edit kind of every picture) embedded whole and,
/// with a grid, as windows: what the evaluation, the penalty sweep and the window calibration score.
struct WindowedBenchmark {
    let benchmark: PairBenchmark
    let originals: [WindowedEmbedding]
    let edited: [WindowedEmbedding]

    init(
        detector: TwinDetector, pictures: WorkingPictures, seed: UInt64, threads: Int, windows: WindowGrid?,
        hashes: Bool = false
    ) throws {
        benchmark = PairBenchmark(
            pictures: pictures, maximumPictures: Int.max, kinds: EditKind.allCases, kindsPerPicture: nil, seed: seed,
            threads: threads)
        originals = try detector.windowedEmbeddings(
            of: benchmark.originals.map { pictures.images[$0] }, windows: windows, hashes: hashes, threads: threads)
        edited = try detector.windowedEmbeddings(
            of: benchmark.edited.map(\.image), windows: windows, hashes: hashes, threads: threads)
    }

    /// The closest distance (`WindowedEmbedding.closestDistance`) of every (original, copy), by original.
    func closestDistances(
        windowPenalty: Float, alignedWindowPenalty: Float = .infinity, hashComparison: HashComparison? = nil,
        threads: Int
    ) -> [[Float]] {
        let (originals, edited) = (self.originals, self.edited)
        return concurrentMap(Array(originals.indices), threads: threads) { original in
            edited.map {
                WindowedEmbedding.closestDistance(
                    originals[original], $0, windowPenalty: windowPenalty, alignedWindowPenalty: alignedWindowPenalty,
                    hashComparison: hashComparison)
            }
        }
    }
}
