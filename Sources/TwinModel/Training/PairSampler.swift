import ImageIO
import NeuralNet

/// Chooses the pictures of a training step and makes the two views of each: the way users make near-duplicates,
/// often one side is the untouched original and only the other is edited.
struct PairSampler {
    let pictures: WorkingPictures
    let editor = PictureEditor()
    /// The share of pairs made by `windowViews` (`TrainingConfiguration.windowViews`).
    var windowViewShare: Double = 0

    /// How often each edit is drawn for the edited view. Crops, the hardest kind for one global embedding, and
    /// the combinations of several edits are drawn most.
    static let editWeights: [(EditKind, Int)] = [
        (.rescale, 4), (.jpeg, 6), (.crop, 8), (.halfCrop, 12), (.aspect, 3), (.border, 8), (.colour, 8),
        (.grayscale, 4), (.blur, 4), (.noise, 4), (.text, 7), (.patch, 6), (.rotation, 7), (.mirror, 5),
        (.combined, 14),
    ]

    /// `count` pictures of distinct families (every pair of them may be a distinct pair): half drawn at random,
    /// and where mined neighbours are known, each of those joined by one of its hardest neighbours.
    func chooseSources(count: Int, neighbours: [[Int]]?, random: inout RandomSource) -> [Int] {
        var chosen: [Int] = []
        var usedFamilies = Set<Int>()
        func add(_ index: Int) -> Bool {
            guard chosen.count < count, usedFamilies.insert(pictures.familyOfPicture[index]).inserted else {
                return false
            }
            chosen.append(index)
            return true
        }
        var attempts = 0
        while chosen.count < count && attempts < count * 50 {
            attempts += 1
            // Draw a group first, then a member, so groups with many resolutions are not favoured.
            let group = pictures.groups[random.nextInt(below: pictures.groups.count)]
            let anchor = group[random.nextInt(below: group.count)]
            guard add(anchor) else { continue }
            if let neighbours, !neighbours[anchor].isEmpty, random.nextUniform() < 0.75 {
                _ = add(neighbours[anchor][random.nextInt(below: neighbours[anchor].count)])
            }
        }
        return chosen
    }

    /// The two views of `source`: an original (or a lightly edited copy) and an edited copy, sometimes another
    /// resolution of the same picture shipped in its group.
    func views(of source: Int, random: inout RandomSource) -> (Image, Image) {
        let original = pictures.images[source]
        // Drawn only when asked for, so that runs without window views keep their random stream.
        if windowViewShare > 0, Double(random.nextUniform()) < windowViewShare {
            return windowViews(of: original, random: &random)
        }
        var first = original
        if random.nextUniform() < 0.35 {
            let light: [EditKind] = [.jpeg, .rescale, .colour, .noise, .blur]
            first = editor.apply(light[random.nextInt(below: light.count)], to: original, random: &random)
        }
        let base = pictures.images[secondViewSource(of: source, random: &random)]
        let second = editor.apply(Self.drawEdit(&random), to: base, random: &random)
        return random.nextUniform() < 0.5 ? (first, second) : (second, first)
    }

    /// Edits drawn for the copy of a window: the crop is the window's own, so no further cropping or framing.
    static let windowEditWeights: [(EditKind, Int)] = [
        (.rescale, 3), (.jpeg, 4), (.colour, 4), (.grayscale, 2), (.blur, 2), (.noise, 2), (.text, 4), (.patch, 3),
        (.rotation, 3),
    ]

    /// One of the shipped grid's windows of `picture`, cut as window matching cuts it, and a copy of about the same
    /// part as a user crops it: each side 0.85–1.15 of the window's, shifted by up to a twentieth of the picture,
    /// then edited half of the time. Window matching scores a crop of a picture against the window of the original
    /// nearest it; a network trained on whole pictures only puts a window and that crop far apart, and windows of
    /// distinct pictures (skies, line drawings) close together. In random order, like every pair.
    func windowViews(of picture: Image, random: inout RandomSource) -> (Image, Image) {
        let rectangles = WindowMatching.shippedGrid.rectangles(width: picture.width, height: picture.height)
        let window = rectangles[random.nextInt(below: rectangles.count)]
        func jittered(start: Int, length: Int, whole: Int, random: inout RandomSource) -> (Int, Int) {
            let newLength = min(whole, max(1, Int((Float(length) * uniform(0.85, 1.15, &random)).rounded())))
            let shift = uniform(-0.05, 0.05, &random) * Float(whole)
            let centred = Float(start) + Float(length - newLength) / 2 + shift
            return (min(max(0, Int(centred.rounded())), whole - newLength), newLength)
        }
        let (x, width) = jittered(start: window.x, length: window.width, whole: picture.width, random: &random)
        let (y, height) = jittered(start: window.y, length: window.height, whole: picture.height, random: &random)
        var copy = picture.cropped(x: x, y: y, width: width, height: height)
        if random.nextUniform() < 0.5 {
            copy = editor.apply(Self.draw(from: Self.windowEditWeights, &random), to: copy, random: &random)
        }
        let windowView = picture.cropped(x: window.x, y: window.y, width: window.width, height: window.height)
        return random.nextUniform() < 0.5 ? (windowView, copy) : (copy, windowView)
    }

    /// Packages ship one picture at up to this many resolutions; a larger group is a chain of sparse pictures
    /// (small drawings on an empty background) that the grouping hashes cannot tell apart. Such a group stays
    /// together for the split and is never used for distinct pairs, but its members are not the same picture,
    /// so they are not trained as near-duplicates of one another.
    static let largestResolutionSet = 8

    /// The picture the edited view is made from: `source` itself, or 30% of the time another resolution of it
    /// shipped in its group.
    func secondViewSource(of source: Int, random: inout RandomSource) -> Int {
        let group = pictures.groups[pictures.groupOfPicture[source]]
        guard group.count > 1, group.count <= Self.largestResolutionSet, random.nextUniform() < 0.3 else {
            return source
        }
        let others = group.filter { $0 != source }
        return others[random.nextInt(below: others.count)]
    }

    /// The two views of a dismissed pair: its two pictures, each lightly edited a third of the time, in random order.
    func views(of pair: FeedbackPairs.Pair, random: inout RandomSource) -> (Image, Image) {
        let light: [EditKind] = [.jpeg, .rescale, .colour, .noise, .blur]
        var (first, second) = (pair.first, pair.second)
        if random.nextUniform() < 0.35 {
            first = editor.apply(light[random.nextInt(below: light.count)], to: first, random: &random)
        }
        if random.nextUniform() < 0.35 {
            second = editor.apply(light[random.nextInt(below: light.count)], to: second, random: &random)
        }
        return random.nextUniform() < 0.5 ? (first, second) : (second, first)
    }

    static func drawEdit(_ random: inout RandomSource) -> EditKind { draw(from: editWeights, &random) }

    static func draw(from weights: [(EditKind, Int)], _ random: inout RandomSource) -> EditKind {
        let total = weights.reduce(0) { $0 + $1.1 }
        var ticket = random.nextInt(below: total)
        for (kind, weight) in weights {
            if ticket < weight { return kind }
            ticket -= weight
        }
        return weights[weights.count - 1].0
    }

    /// Network input for a batch of images: `[N, 3, side, side]`, each through the shared preprocessing.
    static func inputTensor(_ images: [Image], preparation: InputPreparation, threads: Int) -> Tensor {
        let side = preparation.side
        let planes = concurrentMap(images, threads: threads) { NetworkInput.preprocess($0, preparation: preparation) }
        return try! Tensor(shape: [images.count, 3, side, side], scalars: planes.flatMap { $0 })
    }
}
