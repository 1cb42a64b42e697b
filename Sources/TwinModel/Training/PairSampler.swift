import ImageIO
import NeuralNet

/// Chooses the pictures of a training step and makes the two views of each: the way users make near-duplicates,
/// often one side is the untouched original and only the other is edited.
struct PairSampler {
    let pictures: WorkingPictures
    let editor = PictureEditor()

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
        var first = original
        if random.nextUniform() < 0.35 {
            let light: [EditKind] = [.jpeg, .rescale, .colour, .noise, .blur]
            first = editor.apply(light[random.nextInt(below: light.count)], to: original, random: &random)
        }
        let base = pictures.images[secondViewSource(of: source, random: &random)]
        let second = editor.apply(Self.drawEdit(&random), to: base, random: &random)
        return random.nextUniform() < 0.5 ? (first, second) : (second, first)
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

    static func drawEdit(_ random: inout RandomSource) -> EditKind {
        let total = editWeights.reduce(0) { $0 + $1.1 }
        var ticket = random.nextInt(below: total)
        for (kind, weight) in editWeights {
            if ticket < weight { return kind }
            ticket -= weight
        }
        return .combined
    }

    /// Network input for a batch of images: `[N, 3, side, side]`, each through the shared preprocessing.
    static func inputTensor(_ images: [Image], preparation: InputPreparation, threads: Int) -> Tensor {
        let side = preparation.side
        let planes = concurrentMap(images, threads: threads) { NetworkInput.preprocess($0, preparation: preparation) }
        return try! Tensor(shape: [images.count, 3, side, side], scalars: planes.flatMap { $0 })
    }
}
